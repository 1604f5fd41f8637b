using System.Security.Cryptography;
using System.Text;
using Ocm.Files;
using Ocm.Shares;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>One mounted share as <c>/Shared with me/</c> shows it: its name there and what its sender last said of it.</summary>
internal sealed record SharedWithMeEntry(ReceivedShare Share, string Name, bool IsFolder, long Size, DateTimeOffset Modified, string ETag);

/// <summary>
/// <c>/Shared with me/</c> (configurable, <c>Ocm:Shares:ReceivedFolder</c>) in every user's WebDAV tree: one member
/// per accepted, unexpired received share, under the name <see cref="ReceivedShares"/> mounts it at (the one the API
/// and the web interface report). Listing it asks each sender for its share's ETag and size with a short wait, so a
/// sync client notices remote changes; a sender that does not answer in time is listed from what was known before.
/// Everything below a member is forwarded to the sender by <see cref="RemoteShareProxy"/>; deleting a member itself
/// leaves that share. The web interface lists the same folder from <see cref="EntriesAsync"/>.
/// </summary>
internal sealed class SharedWithMeFolder(ReceivedShares shares, RemoteShareClient remote, RemoteShareProxy proxy) : IDavVirtualFolder
{
    /// <summary>How long a listing waits for senders before it answers with what it knows.</summary>
    private static readonly TimeSpan ListingWait = TimeSpan.FromSeconds(3);

    public string Name => shares.FolderName;

    public async Task<FileNode?> DescribeAsync(SignedInUser user, CancellationToken cancellationToken)
    {
        var mounted = (await shares.MountedAsync(user.Id, cancellationToken)).Select(m => m.Share).ToList();
        if (mounted.Count == 0)
        {
            return null;
        }

        // The folder changes when a member is added, removed or changes remotely (as far as known: never waits here).
        var stamp = string.Join('|', mounted.Select(s => s.Id + ":" + s.Updated.ToUnixTimeMilliseconds() + ":" + remote.CachedStat(s.Id)?.ETag));
        var modified = mounted.Max(s => remote.CachedStat(s.Id)?.Modified is { } m && m > s.Updated ? m : s.Updated);
        return Synthetic(Name, Name, isFolder: true, size: 0, Hash(stamp), modified);
    }

    public async Task<IReadOnlyList<FileNode>> ChildrenAsync(SignedInUser user, CancellationToken cancellationToken) =>
        [.. (await EntriesAsync(user.Id, cancellationToken)).Select(e => Synthetic(e.Name, Name + "/" + e.Name, e.IsFolder, e.Size, e.ETag, e.Modified))];

    /// <summary>The folder's members, in share order, with the senders' answers (waiting for them at most briefly).</summary>
    public async Task<IReadOnlyList<SharedWithMeEntry>> EntriesAsync(long userId, CancellationToken cancellationToken)
    {
        var mounted = await shares.MountedAsync(userId, cancellationToken);
        var stats = await Task.WhenAll(mounted.Select(m => remote.StatAsync(m.Share, ListingWait, cancellationToken)));
        var entries = new List<SharedWithMeEntry>(mounted.Count);
        for (var i = 0; i < mounted.Count; i++)
        {
            var (share, name) = mounted[i];
            var stat = stats[i];
            var isFolder = stat?.IsFolder ?? (share.IsFolder == true || share.ResourceType == "folder");
            var etag = Hash(share.Id + ":" + (stat?.ETag ?? share.Updated.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            entries.Add(new SharedWithMeEntry(share, name, isFolder, stat?.Size ?? 0, stat?.Modified ?? share.Updated, etag));
        }

        return entries;
    }

    public async Task ForwardAsync(HttpContext context, SignedInUser user, string child, StoragePath below, string childHref, Func<string, DavTarget> resolveLocal)
    {
        var share = (await shares.FindMountedAsync(user.Id, child, context.RequestAborted))?.Share;
        if (share is null)
        {
            var creates = below.IsRoot && context.Request.Method is "PUT" or "MKCOL" or "LOCK";
            context.Response.StatusCode = creates ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                creates ? $"'{Name}' holds the shares other servers' users gave you; nothing can be created in it.\n" : $"No accepted share named '{child}'.\n",
                context.RequestAborted);
            return;
        }

        if (below.IsRoot && HttpMethods.IsDelete(context.Request.Method))
        {
            // Deleting a share's folder (what a sync client sends when its user deletes it) leaves the share, as the
            // API's DELETE /api/v1/received-shares/{id} does: it disappears here and the owner is told. Nothing of
            // the owner's is deleted.
            var left = await shares.LeaveAsync(user, share.Id, context.RequestAborted);
            context.Response.StatusCode = left.Share is not null ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
            return;
        }

        // A must-use-mfa share opens only to a two-factor sign-in (OCM Appendix A); the answer says why and what to do.
        if (await context.RequestServices.GetRequiredService<Identity.Mfa.MfaShareAccess>().RefusalAsync(context, share, context.RequestAborted) is { } refusal)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(refusal + "\n", context.RequestAborted);
            return;
        }

        await proxy.ForwardAsync(context, share, below, childHref, target =>
        {
            // A Destination inside the same share maps to the sender; anything else cannot be reached from there.
            var resolved = resolveLocal(target);
            var prefix = StoragePath.Root.Append(Name)?.Append(child);
            return resolved.Error == LocationError.None && prefix is { } p && p.IsSelfOrAncestorOf(resolved.Path)
                ? resolved.Path.Rebase(p, StoragePath.Root)
                : null;
        });
    }

    private static FileNode Synthetic(string name, string path, bool isFolder, long size, string etag, DateTimeOffset modified) => new()
    {
        Id = 0,
        Name = name,
        Path = path,
        IsFolder = isFolder,
        Size = size,
        ETag = etag,
        Created = modified,
        Modified = modified,
    };

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];
}
