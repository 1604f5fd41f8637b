using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Ocm.Data;
using Ocm.Files;
using Ocm.Shares;
using Ocm.Tokens;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.Ui;

/// <summary>
/// Our viewer as the web app of an outgoing share (OCM §Share Creation Notification › webapp; §Resource Access step 6): the
/// recipient's server exchanges the share's secret for a token at our token endpoint and has its user's browser POST it
/// as <c>access_token</c> (with <c>expired_session_redirect_uri</c>) to <c>{Mount}/webapp/{providerId}</c>. The raw secret
/// is refused there (a webapp share always carries <c>must-exchange-token</c>). A valid token opens a session of the web
/// app only — an HttpOnly cookie scoped to that share's path, holding the token's hash and bounded by its life — never
/// a session of a local user. Every request re-reads the share and the token, as WebDAV does, so revoking, expiry and
/// permission changes apply at once; the editor shows only with the write permission, saves are refused (403) without
/// it, carry an anti-forgery token, and go through the owner's <see cref="FileTree.WriteAsync"/> with the checks a WebDAV
/// PUT into the share gets (quota, size, locks, the ETag the editor was opened with).
/// </summary>
internal static partial class ViewerPages
{
    private const string WebAppCookie = "ocm_webapp";

    /// <summary>The web app's path for a share, relative to the public URL (the <c>uri</c> of <c>protocol.webapp</c>).</summary>
    public static string WebAppPath(string providerId) => UiUrls.Mount.TrimStart('/') + "/webapp/" + Uri.EscapeDataString(providerId);

    public static void MapWebApp(RouteGroupBuilder ui)
    {
        ui.MapPost("/webapp/{providerId}", OpenWebAppAsync).WithMetadata(new CrossSiteFormEntry("access_token"));
        ui.MapGet("/webapp/{providerId}", ViewWebAppAsync);
        ui.MapGet("/webapp/{providerId}/inline", InlineWebAppAsync);
        ui.MapGet("/webapp/{providerId}/download", DownloadWebAppAsync);
        ui.MapGet("/webapp/{providerId}/edit", EditWebAppAsync);
        ui.MapPost("/webapp/{providerId}/save", SaveWebAppAsync);
    }

    /// <summary>What a web app request may touch: the share, its owner and the shared file, with where a new session starts.</summary>
    private sealed record WebAppAccess(OutgoingShare Share, User Owner, FileNode Node, string? RestartUri);

    private static async Task<IResult> OpenWebAppAsync(
        string providerId, HttpContext context, OcmDb db, TimeProvider time, IDataProtectionProvider protection, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var logger = loggers.CreateLogger("Ocm.Ui.ViewerPages");
        if (!context.Request.HasFormContentType)
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Cannot open", "Open this share from your own server: it sends the form this address expects (access_token).");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
        {
            return ui.Message(StatusCodes.Status400BadRequest, "Cannot open", "The form could not be read.");
        }

        var token = form["access_token"].ToString();
        if (token.Length is 0 or > 2048)
        {
            Log.WebAppRefused(logger, "no access_token");
            return ui.Message(StatusCodes.Status401Unauthorized, "Cannot open", "The form carries no access_token. Open the share again from your own server.");
        }

        // expired_session_redirect_uri: an absolute URI of the receiving server (OCM §Resource Access step 6); kept only when it is one.
        var restart = form["expired_session_redirect_uri"].ToString();
        if (!Uri.TryCreate(restart, UriKind.Absolute, out var restartUri) || (restartUri.Scheme != Uri.UriSchemeHttps && restartUri.Scheme != Uri.UriSchemeHttp) || restart.Length > 2000)
        {
            restart = "";
        }

        var now = time.GetUtcNow();
        var hash = ShareSecrets.Hash(token);
        if (await db.Set<OutgoingShare>().AnyAsync(s => s.SecretHash == hash, cancellationToken))
        {
            // A webapp share always requires the code flow (must-exchange-token): the secret itself opens nothing (R75).
            Log.WebAppRefused(logger, "the shared secret instead of an exchanged token");
            return ui.Message(StatusCodes.Status401Unauthorized, "Cannot open",
                "This share requires token exchange: the shared secret is not accepted here. Your server must exchange it for an access token first.");
        }

        var issued = await db.Set<ShareAccessToken>().AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        var share = issued is null || issued.Expires <= now
            ? null
            : await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == issued.ShareId, cancellationToken);
        if (issued is null || share is null || share.ProviderId != providerId)
        {
            Log.WebAppRefused(logger, "an unknown or expired token");
            return ui.Message(StatusCodes.Status401Unauthorized, "Cannot open", "The access token is unknown, expired, or for another share. Open the share again from your own server.");
        }

        var protector = protection.CreateProtector("Ocm.Ui.WebApp").ToTimeLimitedDataProtector();
        var ticket = string.Join('\n', providerId, hash, restart);
        context.Response.Cookies.Append(WebAppCookie, protector.Protect(ticket, issued.Expires), new CookieOptions
        {
            HttpOnly = true,
            // Lax: the first page is reached by a redirect after the cross-site POST from the recipient's server.
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = WebAppBase(context, providerId),
            Expires = issued.Expires,
        });
        Log.WebAppOpened(logger, share.Id, issued.ClientHost);
        return UiRequest.Redirect(WebAppBase(context, providerId));
    }

    private static async Task<IResult> ViewWebAppAsync(string providerId, HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (access, problem) = await WebAppAccessAsync(ui, providerId, cancellationToken);
        if (access is null)
        {
            return problem!;
        }

        var file = DescribeWebApp(context, access);
        var text = await ReadTextAsync(files, access.Node, file, cancellationToken);
        return ViewPage(ui, file, text, UiSection.None);
    }

    private static async Task<IResult> InlineWebAppAsync(string providerId, HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (access, problem) = await WebAppAccessAsync(ui, providerId, cancellationToken);
        if (access is null)
        {
            return problem!;
        }

        var node = access.Node;
        var kind = ViewableFiles.KindOf(node.Name, node.ContentType);
        if (kind is not (ViewKind.Image or ViewKind.Pdf))
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"“{node.Name}” is not an image or a PDF.");
        }

        var content = await OpenAsync(files, node, cancellationToken);
        InlineHeaders(context.Response, node.Name, kind);
        return TypedResults.File(content, ViewableFiles.InlineContentType(node.Name, kind), lastModified: node.Modified,
            entityTag: new EntityTagHeaderValue(node.QuotedETag), enableRangeProcessing: true);
    }

    private static async Task<IResult> DownloadWebAppAsync(string providerId, HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (access, problem) = await WebAppAccessAsync(ui, providerId, cancellationToken);
        if (access is null)
        {
            return problem!;
        }

        var node = access.Node;
        var content = await OpenAsync(files, node, cancellationToken);
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, no-cache";
        context.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        return TypedResults.File(content, "application/octet-stream", node.Name, node.Modified, new EntityTagHeaderValue(node.QuotedETag), enableRangeProcessing: true);
    }

    private static async Task<IResult> EditWebAppAsync(string providerId, HttpContext context, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (access, problem) = await WebAppAccessAsync(ui, providerId, cancellationToken);
        if (access is null)
        {
            return problem!;
        }

        var file = DescribeWebApp(context, access);
        if (file.EditUrl is null)
        {
            return ReadOnlyShare(ui, file);
        }

        var text = await ReadTextAsync(files, access.Node, file, cancellationToken);
        if (text is not { IsUtf8: true })
        {
            return NotEditable(ui, file, UiSection.None);
        }

        return EditorPage(ui, file, text.Text, new EditorState(access.Node.ETag, text.UsesCrLf, text.HasBom), WebAppBase(context, providerId) + "/save", Html.Empty, UiSection.None);
    }

    private static async Task<IResult> SaveWebAppAsync(
        string providerId, HttpContext context, FileTree files, WritePreconditions preconditions, WebDavOptions webDav, IAntiforgery antiforgery, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (access, problem) = await WebAppAccessAsync(ui, providerId, cancellationToken);
        if (access is null)
        {
            return problem!;
        }

        var file = DescribeWebApp(context, access);
        if (file.EditUrl is null)
        {
            // The same rule as a WebDAV PUT into a share without the write permission.
            return ReadOnlyShare(ui, file);
        }

        if (await ReadSaveFormAsync(ui, antiforgery, cancellationToken) is not { } form)
        {
            return SaveFormRefused(ui);
        }

        return await SaveTextAsync(
            ui, form, file, access.Owner.Id, access.Node, access.Owner.QuotaBytes, WebAppBase(context, providerId) + "/save", Html.Empty, UiSection.None,
            "its owner's storage quota", files, preconditions, webDav,
            bytes => Log.SavedWebApp(loggers.CreateLogger("Ocm.Ui.ViewerPages"), access.Share.Id, bytes), cancellationToken);
    }

    /// <summary>
    /// The web app session of this request: its cookie read back, its token still issued and unexpired, the share still
    /// delivered, unexpired and a file that exists. Otherwise the answer to give: back to the recipient's server to start
    /// again when it named a place for that, else a page saying why.
    /// </summary>
    private static async Task<(WebAppAccess? Access, IResult? Problem)> WebAppAccessAsync(UiRequest ui, string providerId, CancellationToken cancellationToken)
    {
        var context = ui.Http;
        var services = context.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        string[]? ticket = null;
        if (context.Request.Cookies.TryGetValue(WebAppCookie, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            try
            {
                var protector = services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Ocm.Ui.WebApp").ToTimeLimitedDataProtector();
                ticket = protector.Unprotect(cookie, out _).Split('\n');
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                ticket = null;
            }
        }

        var restart = ticket is { Length: 3 } && ticket[2].Length > 0 ? ticket[2] : null;
        IResult Expired(string text) => restart is not null
            ? UiRequest.Redirect(restart)
            : ui.Message(StatusCodes.Status401Unauthorized, "Session ended", text + " Open the share again from your own server.");

        if (ticket is not { Length: 3 } || ticket[0] != providerId)
        {
            return (null, Expired("This page needs a session opened from the recipient's server, and there is none (or it ended)."));
        }

        var db = services.GetRequiredService<OcmDb>();
        var hash = ticket[1];
        var token = await db.Set<ShareAccessToken>().AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null || token.Expires <= now)
        {
            return (null, Expired("The session's access token expired."));
        }

        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == token.ShareId && s.ProviderId == providerId, cancellationToken);
        if (share is null || share.State is OutgoingShareState.Declined or OutgoingShareState.Failed || share.IsExpired(now))
        {
            return (null, ui.Message(StatusCodes.Status403Forbidden, "Not shared", "This share was removed, declined or has expired."));
        }

        var owner = await db.Set<User>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == share.OwnerUserId, cancellationToken);
        var node = owner is null || owner.Disabled ? null : await services.GetRequiredService<FileTree>().FindByIdAsync(owner.Id, share.FileId, cancellationToken);
        if (owner is null || node is null || node.IsFolder)
        {
            return (null, ui.Message(StatusCodes.Status404NotFound, "Not found", "The shared file no longer exists."));
        }

        return (new WebAppAccess(share, owner, node, restart), null);
    }

    private static string WebAppBase(HttpContext context, string providerId) =>
        context.RequestServices.GetRequiredService<Hosting.OcmServerInfo>().Path(WebAppPath(providerId));

    private static ViewedFile DescribeWebApp(HttpContext context, WebAppAccess access)
    {
        var root = WebAppBase(context, access.Share.ProviderId);
        var kind = ViewableFiles.KindOf(access.Node.Name, access.Node.ContentType);
        var writable = access.Share.Permissions.HasFlag(SharePermissions.Write) && ViewableFiles.IsEditable(kind);
        var owner = access.Owner.DisplayName ?? access.Owner.Name;
        return new ViewedFile(
            access.Share.Name,
            kind,
            Html.Of($"<h1 id=\"webapp-title\">{access.Share.Name}</h1><p class=\"muted\" id=\"webapp-owner\">Shared by {owner}{(writable ? "" : " (read only)")}</p>"),
            root,
            root + "/download",
            root + "/inline",
            writable ? root + "/edit" : null,
            null);
    }

    private static IResult ReadOnlyShare(UiRequest ui, ViewedFile file) => ui.Page(
        "Read only",
        Html.Of($"<h1>Cannot edit “{file.Name}”</h1><p id=\"read-only\">This share does not allow changes.</p><p><a href=\"{file.ViewUrl}\">Back to the file</a></p>"),
        UiSection.None,
        StatusCodes.Status403Forbidden);

    private static partial class Log
    {
        [LoggerMessage(2650, LogLevel.Information, "Share {ShareId} opened in the web app for {Client}")]
        public static partial void WebAppOpened(ILogger logger, long shareId, string client);

        [LoggerMessage(2651, LogLevel.Information, "Refused to open the web app: {Reason}")]
        public static partial void WebAppRefused(ILogger logger, string reason);

        [LoggerMessage(2652, LogLevel.Debug, "Share {ShareId}: saved {Bytes} bytes from the web app")]
        public static partial void SavedWebApp(ILogger logger, long shareId, long bytes);
    }
}
