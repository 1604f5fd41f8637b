using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Ocm.Data;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Signatures;
using Ocm.Tokens;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.Shares;

/// <summary>
/// Serves shared files and folders to their remote recipients over WebDAV (OCM §Resource Access): the
/// advertised root <c>/dav/ocm/</c>, plus <c>/public.php/webdav/</c> where Nextcloud and ownCloud 10 receivers look
/// for legacy shares. Accepted credentials: <c>Bearer</c> with the share's secret (not for must-exchange-token shares)
/// or a token from our token endpoint, and the legacy <c>Basic base64(secret:)</c> (Seafile pads the secret with
/// <c>:</c>; a share password after the colon is ignored). Paths: <c>/dav/ocm/{providerId}/rel</c> (1.1+ receivers),
/// or <c>/dav/ocm/rel</c> with the share found from the secret alone (legacy receivers). Every request re-reads the
/// share, so permission changes, expiry and unshare apply to the next request. A folder share exposes its subtree only;
/// a file share only the file (also addressed as <c>{id}/{file name}</c>, as oCIS receivers do).
/// </summary>
internal static partial class ShareWebDavEndpoints
{
    public const string Root = "/dav/ocm/";
    public const string LegacyRoot = "/public.php/webdav/";

    private const string Challenge = "Bearer realm=\"ocm\", Basic realm=\"ocm\"";

    public static IEndpointRouteBuilder MapOcmShareWebDav(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { Root, LegacyRoot })
        {
            app.Map(prefix + "{**path}", context => HandleAsync(context, prefix)).WithDisplayName("Shared WebDAV " + prefix).ExcludeFromDescription();
            app.Map(prefix.TrimEnd('/'), context => HandleAsync(context, prefix)).WithDisplayName("Shared WebDAV " + prefix).ExcludeFromDescription();
        }

        return app;
    }

    private static async Task HandleAsync(HttpContext context, string prefix)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ShareWebDavEndpoints).FullName!);
        var secret = ReadCredential(context.Request.Headers.Authorization.ToString(), out var bearer);
        if (secret is null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Send the share's secret or an access token: Authorization: Bearer …, or Basic with the secret as user name.");
            return;
        }

        var db = services.GetRequiredService<OcmDb>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var cancellationToken = context.RequestAborted;
        var security = services.GetRequiredService<SecurityOptions>();
        var tokenEndPoint = services.GetRequiredService<OcmServerInfo>().Url("ocm/token");
        var (share, problem) = await FindShareAsync(db, secret, bearer, security.RequireTokenExchange, tokenEndPoint, now, cancellationToken);
        if (share is null)
        {
            Log.Refused(logger, context.Request.Method, problem!);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, problem!);
            return;
        }

        if (share.State is OutgoingShareState.Declined or OutgoingShareState.Failed)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "The share was declined or never delivered; it gives no access.");
            return;
        }

        if (share.IsExpired(now))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "The share expired.");
            return;
        }

        var owner = await db.Set<User>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == share.OwnerUserId, cancellationToken);
        var files = services.GetRequiredService<FileTree>();
        var node = owner is null || owner.Disabled ? null : await files.FindByIdAsync(share.OwnerUserId, share.FileId, cancellationToken);
        if (owner is null || node is null)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, "The shared file or folder no longer exists.");
            return;
        }

        var rawPath = DavLocations.RawTarget(context);
        if (rawPath.Contains('#', StringComparison.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "A request target never contains '#'.");
            return;
        }

        var root = node.StoragePath;
        var scope = new ShareScope(prefix, share.ProviderId, root, node.IsFolder ? null : node.Name);
        var target = scope.Resolve(rawPath, out var hrefBase, out var trailingSlash);
        switch (target.Error)
        {
            case LocationError.BadPath:
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "The path is not a valid file name path.");
                return;
            case LocationError.OutsideMounts or LocationError.OtherScope:
                await RefuseAsync(context, StatusCodes.Status404NotFound, node.IsFolder ? "Not found in the shared folder." : "A shared file has nothing below it.");
                return;
        }

        var davScope = new DavScope
        {
            OwnerId = owner.Id,
            OwnerName = owner.Name,
            OwnerDisplayName = owner.DisplayName,
            Principal = LockPrincipal.Share(share.Id), // locks taken by the recipient belong to the share, not to any local user
            QuotaBytes = owner.QuotaBytes,
            Root = root,
            HrefBase = hrefBase,
            CanWrite = share.Permissions.HasFlag(SharePermissions.Write),
            Resolve = other => scope.Resolve(other, out var otherBase, out _) is { Error: LocationError.None } resolved && otherBase == hrefBase
                ? resolved
                : new DavTarget(IsOurs(other) ? LocationError.OtherScope : LocationError.OutsideMounts, default),
        };
        await services.GetRequiredService<WebDavHandler>().HandleAsync(context, davScope, target.Path, trailingSlash);
    }

    /// <summary>
    /// The share a secret or token opens, or why none does. Where token exchange is required — the share carries
    /// <c>must-exchange-token</c>, or <c>Ocm:Security:RequireTokenExchange</c> is on — the raw secret is no credential, as
    /// Bearer or Basic (OCM §Security Considerations › Legacy shared secrets, R105; §Code Flow Decision Table 1).
    /// </summary>
    private static async Task<(OutgoingShare? Share, string? Problem)> FindShareAsync(
        OcmDb db, string secret, bool bearer, bool requireTokenExchange, Uri tokenEndPoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hash = ShareSecrets.Hash(secret);
        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.SecretHash == hash, cancellationToken);
        if (share is not null)
        {
            return share.MustExchangeToken || requireTokenExchange
                ? (null, $"This share requires token exchange (must-exchange-token): the shared secret is not accepted here. Exchange it for an access token at {tokenEndPoint.AbsoluteUri} (OCM Code Flow) and send that token as Authorization: Bearer.")
                : (share, null);
        }

        if (!bearer)
        {
            return (null, "Unknown share secret (the share may have been removed).");
        }

        var token = await db.Set<ShareAccessToken>().AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null)
        {
            return (null, "Unknown share secret or access token (the share may have been removed).");
        }

        if (token.Expires <= now)
        {
            // An expired token is not kept (OCM §Security Considerations › Code Flow, R103).
            await db.Set<ShareAccessToken>().Where(t => t.Id == token.Id).ExecuteDeleteAsync(cancellationToken);
            return (null, "The access token expired; exchange the share's code for a new one.");
        }

        share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == token.ShareId, cancellationToken);
        return share is null ? (null, "The share was removed.") : (share, null);
    }

    /// <summary>
    /// The secret from <c>Bearer X</c>, or the user name of <c>Basic base64(X:password)</c> with Seafile's padding
    /// colons tolerated; null when there is no usable credential.
    /// </summary>
    internal static string? ReadCredential(string authorization, out bool bearer)
    {
        bearer = false;
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            bearer = true;
            var token = authorization[7..].Trim();
            return token.Length is > 0 and <= 2048 ? token : null;
        }

        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = authorization[6..].Trim();
        if (encoded.Length is 0 or > 4096)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? decoded : decoded[..colon];
        return user.Length > 0 ? user : null;
    }

    private static bool IsOurs(string url)
    {
        var path = DavLocations.PathOf(url);
        return path is not null && (path.StartsWith(Root, StringComparison.Ordinal) || path.StartsWith(LegacyRoot, StringComparison.Ordinal));
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers[HeaderNames.WWWAuthenticate] = Challenge;
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(message + "\n", context.RequestAborted);
        }
    }

    /// <summary>How URLs map into one share: <c>{prefix}{providerId}/rel</c> or <c>{prefix}rel</c>.</summary>
    private sealed class ShareScope(string prefix, string providerId, StoragePath root, string? fileName)
    {
        public DavTarget Resolve(string url, out string hrefBase, out bool trailingSlash)
        {
            hrefBase = prefix;
            trailingSlash = false;
            var path = DavLocations.PathOf(url);
            if (path is null)
            {
                return new DavTarget(LocationError.BadPath, default);
            }

            if (!(path.StartsWith(prefix, StringComparison.Ordinal) || path == prefix.TrimEnd('/')))
            {
                return new DavTarget(LocationError.OutsideMounts, default);
            }

            var rest = path.Length > prefix.Length ? path[prefix.Length..] : "";
            var end = rest.IndexOf('/', StringComparison.Ordinal);
            var first = end < 0 ? rest : rest[..end];
            if (first.Length > 0 && string.Equals(Uri.UnescapeDataString(first), providerId, StringComparison.Ordinal))
            {
                hrefBase = prefix + Uri.EscapeDataString(providerId) + "/";
                rest = end < 0 ? "" : rest[(end + 1)..];
            }

            trailingSlash = rest.EndsWith('/');
            if (StoragePath.TryParseUrl(rest, out var relative) != PathError.None)
            {
                return new DavTarget(LocationError.BadPath, default);
            }

            if (relative.IsRoot)
            {
                return new DavTarget(LocationError.None, root);
            }

            if (fileName is not null)
            {
                // A file share: only the file itself, which some receivers address as {share}/{file name}.
                return relative.Value == fileName
                    ? new DavTarget(LocationError.None, root)
                    : new DavTarget(LocationError.OtherScope, default);
            }

            return new DavTarget(LocationError.None, relative.Rebase(StoragePath.Root, root));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1320, LogLevel.Information, "Shared WebDAV {Method} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string method, string reason);
    }
}
