using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Notifications;
using Ocm.Shares;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>One accepted share as <c>/Shared with me/</c> shows it: its name there and what its sender last said of it.</summary>
internal sealed record SharedWithMeEntry(ReceivedShare Share, string Name, bool IsFolder, long Size, DateTimeOffset Modified, string ETag);

/// <summary>
/// <c>/Shared with me/</c> (configurable, <c>Ocm:Shares:ReceivedFolder</c>) in every user's WebDAV tree: one member
/// per accepted, unexpired received share, named after the share (a number is added when two have the same name).
/// Listing it asks each sender for its share's ETag and size with a short wait, so a sync client notices remote
/// changes; a sender that does not answer in time is listed from what was known before. Everything below a member is
/// forwarded to the sender by <see cref="RemoteShareProxy"/>; deleting a member itself leaves that share. The web
/// interface shows the same folder, with the same names, from <see cref="EntriesAsync"/> and <see cref="FindAsync"/>.
/// </summary>
internal sealed class SharedWithMeFolder(
    OcmDb db,
    RemoteShareClient remote,
    RemoteShareProxy proxy,
    Notifier notifier,
    SharesOptions options,
    TimeProvider time) : IDavVirtualFolder
{
    /// <summary>How long a listing waits for senders before it answers with what it knows.</summary>
    private static readonly TimeSpan ListingWait = TimeSpan.FromSeconds(3);

    public string Name => options.ReceivedFolder;

    public async Task<FileNode?> DescribeAsync(SignedInUser user, CancellationToken cancellationToken)
    {
        var shares = await AcceptedAsync(user.Id, cancellationToken);
        if (shares.Count == 0)
        {
            return null;
        }

        // The folder changes when a member is added, removed or changes remotely (as far as known: never waits here).
        var stamp = string.Join('|', shares.Select(s => s.Id + ":" + s.Updated.ToUnixTimeMilliseconds() + ":" + remote.CachedStat(s.Id)?.ETag));
        var modified = shares.Max(s => remote.CachedStat(s.Id)?.Modified is { } m && m > s.Updated ? m : s.Updated);
        return Synthetic(Name, Name, isFolder: true, size: 0, Hash(stamp), modified);
    }

    public async Task<IReadOnlyList<FileNode>> ChildrenAsync(SignedInUser user, CancellationToken cancellationToken) =>
        [.. (await EntriesAsync(user.Id, cancellationToken)).Select(e => Synthetic(e.Name, Name + "/" + e.Name, e.IsFolder, e.Size, e.ETag, e.Modified))];

    /// <summary>The folder's members, in share order, with the senders' answers (waiting for them at most briefly).</summary>
    public async Task<IReadOnlyList<SharedWithMeEntry>> EntriesAsync(long userId, CancellationToken cancellationToken)
    {
        var shares = await AcceptedAsync(userId, cancellationToken);
        var stats = await Task.WhenAll(shares.Select(s => remote.StatAsync(s, ListingWait, cancellationToken)));
        var names = MountNames(shares);
        var entries = new List<SharedWithMeEntry>(shares.Count);
        for (var i = 0; i < shares.Count; i++)
        {
            var share = shares[i];
            var stat = stats[i];
            var isFolder = stat?.IsFolder ?? (share.IsFolder == true || share.ResourceType == "folder");
            var etag = Hash(share.Id + ":" + (stat?.ETag ?? share.Updated.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            entries.Add(new SharedWithMeEntry(share, names[share.Id], isFolder, stat?.Size ?? 0, stat?.Modified ?? share.Updated, etag));
        }

        return entries;
    }

    /// <summary>The accepted share that appears as <paramref name="child"/> in the folder, or null.</summary>
    public async Task<ReceivedShare?> FindAsync(long userId, string child, CancellationToken cancellationToken)
    {
        var shares = await AcceptedAsync(userId, cancellationToken);
        var names = MountNames(shares);
        return shares.FirstOrDefault(s => names[s.Id] == child);
    }

    /// <summary>The name accepted share <paramref name="shareId"/> appears under in the folder, or null when it does not.</summary>
    public async Task<string?> NameOfAsync(long userId, long shareId, CancellationToken cancellationToken) =>
        MountNames(await AcceptedAsync(userId, cancellationToken)).GetValueOrDefault(shareId);

    public async Task ForwardAsync(HttpContext context, SignedInUser user, string child, StoragePath below, string childHref, Func<string, DavTarget> resolveLocal)
    {
        var share = await FindAsync(user.Id, child, context.RequestAborted);
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
            var left = await ReceivedShareEndpoints.LeaveAsync(share.Id, context, db, notifier, context.RequestAborted);
            context.Response.StatusCode = left.Result is NoContent ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
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

    /// <summary>The names shares appear under: their own, with " (2)", " (3)"… for later ones of the same name.</summary>
    public static Dictionary<long, string> MountNames(IEnumerable<ReceivedShare> shares)
    {
        var names = new Dictionary<long, string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var share in shares.OrderBy(s => s.Id))
        {
            var name = StoragePath.CheckName(share.Name) == PathError.None ? share.Name : "share-" + share.Id;
            var candidate = name;
            for (var n = 2; !taken.Add(candidate); n++)
            {
                candidate = $"{name} ({n})";
            }

            names[share.Id] = candidate;
        }

        return names;
    }

    private async Task<List<ReceivedShare>> AcceptedAsync(long userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var shares = await db.Set<ReceivedShare>().AsNoTracking()
            .Where(s => s.RecipientUserId == userId && s.State == ReceivedShareState.Accepted)
            .OrderBy(s => s.Id)
            .ToListAsync(cancellationToken);
        return shares.Where(s => !s.IsExpired(now)).ToList();
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
