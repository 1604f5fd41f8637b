using System.IO.Pipelines;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Ocm.Files;
using Ocm.WebDav;

namespace Ocm.Ui;

/// <summary>
/// The browser viewer and editor for one's own files: text shown as text, Markdown rendered (no raw HTML, no script
/// URLs), images in an <c>img</c> and PDF in the browser's own viewer, both served by <c>/ui/inline/…</c> with a pinned
/// content type; text and Markdown edited in a textarea. A save goes through <see cref="FileTree.WriteAsync"/> with the
/// checks an upload and a WebDAV PUT get (quota, size, WebDAV locks via <see cref="WritePreconditions"/>), carrying the
/// ETag the editor was opened with, so a change made meanwhile is a conflict shown with the user's text, never
/// overwritten silently. Received shares get the same pages in <c>ViewerPages.Received.cs</c>.
/// </summary>
internal static partial class ViewerPages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/view/{**path}", ViewAsync);
        ui.MapGet("/inline/{**path}", InlineAsync);
        ui.MapGet("/edit/{**path}", EditAsync);
        ui.MapGet("/received/{id:long}/view/{**path}", ViewReceivedAsync);
        ui.MapGet("/received/{id:long}/inline/{**path}", InlineReceivedAsync);
        ui.MapGet("/received/{id:long}/edit/{**path}", EditReceivedAsync);
    }

    /// <summary>The saves read a larger form than <see cref="CsrfFilter"/> allows, so they check the token themselves.</summary>
    public static void MapSaves(RouteGroupBuilder ui)
    {
        ui.MapPost("/save", SaveAsync);
        ui.MapPost("/received/{id:long}/save", SaveReceivedAsync);
    }

    private static async Task<IResult> ViewAsync(HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (path, node, problem) = await FindAsync(ui, files, "view", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var file = Describe(ui, path, node!);
        var text = await ReadTextAsync(files, node!, file, cancellationToken);

        return ViewPage(ui, file, text, UiSection.Files);
    }

    private static async Task<IResult> InlineAsync(HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (path, node, problem) = await FindAsync(ui, files, "inline", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var kind = ViewableFiles.KindOf(path.Name, node!.ContentType);
        if (kind is not (ViewKind.Image or ViewKind.Pdf))
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"{UiUrls.Display(path)} is not an image or a PDF.", UiSection.Files);
        }

        var content = await OpenAsync(files, node, cancellationToken);
        InlineHeaders(context.Response, path.Name, kind);
        return TypedResults.File(
            content,
            ViewableFiles.InlineContentType(path.Name, kind),
            lastModified: node.Modified,
            entityTag: new EntityTagHeaderValue(node.QuotedETag),
            enableRangeProcessing: true);
    }

    private static async Task<IResult> EditAsync(HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (path, node, problem) = await FindAsync(ui, files, "edit", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var file = Describe(ui, path, node!);
        var text = await ReadTextAsync(files, node!, file, cancellationToken);

        if (text is not { IsUtf8: true })
        {
            return NotEditable(ui, file, UiSection.Files);
        }

        return EditorPage(ui, file, text.Text, new EditorState(node!.ETag, text.UsesCrLf, text.HasBom), ui.Urls.Action("save"), OwnPathField(path), UiSection.Files);
    }

    private static async Task<IResult> SaveAsync(
        HttpContext context, FileTree files, WritePreconditions preconditions, WebDavOptions webDav, IAntiforgery antiforgery, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (await ReadSaveFormAsync(ui, antiforgery, cancellationToken) is not { } form)
        {
            return SaveFormRefused(ui);
        }

        if (UiUrls.PathFromText(form.Fields["path"], out var path) != PathError.None || path.IsRoot)
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Invalid path", "This form does not name a file.", UiSection.Files);
        }

        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null || node.IsFolder)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file {UiUrls.Display(path)}; your text was not saved.", UiSection.Files);
        }

        var file = Describe(ui, path, node);
        if (!ViewableFiles.IsEditable(file.Kind))
        {
            return NotEditable(ui, file, UiSection.Files);
        }

        return await SaveTextAsync(
            ui, form, file, user.Id, node, user.QuotaBytes, ui.Urls.Action("save"), OwnPathField(path), UiSection.Files, "your storage quota",
            files, preconditions, webDav, bytes => Log.Saved(loggers.CreateLogger("Ocm.Ui.ViewerPages"), user.Id, bytes), cancellationToken);
    }

    /// <summary>
    /// Saves an editor's text into <paramref name="node"/> of <paramref name="ownerId"/> (the user's own file, or the
    /// owner's file of a web app share) with the checks a WebDAV PUT without a lock token gets: the text's size, the ETag
    /// the editor was opened with, locks, the owner's quota and the upload limit. Any refusal brings the editor back
    /// with the text and the reason; <paramref name="saved"/> logs a save (its size).
    /// </summary>
    private static async Task<IResult> SaveTextAsync(
        UiRequest ui, SaveForm form, ViewedFile file, long ownerId, FileNode node, long? quotaBytes, string saveUrl, Html hidden, UiSection section,
        string quotaName, FileTree files, WritePreconditions preconditions, WebDavOptions webDav, Action<int> saved, CancellationToken cancellationToken)
    {
        var path = node.StoragePath;
        IResult Again(int status, string message, string etag) =>
            EditorPage(ui, file, form.Text, form.State with { ETag = etag }, saveUrl, hidden, section, status, message);

        var bytes = ViewableFiles.ToBytes(form.Text, form.State.CrLf, form.State.Bom);
        if (bytes.Length > ViewableFiles.MaxTextBytes)
        {
            return Again(StatusCodes.Status413PayloadTooLarge, TooLongText, form.State.ETag);
        }

        if (node.ETag != form.State.ETag)
        {
            return Again(StatusCodes.Status409Conflict, ChangedText(file.Name), node.ETag);
        }

        if (await FilesPages.LockedAsync(preconditions, ownerId, node, [new LockScope(path, IncludeBelow: false, MembershipChange: false)], cancellationToken) is { } locked)
        {
            return Again(StatusCodes.Status423Locked, locked + " Your text was not saved; it is still here.", node.ETag);
        }

        var result = await files.WriteAsync(
            new FileWrite(ownerId, path, quotaBytes, webDav.MaxUploadBytes, bytes.Length, ContentType: node.ContentType, ExpectedETag: node.ETag, ReplacedSize: node.Size),
            PipeReader.Create(new MemoryStream(bytes)),
            cancellationToken);
        switch (result.Status)
        {
            case WriteStatus.Replaced or WriteStatus.Created:
                saved(bytes.Length);
                return ui.Redirect(file.ViewUrl, FlashKind.Success, $"Saved “{file.Name}”.");
            case WriteStatus.PreconditionFailed:
                var current = await files.FindByIdAsync(ownerId, node.Id, cancellationToken);
                return Again(StatusCodes.Status409Conflict, ChangedText(file.Name), current?.ETag ?? "");
            case WriteStatus.QuotaExceeded:
                return Again(StatusCodes.Status507InsufficientStorage, $"“{file.Name}” would not fit in {quotaName}; your text was not saved.", node.ETag);
            case WriteStatus.TooLarge:
                return Again(StatusCodes.Status413PayloadTooLarge, TooLongText, node.ETag);
            default:
                return Again(StatusCodes.Status409Conflict, $"“{file.Name}” could not be saved ({result.Status}); your text is still here.", node.ETag);
        }
    }

    private static async Task<(StoragePath Path, FileNode? Node, IResult? Problem)> FindAsync(UiRequest ui, FileTree files, string section, CancellationToken cancellationToken)
    {
        if (UiUrls.PathFromRequest(ui.Http, section, out var path) != PathError.None || path.IsRoot)
        {
            return (path, null, ui.Message(StatusCodes.Status400BadRequest, "Invalid path", "This address does not name a file.", UiSection.Files));
        }

        var node = await files.FindAsync(ui.User.Id, path, cancellationToken);
        if (node is null)
        {
            return (path, null, ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file {UiUrls.Display(path)}.", UiSection.Files));
        }

        return node.IsFolder ? (path, null, UiRequest.Redirect(ui.Urls.Folder(path))) : (path, node, null);
    }

    /// <summary>The file's text when it is a text kind within <see cref="ViewableFiles.MaxTextBytes"/>; else null.</summary>
    private static async Task<LoadedText?> ReadTextAsync(FileTree files, FileNode node, ViewedFile file, CancellationToken cancellationToken)
    {
        if (!ViewableFiles.IsEditable(file.Kind) || node.Size > ViewableFiles.MaxTextBytes)
        {
            return null;
        }

        await using var content = await OpenAsync(files, node, cancellationToken);
        return await ViewableFiles.ReadTextAsync(content, cancellationToken);
    }

    private static async Task<Stream> OpenAsync(FileTree files, FileNode node, CancellationToken cancellationToken) =>
        node.BlobId is null ? Stream.Null : await files.Store.OpenReadAsync(node.OwnerId, node.BlobId, cancellationToken);

    private static ViewedFile Describe(UiRequest ui, StoragePath path, FileNode node)
    {
        var kind = ViewableFiles.KindOf(path.Name, node.ContentType);
        return new ViewedFile(
            path.Name,
            kind,
            FilesPages.Breadcrumbs(ui, path),
            ui.Urls.View(path),
            ui.Urls.Download(path),
            ui.Urls.Inline(path),
            ViewableFiles.IsEditable(kind) ? ui.Urls.Edit(path) : null,
            ui.Urls.Item(path));
    }

    private static Html OwnPathField(StoragePath path) => Html.Of($"<input type=\"hidden\" name=\"path\" value=\"{UiUrls.Display(path)}\">");

    private static partial class Log
    {
        [LoggerMessage(2640, LogLevel.Debug, "User {UserId} saved {Bytes} bytes from the web editor")]
        public static partial void Saved(ILogger logger, long userId, long bytes);

        [LoggerMessage(2641, LogLevel.Debug, "User {UserId} saved {Bytes} bytes from the web editor into received share {ShareId}")]
        public static partial void SavedReceived(ILogger logger, long userId, long bytes, long shareId);

        [LoggerMessage(2642, LogLevel.Information, "Received share {ShareId} on {Sender}: saving from the web editor answered {Status}")]
        public static partial void SaveRefused(ILogger logger, long shareId, string sender, int status);
    }
}
