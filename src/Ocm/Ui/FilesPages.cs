using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Ocm.Data;
using Ocm.Files;
using Ocm.RemoteShares;
using Ocm.Shares;
using Ocm.WebDav;

namespace Ocm.Ui;

/// <summary>
/// The file browser: a folder's listing (breadcrumbs, sort, upload, new folder, quota), a file or folder's details
/// with rename, move and delete, the delete confirmation, and downloads. Changes go through <see cref="FileTree"/>,
/// the same code WebDAV uses, and respect WebDAV locks held by sync clients and editors. The root also lists the
/// folder of accepted received shares, <c>/Shared with me/</c>, as WebDAV does (<c>FilesPages.SharedWithMe.cs</c>).
/// </summary>
internal static partial class FilesPages
{
    /// <summary>Names sort as people expect: case-insensitive, "file 2" before "file 10".</summary>
    internal static readonly StringComparer NameOrder =
        StringComparer.Create(CultureInfo.InvariantCulture, CompareOptions.IgnoreCase | CompareOptions.NumericOrdering);

    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/files/{**path}", FolderAsync);
        ui.MapGet("/item/{**path}", ItemAsync);
        ui.MapGet("/download/{**path}", DownloadAsync);
        ui.MapGet("/delete/{**path}", ConfirmDeleteAsync);
        ui.MapPost("/mkdir", CreateFolderAsync);
        ui.MapPost("/rename", RenameAsync);
        ui.MapPost("/move", MoveAsync);
        ui.MapPost("/delete", DeleteAsync);
    }

    internal static async Task<IResult> FolderAsync(
        HttpContext context,
        FileTree files,
        OutgoingShares outgoing,
        SharedWithMeFolder folderOfShares,
        ReceivedShares received,
        string? sort,
        string? desc,
        CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (UiUrls.PathFromRequest(context, "files", out var path) != PathError.None)
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Invalid path", "This address does not name a folder.", UiSection.Files);
        }

        if (IsInReceivedFolder(path, received.FolderName))
        {
            return await SharedWithMeAsync(ui, path, folderOfShares, received, sort, desc, cancellationToken);
        }

        var folder = path.IsRoot ? await files.EnsureRootAsync(user.Id, cancellationToken) : await files.FindAsync(user.Id, path, cancellationToken);
        if (folder is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no folder {UiUrls.Display(path)}.", UiSection.Files);
        }

        if (!folder.IsFolder)
        {
            return UiRequest.Redirect(ui.Urls.Item(path));
        }

        var children = new List<FileNode>();
        await foreach (var child in files.ChildrenAsync(folder).WithCancellation(cancellationToken))
        {
            children.Add(child);
        }

        // As over WebDAV: the received shares' folder takes its name in the root (it hides anything of that name
        // stored there) and is listed only once a share is accepted.
        string? receivedFolder = null;
        if (path.IsRoot)
        {
            children.RemoveAll(c => c.Name == received.FolderName);
            if (await folderOfShares.DescribeAsync(user, cancellationToken) is { } shown)
            {
                children.Add(shown);
                receivedFolder = shown.Name;
            }
        }

        var shared = (await outgoing.CountByFileAsync(user.Id, [.. children.Select(c => c.Id)], cancellationToken)).Keys.ToHashSet();
        var used = path.IsRoot ? folder.Size : await files.UsedBytesAsync(user.Id, cancellationToken);

        var order = sort is "size" or "modified" ? sort : "name";
        var descending = desc == "1";
        Sort(children, order, descending);

        var body = Html.Of($"""
            {Breadcrumbs(ui, path)}
            <div class="toolbar">
            {UploadForm(ui, path)}
            {NewFolderForm(ui, path)}
            </div>
            <ul id="uploads" class="uploads" aria-live="polite" aria-label="Uploads"></ul>
            <div id="listing" data-dropzone>
            {Listing(ui, path, children, shared, order, descending, receivedFolder)}
            </div>
            {Quota(used, user.QuotaBytes)}
            """);
        return ui.Page(path.IsRoot ? "Files" : path.Name, body, UiSection.Files);
    }

    private static void Sort(List<FileNode> children, string order, bool descending)
    {
        Comparison<FileNode> byName = (a, b) => NameOrder.Compare(a.Name, b.Name);
        Comparison<FileNode> comparison = order switch
        {
            "size" => (a, b) => a.Size.CompareTo(b.Size) is var c && c != 0 ? c : byName(a, b),
            "modified" => (a, b) => a.Modified.CompareTo(b.Modified) is var c && c != 0 ? c : byName(a, b),
            _ => byName,
        };

        // Folders first, whatever the order, as in every file manager.
        children.Sort((a, b) => a.IsFolder != b.IsFolder ? (a.IsFolder ? -1 : 1) : descending ? comparison(b, a) : comparison(a, b));
    }

    internal static Html Breadcrumbs(UiRequest ui, StoragePath path)
    {
        var crumbs = new List<Html>();
        var chain = path.Ancestors().Reverse().Skip(1).Append(path).Where(p => !p.IsRoot).ToList();
        crumbs.Add(path.IsRoot
            ? Html.Raw("<li><span aria-current=\"page\">Files</span></li>")
            : Html.Of($"<li><a href=\"{ui.Urls.Home}\">Files</a></li>"));
        foreach (var crumb in chain)
        {
            crumbs.Add(crumb == path
                ? Html.Of($"<li><span aria-current=\"page\">{crumb.Name}</span></li>")
                : Html.Of($"<li><a href=\"{ui.Urls.Folder(crumb)}\">{crumb.Name}</a></li>"));
        }

        return Html.Of($"<nav class=\"breadcrumbs\" aria-label=\"Folder path\"><ol>{crumbs}</ol></nav><h1 id=\"folder-title\">{(path.IsRoot ? "Files" : path.Name)}</h1>");
    }

    private static Html UploadForm(UiRequest ui, StoragePath folder) => Html.Of($"""
        <form id="upload" class="upload" method="post" action="{ui.Urls.Upload(folder)}" enctype="multipart/form-data">
        <input type="hidden" name="{UiRequest.CsrfField}" value="{ui.CsrfToken}">
        <label for="files">Upload files <span class="hint">(or drop them onto the list)</span></label>
        <p class="check"><input type="checkbox" id="overwrite" name="overwrite" value="1"> <label for="overwrite">Replace files with the same name</label></p>
        <input id="files" name="files" type="file" multiple class="file-input">
        <button type="submit" id="upload-submit">Upload</button>
        </form>
        """);

    private static Html NewFolderForm(UiRequest ui, StoragePath folder) => ui.Form(
        ui.Urls.Action("mkdir"),
        Html.Of($"""
            <input type="hidden" name="dir" value="{UiUrls.Display(folder)}">
            <label for="folder-name">New folder</label>
            <input id="folder-name" name="name" type="text" required maxlength="255" placeholder="Folder name">
            <button type="submit" id="create-folder">Create</button>
            """),
        "new-folder");

    private static Html Listing(UiRequest ui, StoragePath folder, List<FileNode> children, HashSet<long> shared, string order, bool descending, string? receivedFolder)
    {
        if (children.Count == 0)
        {
            return Html.Raw("<p class=\"empty\" id=\"empty\">This folder is empty. Upload files (or drop them here) or create a folder.</p>");
        }

        var rows = new List<Html>(children.Count);
        foreach (var child in children)
        {
            var childPath = folder.Append(child.Name) ?? folder;
            if (child.Name == receivedFolder && child.Id == 0)
            {
                rows.Add(ReceivedFolderRow(ui, childPath, child));
                continue;
            }

            var link = child.IsFolder
                ? Html.Of($"<a class=\"folder\" href=\"{ui.Urls.Folder(childPath)}\">{child.Name}</a>")
                : Html.Of($"<a class=\"file\" href=\"{ui.Urls.Download(childPath)}\" download>{child.Name}</a>");
            var badge = shared.Contains(child.Id) ? Html.Raw(" <span class=\"badge\">shared</span>") : Html.Empty;
            var open = !child.IsFolder && ViewableFiles.KindOf(child.Name, child.ContentType) != ViewKind.None
                ? Html.Of($"<a href=\"{ui.Urls.View(childPath)}\" aria-label=\"Open {child.Name}\" class=\"open\">Open</a> ")
                : Html.Empty;
            rows.Add(Html.Of($"""
                <tr data-name="{child.Name}"><td class="name">{link}{badge}</td><td class="size">{UiFormat.Bytes(child.Size)}</td><td class="modified">{UiFormat.Time(child.Modified)}</td><td class="actions">{open}<a href="{ui.Urls.Share(childPath)}" aria-label="Share {child.Name}">Share</a> <a href="{ui.Urls.Item(childPath)}" aria-label="More actions for {child.Name}">More</a></td></tr>
                """));
        }

        return Html.Of($"""
            <table class="files" id="files-table">
            <caption class="visually-hidden">Contents of {UiUrls.Display(folder)}, {children.Count} items</caption>
            <thead><tr>{SortHeader(ui, folder, "name", "Name", order, descending)}{SortHeader(ui, folder, "size", "Size", order, descending)}{SortHeader(ui, folder, "modified", "Modified", order, descending)}<th scope="col" class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
            {rows}
            </tbody>
            </table>
            """);
    }

    private static Html SortHeader(UiRequest ui, StoragePath folder, string key, string label, string order, bool descending)
    {
        var current = key == order;
        var ariaSort = current ? (descending ? "descending" : "ascending") : "none";
        var next = ui.Urls.Folder(folder, key, current && !descending);
        var arrow = current ? (descending ? " ↓" : " ↑") : "";
        return Html.Of($"<th scope=\"col\" class=\"{key}\" aria-sort=\"{ariaSort}\"><a href=\"{next}\" id=\"sort-{key}\">{label}{arrow}</a></th>");
    }

    internal static Html Quota(long used, long? quota)
    {
        if (quota is long limit && limit > 0)
        {
            var percent = Math.Min(100, used * 100 / limit);
            return Html.Of($"""
                <div class="quota" id="quota">
                <label for="quota-meter">Storage</label>
                <meter id="quota-meter" min="0" max="{limit}" low="{limit * 8 / 10}" high="{limit * 95 / 100}" optimum="0" value="{Math.Min(used, limit)}">{percent}%</meter>
                <span>{UiFormat.Bytes(used)} of {UiFormat.Bytes(limit)} used ({percent}%)</span>
                </div>
                """);
        }

        return Html.Of($"<div class=\"quota\" id=\"quota\"><span>{UiFormat.Bytes(used)} used (no quota)</span></div>");
    }

    private static async Task<IResult> ItemAsync(HttpContext context, FileTree files, OutgoingShares outgoing, OcmDb db, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (UiUrls.PathFromRequest(context, "item", out var path) != PathError.None || path.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file or folder {UiUrls.Display(path)}.", UiSection.Files);
        }

        var shareCount = (await outgoing.CountByFileAsync(user.Id, [node.Id], cancellationToken)).GetValueOrDefault(node.Id);
        var folders = await FolderChoicesAsync(db, user.Id, path, cancellationToken);
        var open = node.IsFolder
            ? Html.Of($"<a class=\"button\" href=\"{ui.Urls.Folder(path)}\">Open</a>")
            : Html.Of($"<a class=\"button\" href=\"{ui.Urls.Download(path)}\" download id=\"download\">Download</a>");
        if (!node.IsFolder && ViewableFiles.KindOf(node.Name, node.ContentType) != ViewKind.None)
        {
            open = Html.Of($"<a class=\"button\" href=\"{ui.Urls.View(path)}\" id=\"open\">Open</a> {open}");
        }

        var checksum = node.Sha256 is null ? Html.Empty : Html.Of($"<dt>SHA-256</dt><dd><code>{node.Sha256}</code></dd>");
        var sharedText = shareCount == 0 ? "not shared" : $"with {shareCount} {(shareCount == 1 ? "person" : "people")}";
        var renameFields = Html.Of($"""
            <input type="hidden" name="path" value="{UiUrls.Display(path)}">
            <label for="new-name">New name</label>
            <input id="new-name" name="name" type="text" required maxlength="255" value="{node.Name}">
            <button type="submit" id="rename">Rename</button>
            """);
        var choices = Html.Join(folders.Select(f => Html.Of($"<option value=\"{UiUrls.Display(f)}\">")));
        var moveFields = Html.Of($"""
            <input type="hidden" name="path" value="{UiUrls.Display(path)}">
            <label for="destination">To folder</label>
            <input id="destination" name="destination" type="text" required list="folder-choices" value="{UiUrls.Display(path.Parent)}" autocomplete="off">
            <datalist id="folder-choices">{choices}</datalist>
            <button type="submit" id="move">Move</button>
            """);
        var body = Html.Of($"""
            {Breadcrumbs(ui, path)}
            <dl class="details">
            <dt>Type</dt><dd>{(node.IsFolder ? "Folder" : node.ContentType ?? "File")}</dd>
            <dt>Size</dt><dd>{UiFormat.Bytes(node.Size)}</dd>
            <dt>Modified</dt><dd>{UiFormat.Time(node.Modified)}</dd>
            <dt>Created</dt><dd>{UiFormat.Time(node.Created)}</dd>
            {checksum}
            <dt>Shared</dt><dd>{sharedText}</dd>
            </dl>
            <p class="actions-row">{open} <a class="button" href="{ui.Urls.Share(path)}" id="share">Share…</a> <a class="button danger" href="{ui.Urls.ConfirmDelete(path)}" id="delete">Delete…</a></p>
            <section aria-labelledby="rename-title">
            <h2 id="rename-title">Rename</h2>
            {ui.Form(ui.Urls.Action("rename"), renameFields, "stack narrow")}
            </section>
            <section aria-labelledby="move-title">
            <h2 id="move-title">Move</h2>
            {ui.Form(ui.Urls.Action("move"), moveFields, "stack narrow")}
            </section>
            """);
        return ui.Page(node.Name, body, UiSection.Files);
    }

    /// <summary>Folders something at <paramref name="moving"/> may move into: all but itself and what is below it.</summary>
    private static async Task<List<StoragePath>> FolderChoicesAsync(OcmDb db, long ownerId, StoragePath moving, CancellationToken cancellationToken)
    {
        var paths = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == ownerId && n.IsFolder)
            .OrderBy(n => n.Path)
            .Select(n => n.Path)
            .Take(2000)
            .ToListAsync(cancellationToken);
        return paths
            .Select(p => StoragePath.TryParse(p, out var parsed) == PathError.None ? parsed : (StoragePath?)null)
            .OfType<StoragePath>()
            .Where(p => !moving.IsSelfOrAncestorOf(p))
            .ToList();
    }

    private static async Task<IResult> DownloadAsync(HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (UiUrls.PathFromRequest(context, "download", out var path) != PathError.None || path.IsRoot)
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Invalid path", "This address does not name a file.", UiSection.Files);
        }

        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null || node.IsFolder)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file {UiUrls.Display(path)}.", UiSection.Files);
        }

        Stream content;
        try
        {
            content = node.BlobId is null ? Stream.Null : await files.Store.OpenReadAsync(user.Id, node.BlobId, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Log.ContentMissing(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ocm.Ui.FilesPages"), ex);
            return ui.Message(StatusCodes.Status500InternalServerError, "File unavailable", "The content of this file is missing on the server. Tell the administrator.", UiSection.Files);
        }

        // Always a download, never rendered in our origin: an uploaded HTML file must not run as this site.
        context.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, no-cache";
        return TypedResults.File(
            content,
            node.ContentType ?? "application/octet-stream",
            fileDownloadName: node.Name,
            lastModified: node.Modified,
            entityTag: new EntityTagHeaderValue(node.QuotedETag),
            enableRangeProcessing: true);
    }

    private static async Task<IResult> ConfirmDeleteAsync(HttpContext context, FileTree files, OutgoingShares outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (UiUrls.PathFromRequest(context, "delete", out var path) != PathError.None || path.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file or folder {UiUrls.Display(path)}.", UiSection.Files);
        }

        var shareCount = (await outgoing.CountByFileAsync(user.Id, [node.Id], cancellationToken)).GetValueOrDefault(node.Id);
        var what = node.IsFolder
            ? Html.Of($"the folder <strong>{node.Name}</strong> and everything in it ({UiFormat.Bytes(node.Size)})")
            : Html.Of($"the file <strong>{node.Name}</strong> ({UiFormat.Bytes(node.Size)})");
        var shares = shareCount == 0
            ? Html.Empty
            : Html.Of($"<p class=\"warning\">It is shared with {shareCount} {(shareCount == 1 ? "person" : "people")}; they lose access.</p>");
        var buttons = Html.Of($"""
            <input type="hidden" name="path" value="{UiUrls.Display(path)}">
            <button type="submit" class="danger" id="confirm-delete">Delete</button>
            <a class="button secondary" href="{ui.Urls.Folder(path.Parent)}" id="cancel-delete">Cancel</a>
            """);
        var body = Html.Of($"""
            {Breadcrumbs(ui, path)}
            <h2>Delete?</h2>
            <p>This deletes {what} for good. It cannot be undone.</p>
            {shares}
            {ui.Form(ui.Urls.Action("delete"), buttons)}
            """);
        return ui.Page("Delete " + node.Name, body, UiSection.Files);
    }

    private static async Task<IResult> CreateFolderAsync(HttpContext context, FileTree files, WritePreconditions preconditions, SharesOptions shares, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (UiUrls.PathFromText(form["dir"], out var parent) != PathError.None)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        var name = form["name"].ToString().Trim();
        if (parent.Append(name) is not StoragePath path)
        {
            return ui.Redirect(ui.Urls.Folder(parent), FlashKind.Error, NameProblem(name));
        }

        if (ReservedProblem(path, shares.ReceivedFolder) is { } reserved)
        {
            return ui.Redirect(ui.Urls.Folder(parent), FlashKind.Error, reserved);
        }

        if (await LockedAsync(preconditions, user.Id, null, [new LockScope(path, IncludeBelow: false, MembershipChange: true)], cancellationToken) is { } locked)
        {
            return ui.Redirect(ui.Urls.Folder(parent), FlashKind.Error, locked);
        }

        var result = await files.CreateFolderAsync(user.Id, path, cancellationToken);
        return result.Status switch
        {
            FolderStatus.Created => ui.Redirect(ui.Urls.Folder(parent), FlashKind.Success, $"Folder “{name}” created."),
            FolderStatus.Exists => ui.Redirect(ui.Urls.Folder(parent), FlashKind.Error, $"“{name}” already exists here."),
            _ => ui.Redirect(ui.Urls.Home, FlashKind.Error, $"The folder {UiUrls.Display(parent)} no longer exists."),
        };
    }

    private static async Task<IResult> RenameAsync(HttpContext context, FileTree files, WritePreconditions preconditions, SharesOptions shares, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (UiUrls.PathFromText(form["path"], out var source) != PathError.None || source.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        var name = form["name"].ToString().Trim();
        if (source.Parent.Append(name) is not StoragePath target)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, NameProblem(name));
        }

        if (target == source)
        {
            return UiRequest.Redirect(ui.Urls.Folder(source.Parent));
        }

        if (ReservedProblem(target, shares.ReceivedFolder) is { } reserved)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, reserved);
        }

        return await TransferAsync(ui, files, preconditions, source, target, $"Renamed to “{name}”.", ui.Urls.Folder(source.Parent), cancellationToken);
    }

    private static async Task<IResult> MoveAsync(HttpContext context, FileTree files, WritePreconditions preconditions, SharesOptions shares, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (UiUrls.PathFromText(form["path"], out var source) != PathError.None || source.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        if (UiUrls.PathFromText(form["destination"], out var destination) != PathError.None)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, "The destination is not a valid folder path.");
        }

        if (ReservedProblem(destination, shares.ReceivedFolder) is { } reserved)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, reserved);
        }

        var folder = await files.FindAsync(user.Id, destination, cancellationToken);
        if (folder is null || !folder.IsFolder)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, $"There is no folder {UiUrls.Display(destination)}.");
        }

        if (destination.Append(source.Name) is not StoragePath target)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, "The path would become too long there.");
        }

        if (ReservedProblem(target, shares.ReceivedFolder) is { } reservedName)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, reservedName);
        }

        if (target == source)
        {
            return UiRequest.Redirect(ui.Urls.Folder(source.Parent));
        }

        return await TransferAsync(ui, files, preconditions, source, target, $"Moved to {UiUrls.Display(destination)}.", ui.Urls.Folder(destination), cancellationToken);
    }

    private static async Task<IResult> TransferAsync(
        UiRequest ui, FileTree files, WritePreconditions preconditions, StoragePath source, StoragePath target, string done, string doneUrl, CancellationToken cancellationToken)
    {
        var user = ui.User;
        LockScope[] scopes = [new(source, IncludeBelow: true, MembershipChange: true), new(target, IncludeBelow: true, MembershipChange: true)];
        if (await LockedAsync(preconditions, user.Id, null, scopes, cancellationToken) is { } locked)
        {
            return ui.Redirect(ui.Urls.Item(source), FlashKind.Error, locked);
        }

        var result = await files.MoveAsync(user.Id, source, target, overwrite: false, cancellationToken);
        return result.Status switch
        {
            TransferStatus.Created or TransferStatus.Replaced => ui.Redirect(doneUrl, FlashKind.Success, done),
            TransferStatus.DestinationExists => ui.Redirect(ui.Urls.Item(source), FlashKind.Error, $"“{target.Name}” already exists in {UiUrls.Display(target.Parent)}."),
            TransferStatus.Forbidden => ui.Redirect(ui.Urls.Item(source), FlashKind.Error, "A folder cannot be moved into itself."),
            TransferStatus.SourceMissing => ui.Redirect(ui.Urls.Folder(source.Parent), FlashKind.Error, $"{UiUrls.Display(source)} no longer exists."),
            _ => ui.Redirect(ui.Urls.Item(source), FlashKind.Error, $"The folder {UiUrls.Display(target.Parent)} no longer exists."),
        };
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, FileTree files, WritePreconditions preconditions, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (UiUrls.PathFromText(form["path"], out var path) != PathError.None || path.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        if (await LockedAsync(preconditions, user.Id, null, [new LockScope(path, IncludeBelow: true, MembershipChange: true)], cancellationToken) is { } locked)
        {
            return ui.Redirect(ui.Urls.Item(path), FlashKind.Error, locked);
        }

        return await files.DeleteAsync(user.Id, path, cancellationToken)
            ? ui.Redirect(ui.Urls.Folder(path.Parent), FlashKind.Success, $"“{path.Name}” deleted.")
            : ui.Redirect(ui.Urls.Folder(path.Parent), FlashKind.Error, $"{UiUrls.Display(path)} no longer exists.");
    }

    /// <summary>
    /// Whether a change from the web interface may go ahead, decided by <see cref="WritePreconditions"/> as for WebDAV: the
    /// web interface submits no lock tokens, so a WebDAV lock (RFC 4918 §7) on what the change touches refuses it, as it
    /// refuses a WebDAV client without the token. A message naming what is locked; null when nothing is in the way.
    /// </summary>
    internal static async Task<string?> LockedAsync(
        WritePreconditions preconditions, long ownerId, FileNode? target, IReadOnlyList<LockScope> scopes, CancellationToken cancellationToken)
    {
        var result = await preconditions.CheckAsync(WriteCheck.WithoutConditions(ownerId, target, [.. scopes]), cancellationToken);
        if (result.Holds)
        {
            return null;
        }

        var root = result.Locks.Count > 0 ? result.Locks[0].StoragePath : scopes[0].Path;
        var what = root.IsRoot ? "Your home folder" : $"“{UiUrls.Display(root)}”";
        return $"{what} is locked by a WebDAV client (a sync client or an editor): it cannot be changed here until that client unlocks it or the lock expires.";
    }

    internal static string NameProblem(string name) => StoragePath.CheckName(name) switch
    {
        PathError.DotSegment => "“.” and “..” cannot be used as names.",
        PathError.ForbiddenCharacter => "A name cannot contain “/”, “\\” or control characters.",
        PathError.TooLong => "That name is too long (at most 255 bytes).",
        PathError.None => "The path would become too long.",
        _ => "Enter a name.",
    };

    private static partial class Log
    {
        [LoggerMessage(2600, LogLevel.Error, "A file's content is missing from the store")]
        public static partial void ContentMissing(ILogger logger, Exception exception);
    }
}
