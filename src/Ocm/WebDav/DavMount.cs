using Microsoft.AspNetCore.Http.Features;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.WebDav;

/// <summary>
/// A URL prefix under which users' trees are served: <c>/dav/files/{user}/</c>, the ownCloud/Nextcloud spellings
/// <c>/remote.php/dav/files/{user}/</c>, and <c>/remote.php/webdav/</c> (the signed-in user's own tree).
/// </summary>
internal sealed record DavMount(string Prefix, bool HasUserSegment)
{
    public static readonly DavMount Files = new("/dav/files/", true);
    public static readonly DavMount RemoteFiles = new("/remote.php/dav/files/", true);
    public static readonly DavMount RemoteWebDav = new("/remote.php/webdav/", false);

    public static readonly IReadOnlyList<DavMount> All = [Files, RemoteFiles, RemoteWebDav];

    /// <summary>The route patterns (the handler itself re-reads the raw request target).</summary>
    public string RoutePattern => HasUserSegment ? Prefix + "{user}/{**path}" : Prefix + "{**path}";
}

/// <summary>Where a URL points: whose tree, which path, and the href prefix to answer with.</summary>
internal readonly record struct DavLocation(string UserName, StoragePath Path, bool TrailingSlash, string HrefBase);

internal enum LocationError
{
    None,
    BadPath,
    OutsideMounts,

    /// <summary>Inside this server's trees, but outside the scope of the request (another user's tree, another share).</summary>
    OtherScope,
}

/// <summary>Turns request targets, Destination headers and If resource tags into <see cref="DavLocation"/>s.</summary>
internal static class DavLocations
{
    /// <summary>The raw request target exactly as sent (Kestrel normalises <c>Request.Path</c>; we must judge the original).</summary>
    public static string RawTarget(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : context.Request.Path.Value ?? "/";

    /// <summary>
    /// The (still percent-encoded) path of an absolute URL or absolute path, without query or fragment; null when the
    /// target is neither. The host is dropped: reverse proxies rewrite it.
    /// </summary>
    public static string? PathOf(string target)
    {
        var path = target;
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && scheme < 10)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..];
        }

        var cut = path.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            path = path[..cut];
        }

        return path.StartsWith('/') ? path : null;
    }

    /// <summary>
    /// Resolves an absolute URL or absolute path to a location in one of the mounts; the signed-in user's name fills
    /// <c>/remote.php/webdav/</c>. The host of an absolute URL is not compared (reverse proxies rewrite it); access is
    /// decided by the user segment.
    /// </summary>
    public static LocationError TryResolve(string target, SignedInUser user, out DavLocation location)
    {
        location = default;
        if (PathOf(target) is not { } path)
        {
            // RFC 4918 §10.3: a Destination is an absolute URI or an absolute path; anything else is malformed.
            return LocationError.BadPath;
        }

        foreach (var mount in DavMount.All)
        {
            var bare = mount.Prefix[..^1];
            if (!path.StartsWith(mount.Prefix, StringComparison.Ordinal) && !string.Equals(path, bare, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = path.Length > mount.Prefix.Length ? path[mount.Prefix.Length..] : "";
            string userName;
            string hrefBase;
            if (mount.HasUserSegment)
            {
                var end = rest.IndexOf('/', StringComparison.Ordinal);
                var encodedUser = end < 0 ? rest : rest[..end];
                rest = end < 0 ? "" : rest[(end + 1)..];
                userName = Uri.UnescapeDataString(encodedUser);
                if (!UserNames.IsValid(userName))
                {
                    return LocationError.BadPath;
                }

                hrefBase = mount.Prefix + Uri.EscapeDataString(userName) + "/";
            }
            else
            {
                userName = user.Name;
                hrefBase = mount.Prefix;
            }

            if (StoragePath.TryParseUrl(rest, out var storagePath) != PathError.None)
            {
                return LocationError.BadPath;
            }

            location = new DavLocation(userName, storagePath, rest.EndsWith('/'), hrefBase);
            return LocationError.None;
        }

        return LocationError.OutsideMounts;
    }
}
