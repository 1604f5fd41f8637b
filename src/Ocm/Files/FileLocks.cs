using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>Write locks on paths of a user's tree (RFC 4918 §6): finding, taking, refreshing and releasing them.</summary>
internal sealed class FileLocks(OcmDb db, DatabaseWriteGate writeGate, TimeProvider time)
{
    private static readonly CompiledQuery<Func<OcmDb, long, long[], DateTimeOffset, IAsyncEnumerable<FileLock>>> OnPaths = new(() =>
        EF.CompileAsyncQuery((OcmDb db, long ownerId, long[] hashes, DateTimeOffset now) =>
            db.Set<FileLock>().AsNoTracking().Where(l => l.OwnerId == ownerId && l.Expires > now && hashes.Contains(l.PathHash))));

    /// <summary>
    /// Active locks rooted at <paramref name="path"/> or at any folder above it (whether they cover the path is for the
    /// caller: see <see cref="FileLock.Covers"/>), and with <paramref name="includeBelow"/> also those rooted below it.
    /// One indexed query.
    /// </summary>
    public async Task<List<FileLock>> LineageAsync(long ownerId, StoragePath path, bool includeBelow, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var hashes = path.Ancestors().Prepend(path).Select(p => p.Hash).ToArray();
        List<FileLock> locks;
        if (includeBelow)
        {
            var prefix = path.IsRoot ? "" : path.Value + "/";
            locks = await db.Set<FileLock>().AsNoTracking()
                .Where(l => l.OwnerId == ownerId && l.Expires > now && (hashes.Contains(l.PathHash) || l.Path.Substring(0, prefix.Length) == prefix))
                .ToListAsync(cancellationToken);
        }
        else
        {
            locks = [];
            await foreach (var found in OnPaths.For(db)(db, ownerId, hashes, now).WithCancellation(cancellationToken))
            {
                locks.Add(found);
            }
        }

        return locks.Where(l => l.StoragePath.IsSelfOrAncestorOf(path) || (includeBelow && path.IsAncestorOf(l.StoragePath))).ToList();
    }

    /// <summary>Active locks covering <paramref name="path"/>, and with <paramref name="includeBelow"/> those rooted below it.</summary>
    public async Task<List<FileLock>> FindAsync(long ownerId, StoragePath path, bool includeBelow, CancellationToken cancellationToken) =>
        (await LineageAsync(ownerId, path, includeBelow, cancellationToken))
            .Where(l => l.Covers(path) || (includeBelow && path.IsAncestorOf(l.StoragePath)))
            .ToList();

    public Task<FileLock?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.Set<FileLock>().AsNoTracking().FirstOrDefaultAsync(l => l.Token == token && l.Expires > now, cancellationToken);
    }

    /// <summary>
    /// Takes a new lock unless a conflicting one exists (an exclusive lock conflicts with any other; shared locks with
    /// exclusive ones), checked in the same transaction. Returns the conflicting locks when it could not.
    /// </summary>
    public async Task<(FileLock? Taken, List<FileLock> Conflicts)> AcquireAsync(FileLock request, CancellationToken cancellationToken)
    {
        var path = request.StoragePath;
        await using var transaction = await TreeTransaction.BeginAsync(db, writeGate, request.OwnerId, cancellationToken);
        var now = time.GetUtcNow();
        await db.Set<FileLock>().Where(l => l.OwnerId == request.OwnerId && l.Expires <= now).ExecuteDeleteAsync(cancellationToken);
        var existing = await FindAsync(request.OwnerId, path, includeBelow: request.Deep, cancellationToken);
        var conflicts = existing.Where(l => l.Exclusive || request.Exclusive).ToList();
        if (conflicts.Count > 0)
        {
            return (null, conflicts);
        }

        request.PathHash = path.Hash;
        request.Expires = now.AddSeconds(request.TimeoutSeconds);
        db.Set<FileLock>().Add(request);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        db.Entry(request).State = EntityState.Detached;
        return (request, []);
    }

    /// <summary>Extends a lock's timeout (RFC 4918 §9.10.2); null when the token is unknown or expired.</summary>
    public async Task<FileLock?> RefreshAsync(string token, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = now.AddSeconds(timeoutSeconds);
        var updated = await db.Set<FileLock>().Where(l => l.Token == token && l.Expires > now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Expires, expires).SetProperty(l => l.TimeoutSeconds, timeoutSeconds), cancellationToken);
        return updated == 0 ? null : await FindByTokenAsync(token, cancellationToken);
    }

    public async Task<bool> ReleaseAsync(string token, CancellationToken cancellationToken) =>
        await db.Set<FileLock>().Where(l => l.Token == token).ExecuteDeleteAsync(cancellationToken) > 0;
}
