using System.Globalization;
using Microsoft.Net.Http.Headers;
using Ocm.Files;
using Ocm.RemoteShares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// Browsing an accepted folder share received from another server: each folder is listed from the sender with a
/// PROPFIND Depth 1 and each file downloaded from it, both through <see cref="RemoteShareClient"/> with the share's
/// credentials (the path WebDAV's <c>/Shared with me/</c> takes), streamed and never stored here. Paths inside the
/// share are <see cref="StoragePath"/>s, so nothing outside the share can be named. A sender that cannot be reached
/// gives a page saying so, naming it; a share that is not the user's, not accepted or expired is not found. The pages
/// sit in the file browser at the share's path in <c>/Shared with me/</c>, under the name <see cref="ReceivedShares"/>
/// mounts it at (the one WebDAV serves).
/// </summary>
internal static partial class ReceivedFolderPages
{
    /// <summary>Sender statuses relayed for a download; anything else is shown as a page.</summary>
    private static readonly HashSet<int> RelayedStatuses = [200, 206, 304, 412, 416];

    /// <summary>Request headers passed to the sender, so resumed downloads and revalidation work end to end.</summary>
    private static readonly string[] ForwardedHeaders = ["Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"];

    /// <summary>Response headers passed back to the browser.</summary>
    private static readonly string[] RelayedHeaders = ["Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified"];

    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/received/{id:long}/folder/{**path}", FolderAsync);
        ui.MapGet("/received/{id:long}/file/{**path}", FileAsync);
    }

    /// <summary>
    /// A page instead of the share when it carries <c>must-use-mfa</c> and this session did not pass a second factor
    /// (Identity/Mfa/MfaShareAccess.cs), with the way to set one up; null when it may be opened.
    /// </summary>
    internal static async Task<IResult?> TwoFactorRequiredAsync(UiRequest ui, ReceivedShare share)
    {
        var refusal = await ui.Http.RequestServices.GetRequiredService<Identity.Mfa.MfaShareAccess>().RefusalAsync(ui.Http, share, ui.Aborted);
        if (refusal is null)
        {
            return null;
        }

        var body = Html.Of($"""
            <div class="narrow" id="two-factor-required">
            <h1>Two-factor sign-in required</h1>
            <p role="alert" id="mfa-refusal">{refusal}</p>
            <p><a class="button" href="{ui.Urls.Action(Identity.Mfa.TwoFactorPages.EnrolPath)}" id="set-up-two-factor">Set up two-factor authentication</a>
            <a href="{ui.Urls.Action("shared-with-me")}">Back to Shared with me</a></p>
            </div>
            """);
        return ui.Page("Two-factor sign-in required", body, UiSection.SharedWithMe, StatusCodes.Status403Forbidden);
    }

    internal static bool IsFileShare(ReceivedShare share) => share.IsFolder != true && share.ResourceType == "file";

    private static async Task<IResult> FolderAsync(
        long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (await received.FindMountedAsync(ui.User.Id, id, cancellationToken) is not { } mounted)
        {
            return NoSuchShare(ui);
        }

        var (share, mountName) = mounted;
        if (await TwoFactorRequiredAsync(ui, share) is { } refused)
        {
            return refused;
        }

        if (UiUrls.PathFromRequest(context, $"received/{id}/folder", out var path) != PathError.None)
        {
            return NotInShare(ui, share, "folder");
        }

        RemoteFolder folder;
        try
        {
            folder = await remote.ListAsync(share, path, cancellationToken);
        }
        catch (RemoteShareException ex)
        {
            Log.Failed(loggers.CreateLogger(typeof(ReceivedFolderPages)), share.Id, share.SenderHost, ex.Status);
            return Problem(ui, share, path, ex.Status, ex.RetryAfter, "folder");
        }

        if (!folder.IsFolder)
        {
            // The sender says this is a file (Nextcloud announces some folders as files, and the reverse can happen).
            return UiRequest.Redirect(path.IsRoot ? ui.Urls.Action($"received/{share.Id}/download") : ui.Urls.ReceivedFile(share.Id, path));
        }

        var members = folder.Members.ToList();
        members.Sort((a, b) => a.IsFolder != b.IsFolder ? (a.IsFolder ? -1 : 1) : FilesPages.NameOrder.Compare(a.Name, b.Name));
        var from = share.SenderDisplayName ?? share.OwnerDisplayName;
        var sender = from is { Length: > 0 } ? Html.Of($"{from} <span class=\"address\">({share.Sender})</span>") : Html.Of($"<span class=\"address\">{share.Sender}</span>");
        var permissions = share.Permissions.HasFlag(SharePermissions.Write) ? "view and edit" : "view";
        var truncated = folder.Truncated
            ? Html.Of($"<p class=\"warning\" id=\"truncated\">Only the first {RemoteShareClient.MaxListedMembers} items are shown; WebDAV and sync clients see all of them in your “{received.FolderName}” folder.</p>")
            : Html.Empty;
        var body = Html.Of($"""
            {Breadcrumbs(ui, share, mountName, received.FolderName, path)}
            <p class="muted" id="shared-by">Shared with you by {sender} from {share.SenderHost}; you can {permissions}.</p>
            <div id="listing">
            {Listing(ui, share, path, members)}
            </div>
            {truncated}
            """);
        return ui.Page(path.IsRoot ? mountName : path.Name, body, UiSection.Files);
    }

    private static async Task<IResult> FileAsync(
        long id, HttpContext context, RemoteShareClient remote, ReceivedShares received, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var share = (await received.FindMountedAsync(ui.User.Id, id, cancellationToken))?.Share;
        if (share is null)
        {
            return NoSuchShare(ui);
        }

        if (UiUrls.PathFromRequest(context, $"received/{id}/file", out var path) != PathError.None || path.IsRoot)
        {
            return NotInShare(ui, share, "file");
        }

        return await DownloadAsync(ui, share, path, path.Name, remote, loggers.CreateLogger(typeof(ReceivedFolderPages)));
    }

    /// <summary>
    /// Streams the file at <paramref name="path"/> in the share (the root for a file share) from the sender to the
    /// browser. Always an attachment in a sandbox: whatever the sender says the content is, it never runs as this site.
    /// Failures before the first byte become pages; a sender that breaks off later aborts the download. For the viewer
    /// (<paramref name="inline"/> an image or PDF) it is shown inline instead, with the type pinned by its name
    /// (<see cref="ViewerPages.InlineHeaders"/>).
    /// </summary>
    internal static async Task<IResult> DownloadAsync(
        UiRequest ui, ReceivedShare share, StoragePath path, string fileName, RemoteShareClient remote, ILogger logger, ViewKind inline = ViewKind.None)
    {
        if (await TwoFactorRequiredAsync(ui, share) is { } refused)
        {
            return refused;
        }

        var context = ui.Http;
        HttpResponseMessage response;
        try
        {
            response = await remote.SendAsync(share, root => Get(context.Request, RemoteShareClient.Combine(root, path.ToUrlPath())), replayable: true, ui.Aborted);
        }
        catch (RemoteShareException ex)
        {
            Log.Failed(logger, share.Id, share.SenderHost, ex.Status);
            return Problem(ui, share, path, ex.Status, ex.RetryAfter, "file");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!RelayedStatuses.Contains(status))
            {
                Log.Failed(logger, share.Id, share.SenderHost, status);
                var shown = status switch
                {
                    401 or 403 => StatusCodes.Status403Forbidden,
                    404 => StatusCodes.Status404NotFound,
                    _ => StatusCodes.Status502BadGateway,
                };
                return Problem(ui, share, path, shown, retryAfter: null, "file");
            }

            var outgoing = context.Response;
            outgoing.StatusCode = status;
            var headers = outgoing.Headers;
            headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "private, no-cache";
            foreach (var name in RelayedHeaders)
            {
                if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                {
                    headers[name] = values.ToArray();
                }
            }

            if (status is 200 or 206 && inline != ViewKind.None)
            {
                ViewerPages.InlineHeaders(outgoing, fileName, inline);
                headers.ContentType = ViewableFiles.InlineContentType(fileName, inline);
            }
            else if (status is 200 or 206)
            {
                headers.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
                var disposition = new ContentDispositionHeaderValue("attachment");
                disposition.SetHttpFileName(fileName);
                headers.ContentDisposition = disposition.ToString();
            }

            await using var body = await response.Content.ReadAsStreamAsync(ui.Aborted);
            try
            {
                await RemoteShareProxy.CopyToResponseAsync(body, response.Content.Headers.ContentLength, outgoing.BodyWriter, ui.Aborted);
            }
            catch (OperationCanceledException) when (ui.Aborted.IsCancellationRequested)
            {
                Log.DownloadAbandoned(logger, share.Id);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // The headers are out: the only honest way to tell the browser the file is incomplete is to cut it off.
                Log.SenderBrokeOff(logger, share.Id, share.SenderHost);
                context.Abort();
            }

            return Results.Empty;
        }
    }

    private static HttpRequestMessage Get(HttpRequest incoming, Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var name in ForwardedHeaders)
        {
            if (incoming.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!);
            }
        }

        return request;
    }

    /// <summary>Files / Shared with me / the share / …: the path WebDAV clients see it under.</summary>
    private static Html Breadcrumbs(UiRequest ui, ReceivedShare share, string mountName, string receivedFolder, StoragePath path)
    {
        var crumbs = new List<Html>
        {
            Html.Of($"<li><a href=\"{ui.Urls.Home}\">Files</a></li>"),
            Html.Of($"<li><a href=\"{ui.Urls.Folder(StoragePath.Root.Append(receivedFolder) ?? StoragePath.Root)}\" id=\"crumb-shared-with-me\">{receivedFolder}</a></li>"),
            path.IsRoot
                ? Html.Of($"<li><span aria-current=\"page\">{mountName}</span></li>")
                : Html.Of($"<li><a href=\"{ui.Urls.ReceivedFolder(share.Id, StoragePath.Root)}\" id=\"crumb-share\">{mountName}</a></li>"),
        };
        foreach (var crumb in path.Ancestors().Reverse().Skip(1).Append(path).Where(p => !p.IsRoot))
        {
            crumbs.Add(crumb == path
                ? Html.Of($"<li><span aria-current=\"page\">{crumb.Name}</span></li>")
                : Html.Of($"<li><a href=\"{ui.Urls.ReceivedFolder(share.Id, crumb)}\">{crumb.Name}</a></li>"));
        }

        return Html.Of($"<nav class=\"breadcrumbs\" aria-label=\"Folder path\"><ol>{crumbs}</ol></nav><h1 id=\"folder-title\">{(path.IsRoot ? mountName : path.Name)}</h1>");
    }

    private static Html Listing(UiRequest ui, ReceivedShare share, StoragePath folder, List<RemoteMember> members)
    {
        if (members.Count == 0)
        {
            return Html.Raw("<p class=\"empty\" id=\"empty\">This folder is empty.</p>");
        }

        var rows = new List<Html>(members.Count);
        foreach (var member in members)
        {
            // The sender's names were checked when the listing was read; a path grown too long cannot be opened.
            if (folder.Append(member.Name) is not StoragePath memberPath)
            {
                continue;
            }

            var link = member.IsFolder
                ? Html.Of($"<a class=\"folder\" href=\"{ui.Urls.ReceivedFolder(share.Id, memberPath)}\">{member.Name}</a>")
                : Html.Of($"<a class=\"file\" href=\"{ui.Urls.ReceivedFile(share.Id, memberPath)}\" download>{member.Name}</a>");
            var size = member.Size is { } bytes ? Html.Of($"{UiFormat.Bytes(bytes)}") : Html.Raw("<span class=\"muted\">—</span>");
            var open = !member.IsFolder && ViewableFiles.KindOf(member.Name, null) != ViewKind.None
                ? Html.Of($"<a href=\"{ui.Urls.ReceivedView(share.Id, memberPath)}\" aria-label=\"Open {member.Name}\" class=\"open\">Open</a>")
                : Html.Empty;
            rows.Add(Html.Of($"""
                <tr data-name="{member.Name}"><td class="name">{link}</td><td class="size">{size}</td><td class="modified">{UiFormat.Time(member.Modified)}</td><td class="actions">{open}</td></tr>
                """));
        }

        return Html.Of($"""
            <table class="files" id="files-table">
            <caption class="visually-hidden">Contents of {share.Name}{(folder.IsRoot ? "" : UiUrls.Display(folder))}, {rows.Count} items</caption>
            <thead><tr><th scope="col" class="name">Name</th><th scope="col" class="size">Size</th><th scope="col" class="modified">Modified</th><th scope="col" class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
            {rows}
            </tbody>
            </table>
            """);
    }

    private static IResult NoSuchShare(UiRequest ui) =>
        ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted share with this number.", UiSection.SharedWithMe);

    private static IResult NotInShare(UiRequest ui, ReceivedShare share, string what) =>
        Page(ui, share, StatusCodes.Status404NotFound, "Not found", $"There is no such {what} in “{share.Name}”.");

    /// <summary>What went wrong with the sender, in words, naming it; never the exception's details.</summary>
    internal static IResult Problem(UiRequest ui, ReceivedShare share, StoragePath path, int status, TimeSpan? retryAfter, string what)
    {
        var host = share.SenderHost;
        var where = path.IsRoot ? $"“{share.Name}”" : $"{UiUrls.Display(path)} in “{share.Name}”";
        return status switch
        {
            StatusCodes.Status404NotFound =>
                Page(ui, share, StatusCodes.Status404NotFound, "Not found", $"{host} has no {what} {where}; it may have been moved or deleted."),
            StatusCodes.Status403Forbidden =>
                Page(ui, share, StatusCodes.Status403Forbidden, "No access", $"{host} no longer lets you open {where}; the owner may have ended the share."),
            StatusCodes.Status503ServiceUnavailable =>
                Page(ui, share, StatusCodes.Status503ServiceUnavailable, "Sender not answering", $"The server {host}, which shares “{share.Name}” with you, has not been answering; this server waits{RetryText(retryAfter)} before asking it again."),
            StatusCodes.Status504GatewayTimeout =>
                Page(ui, share, StatusCodes.Status504GatewayTimeout, "Sender too slow", $"The server {host}, which shares “{share.Name}” with you, did not answer in time. Try again later."),
            _ =>
                Page(ui, share, StatusCodes.Status502BadGateway, "Sender unreachable", $"The server {host}, which shares “{share.Name}” with you, could not be reached or gave an unusable answer. Try again later."),
        };
    }

    private static string RetryText(TimeSpan? retryAfter) =>
        retryAfter is { } wait && wait > TimeSpan.Zero
            ? " " + Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s"
            : " a little";

    private static IResult Page(UiRequest ui, ReceivedShare share, int status, string title, string text)
    {
        var back = IsFileShare(share)
            ? Html.Empty
            : Html.Of($"<a href=\"{ui.Urls.ReceivedFolder(share.Id, StoragePath.Root)}\">Back to “{share.Name}”</a> · ");
        var body = Html.Of($"""
            <h1>{title}</h1>
            <p id="remote-problem">{text}</p>
            <p>{back}<a href="{ui.Urls.Action("shared-with-me")}">Shared with me</a></p>
            """);
        return ui.Page(title, body, UiSection.SharedWithMe, status);
    }

    private static partial class Log
    {
        [LoggerMessage(2610, LogLevel.Information, "Received share {ShareId} on {Sender}: the web interface answered {Status}")]
        public static partial void Failed(ILogger logger, long shareId, string sender, int status);

        [LoggerMessage(2611, LogLevel.Debug, "Received share {ShareId}: the browser left during a download")]
        public static partial void DownloadAbandoned(ILogger logger, long shareId);

        [LoggerMessage(2612, LogLevel.Warning, "Received share {ShareId}: {Sender} broke off a download")]
        public static partial void SenderBrokeOff(ILogger logger, long shareId, string sender);
    }
}
