using System.Net.Http.Headers;
using Microsoft.AspNetCore.Antiforgery;
using Ocm.Files;
using Ocm.RemoteShares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// The viewer and editor for a file in an accepted received share: read from the sender and saved back to it through
/// <see cref="RemoteShareClient"/> with the share's credentials, as WebDAV's <c>/Shared with me/</c> does. A share
/// without the write permission shows no Edit, and a save posted anyway is refused here (403) before the sender is
/// asked; the sender's own rules (its locks, its quota, its permissions) decide the rest, and its answer is shown in
/// words. A save carries the sender's ETag in <c>If-Match</c> (RFC 9110 §13.1.1), so a change made meanwhile is a
/// conflict, not an overwrite. Paths are <see cref="StoragePath"/>s inside the share: nothing outside it can be named.
/// </summary>
internal static partial class ViewerPages
{
    private static async Task<IResult> ViewReceivedAsync(long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, ILoggerFactory loggers)
    {
        var ui = UiRequest.For(context);
        var (share, path, problem) = await FindReceivedAsync(ui, received, id, "view");
        if (problem is not null)
        {
            return problem;
        }

        var file = DescribeReceived(ui, share!, path);
        LoadedText? text = null;
        if (ViewableFiles.IsEditable(file.Kind))
        {
            var (loaded, _, failure) = await ReadRemoteTextAsync(ui, share!, path, remote, loggers);
            if (failure is not null)
            {
                return failure;
            }

            text = loaded;
        }

        return ViewPage(ui, file, text, UiSection.Files);
    }

    private static async Task<IResult> InlineReceivedAsync(long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, ILoggerFactory loggers)
    {
        var ui = UiRequest.For(context);
        var (share, path, problem) = await FindReceivedAsync(ui, received, id, "inline");
        if (problem is not null)
        {
            return problem;
        }

        var name = NameIn(share!, path);
        var kind = ViewableFiles.KindOf(name, null);
        if (kind is not (ViewKind.Image or ViewKind.Pdf))
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"“{name}” is not an image or a PDF.", UiSection.Files);
        }

        return await ReceivedFolderPages.DownloadAsync(ui, share!, path, name, remote, loggers.CreateLogger(typeof(ViewerPages)), kind);
    }

    private static async Task<IResult> EditReceivedAsync(long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, ILoggerFactory loggers)
    {
        var ui = UiRequest.For(context);
        var (share, path, problem) = await FindReceivedAsync(ui, received, id, "edit");
        if (problem is not null)
        {
            return problem;
        }

        var file = DescribeReceived(ui, share!, path);
        if (!share!.Permissions.HasFlag(SharePermissions.Write))
        {
            return ReadOnly(ui, file);
        }

        if (!ViewableFiles.IsEditable(file.Kind))
        {
            return NotEditable(ui, file, UiSection.Files);
        }

        var (text, etag, failure) = await ReadRemoteTextAsync(ui, share, path, remote, loggers);
        if (failure is not null)
        {
            return failure;
        }

        if (text is not { IsUtf8: true })
        {
            return NotEditable(ui, file, UiSection.Files);
        }

        return EditorPage(ui, file, text.Text, new EditorState(etag ?? "", text.UsesCrLf, text.HasBom), ui.Urls.Action($"received/{share.Id}/save"), ReceivedPathField(path), UiSection.Files);
    }

    private static async Task<IResult> SaveReceivedAsync(
        long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, IAntiforgery antiforgery, ILoggerFactory loggers)
    {
        var ui = UiRequest.For(context);
        if (await ReadSaveFormAsync(ui, antiforgery, ui.Aborted) is not { } form)
        {
            return SaveFormRefused(ui);
        }

        if (await received.FindMountedAsync(ui.User.Id, id, ui.Aborted) is not { } mounted)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted share with this number; your text was not saved.", UiSection.SharedWithMe);
        }

        var share = mounted.Share;
        if (UiUrls.PathFromText(form.Fields["path"], out var path) != PathError.None || (ReceivedFolderPages.IsFileShare(share) != path.IsRoot))
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Invalid path", $"This form does not name a file in “{share.Name}”.", UiSection.Files);
        }

        var file = DescribeReceived(ui, share, path);
        if (!share.Permissions.HasFlag(SharePermissions.Write))
        {
            return ReadOnly(ui, file);
        }

        if (!ViewableFiles.IsEditable(file.Kind))
        {
            return NotEditable(ui, file, UiSection.Files);
        }

        if (await ReceivedFolderPages.TwoFactorRequiredAsync(ui, share) is { } refused)
        {
            return refused;
        }

        var saveUrl = ui.Urls.Action($"received/{share.Id}/save");
        var hidden = ReceivedPathField(path);
        IResult Again(int status, string message, string etag) =>
            EditorPage(ui, file, form.Text, form.State with { ETag = etag }, saveUrl, hidden, UiSection.Files, status, message);

        var bytes = ViewableFiles.ToBytes(form.Text, form.State.CrLf, form.State.Bom);
        if (bytes.Length > ViewableFiles.MaxTextBytes)
        {
            return Again(StatusCodes.Status413PayloadTooLarge, TooLongText, form.State.ETag);
        }

        var logger = loggers.CreateLogger(typeof(ViewerPages));
        int status;
        try
        {
            using var response = await remote.SendAsync(
                share,
                root =>
                {
                    var put = new HttpRequestMessage(HttpMethod.Put, RemoteShareClient.Combine(root, path.ToUrlPath())) { Content = new ByteArrayContent(bytes) };
                    put.Content.Headers.ContentType = new MediaTypeHeaderValue(file.Kind == ViewKind.Markdown ? "text/markdown" : "text/plain") { CharSet = "utf-8" };
                    if (form.State.ETag.Length > 0)
                    {
                        put.Headers.TryAddWithoutValidation("If-Match", form.State.ETag);
                    }

                    return put;
                },
                replayable: true,
                ui.Aborted);
            status = (int)response.StatusCode;
        }
        catch (RemoteShareException ex)
        {
            Log.SaveRefused(logger, share.Id, share.SenderHost, ex.Status);
            return Again(ex.Status is >= 500 and <= 599 ? ex.Status : StatusCodes.Status502BadGateway, $"{share.SenderHost}, which shares “{share.Name}” with you, could not be reached; your text was not saved.", form.State.ETag);
        }

        if (status is >= 200 and <= 299)
        {
            Log.SavedReceived(logger, ui.User.Id, bytes.Length, share.Id);
            return ui.Redirect(file.ViewUrl, FlashKind.Success, $"Saved “{file.Name}” on {share.SenderHost}.");
        }

        Log.SaveRefused(logger, share.Id, share.SenderHost, status);
        return status switch
        {
            // Saving again replaces what the sender has: without an If-Match, as the user chose knowingly.
            412 => Again(StatusCodes.Status409Conflict, ChangedText(file.Name), ""),
            423 => Again(StatusCodes.Status423Locked, $"“{file.Name}” is locked on {share.SenderHost} (someone has it open in a sync client or an editor); your text was not saved. Try again once it is unlocked.", form.State.ETag),
            401 or 403 => Again(StatusCodes.Status403Forbidden, $"{share.SenderHost} does not let you change “{file.Name}”; your text was not saved.", form.State.ETag),
            507 => Again(StatusCodes.Status507InsufficientStorage, $"The owner's storage on {share.SenderHost} is full; your text was not saved.", form.State.ETag),
            413 => Again(StatusCodes.Status413PayloadTooLarge, $"{share.SenderHost} does not accept a file this large; your text was not saved.", form.State.ETag),
            404 or 409 => Again(StatusCodes.Status404NotFound, $"“{file.Name}” is no longer on {share.SenderHost}; your text was not saved.", form.State.ETag),
            _ => Again(StatusCodes.Status502BadGateway, $"{share.SenderHost} gave an unusable answer ({status}); your text was not saved.", form.State.ETag),
        };
    }

    private static async Task<(ReceivedShare? Share, StoragePath Path, IResult? Problem)> FindReceivedAsync(UiRequest ui, ReceivedShares received, long id, string section)
    {
        if (await received.FindMountedAsync(ui.User.Id, id, ui.Aborted) is not { } mounted)
        {
            return (null, StoragePath.Root, ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted share with this number.", UiSection.SharedWithMe));
        }

        var share = mounted.Share;
        if (await ReceivedFolderPages.TwoFactorRequiredAsync(ui, share) is { } refused)
        {
            return (share, StoragePath.Root, refused);
        }

        // A file share is its root; in a folder share, a file is below it.
        if (UiUrls.PathFromRequest(ui.Http, $"received/{id}/{section}", out var path) != PathError.None || ReceivedFolderPages.IsFileShare(share) != path.IsRoot)
        {
            return (share, path, ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no such file in “{share.Name}”.", UiSection.Files));
        }

        return (share, path, null);
    }

    /// <summary>The text of a file in the share and the sender's ETag; a page instead when the sender does not give it.</summary>
    private static async Task<(LoadedText? Text, string? ETag, IResult? Problem)> ReadRemoteTextAsync(
        UiRequest ui, ReceivedShare share, StoragePath path, RemoteShareClient remote, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(ViewerPages));
        try
        {
            using var response = await remote.SendAsync(
                share, root => new HttpRequestMessage(HttpMethod.Get, RemoteShareClient.Combine(root, path.ToUrlPath())), replayable: true, ui.Aborted);
            var status = (int)response.StatusCode;
            if (status != StatusCodes.Status200OK)
            {
                Log.SaveRefused(logger, share.Id, share.SenderHost, status);
                var shown = status switch
                {
                    401 or 403 => StatusCodes.Status403Forbidden,
                    404 => StatusCodes.Status404NotFound,
                    _ => StatusCodes.Status502BadGateway,
                };
                return (null, null, ReceivedFolderPages.Problem(ui, share, path, shown, retryAfter: null, "file"));
            }

            if (response.Content.Headers.ContentLength > ViewableFiles.MaxTextBytes)
            {
                return (null, response.Headers.ETag?.ToString(), null);
            }

            await using var body = await response.Content.ReadAsStreamAsync(ui.Aborted);
            return (await ViewableFiles.ReadTextAsync(body, ui.Aborted), response.Headers.ETag?.ToString(), null);
        }
        catch (RemoteShareException ex)
        {
            Log.SaveRefused(logger, share.Id, share.SenderHost, ex.Status);
            return (null, null, ReceivedFolderPages.Problem(ui, share, path, ex.Status, ex.RetryAfter, "file"));
        }
    }

    private static string NameIn(ReceivedShare share, StoragePath path) => path.IsRoot ? share.Name : path.Name;

    private static ViewedFile DescribeReceived(UiRequest ui, ReceivedShare share, StoragePath path)
    {
        var name = NameIn(share, path);
        var kind = ViewableFiles.KindOf(name, null);
        var crumbs = Html.Of($"""
            <nav class="breadcrumbs" aria-label="Folder path"><ol><li><a href="{ui.Urls.Home}">Files</a></li><li><a href="{ui.Urls.Action("shared-with-me")}">Shared with me</a></li>{(path.IsRoot ? Html.Empty : Html.Of($"<li><a href=\"{ui.Urls.ReceivedFolder(share.Id, path.Parent)}\">{(path.Parent.IsRoot ? share.Name : path.Parent.Name)}</a></li>"))}<li><span aria-current="page">{name}</span></li></ol></nav>
            <h1 id="folder-title">{name}</h1>
            <p class="muted" id="shared-by">Shared with you by {share.SenderDisplayName ?? share.OwnerDisplayName ?? share.Sender} from {share.SenderHost}; you can {(share.Permissions.HasFlag(SharePermissions.Write) ? "view and edit" : "view")}.</p>
            """);
        var download = ReceivedFolderPages.IsFileShare(share) ? ui.Urls.Action($"received/{share.Id}/download") : ui.Urls.ReceivedFile(share.Id, path);
        return new ViewedFile(
            name,
            kind,
            crumbs,
            ui.Urls.ReceivedView(share.Id, path),
            download,
            ui.Urls.ReceivedInline(share.Id, path),
            share.Permissions.HasFlag(SharePermissions.Write) && ViewableFiles.IsEditable(kind) ? ui.Urls.ReceivedEdit(share.Id, path) : null,
            null);
    }

    private static Html ReceivedPathField(StoragePath path) => Html.Of($"<input type=\"hidden\" name=\"path\" value=\"{UiUrls.Display(path)}\">");

    private static IResult ReadOnly(UiRequest ui, ViewedFile file) =>
        ui.Page(
            "Read only",
            Html.Of($"<h1>Read only</h1><p id=\"read-only\">“{file.Name}” is shared with you to view, not to edit; nothing was saved.</p><p><a href=\"{file.ViewUrl}\">Back to the file</a></p>"),
            UiSection.Files,
            StatusCodes.Status403Forbidden);
}
