using System.Text.Json;
using Ocm.Protocol.Shares;

namespace Ocm.Shares;

/// <summary>
/// The one reading and writing of share permissions, for every place they arrive: the user API and the web interface
/// (names, strictly), a peer's new share (names, leniently), and a peer's change notification (names, one name, or the
/// ownCloud/Nextcloud bit mask). Each name maps to its flag in <see cref="FromName"/> alone.
/// </summary>
internal static class SharePermissionNames
{
    /// <summary>The flag of one permission name (OCM §Share Creation Notification, protocol.webdav.permissions: <c>read</c>, <c>write</c>, <c>share</c>), or null.</summary>
    private static SharePermissions? FromName(string? name) => name switch
    {
        WebDavPermissions.Read => SharePermissions.Read,
        WebDavPermissions.Write => SharePermissions.Write,
        WebDavPermissions.Share => SharePermissions.Share,
        _ => null,
    };

    /// <summary>
    /// What a user asks for (API, web interface, command line): no names means read; editing and sharing further
    /// include reading; a name we do not know is refused, naming it.
    /// </summary>
    public static bool TryParseRequested(IReadOnlyList<string>? names, out SharePermissions permissions, out string error)
    {
        permissions = SharePermissions.None;
        error = "";
        if (names is null || names.Count == 0)
        {
            permissions = SharePermissions.Read;
            return true;
        }

        foreach (var name in names)
        {
            if (FromName(name) is not { } flag)
            {
                error = $"Unknown permission '{name}': use read, write or share.";
                return false;
            }

            permissions |= flag | SharePermissions.Read;
        }

        return true;
    }

    /// <summary>
    /// What a peer's share grants (read leniently: names we do not know are passed over). Legacy 1.0 shares name no
    /// permissions, or a WebDAV property name in <paramref name="legacy"/>: read is implied.
    /// </summary>
    public static SharePermissions Parse(IEnumerable<string>? names, string? legacy = null)
    {
        var result = SharePermissions.None;
        foreach (var name in names ?? [])
        {
            result |= FromName(name) ?? SharePermissions.None;
        }

        return result == SharePermissions.None || legacy is not null ? result | SharePermissions.Read : result;
    }

    /// <summary>
    /// Permissions in a peer's change notification, as peers send them: a list of names (the spec's shape), one name,
    /// or the ownCloud/Nextcloud bit mask. Null when it is none of these.
    /// </summary>
    public static SharePermissions? FromNotification(JsonElement permissions) => permissions.ValueKind switch
    {
        JsonValueKind.String => Parse([permissions.GetString()!]),
        JsonValueKind.Array when permissions.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String) =>
            Parse(permissions.EnumerateArray().Select(p => p.GetString()!)),
        JsonValueKind.Number when permissions.TryGetInt32(out var mask) && mask is >= 0 and <= 31 => FromMask(mask),
        _ => null,
    };

    /// <summary>
    /// The ownCloud/Nextcloud permission bit mask (1 read; 2, 4, 8 update, create, delete; 16 share): any of the
    /// writing bits is write; read is always given (a share that cannot be read is no share).
    /// </summary>
    public static SharePermissions FromMask(int mask)
    {
        var result = SharePermissions.Read;
        result |= (mask & (2 | 4 | 8)) != 0 ? SharePermissions.Write : SharePermissions.None;
        result |= (mask & 16) != 0 ? SharePermissions.Share : SharePermissions.None;
        return result;
    }

    /// <summary>The names of <paramref name="permissions"/>, in the order read, write, share.</summary>
    public static IReadOnlyList<string> ToNames(SharePermissions permissions)
    {
        var names = new List<string>(3);
        foreach (var name in (ReadOnlySpan<string>)[WebDavPermissions.Read, WebDavPermissions.Write, WebDavPermissions.Share])
        {
            if (permissions.HasFlag(FromName(name)!.Value))
            {
                names.Add(name);
            }
        }

        return names;
    }
}
