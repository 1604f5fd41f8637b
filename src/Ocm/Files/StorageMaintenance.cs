using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Files;

/// <summary>
/// This installation's instance id (the suffix of every <c>oc:id</c>), created once and kept in the database; and the
/// owners whose root folder is known to exist, so requests do not check it again.
/// </summary>
internal sealed class StorageIdentity(RandomNumberGenerator random)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _roots = new();
    private string? _instanceId;

    public bool IsRootKnown(long ownerId) => _roots.ContainsKey(ownerId);

    public void RootExists(long ownerId) => _roots.TryAdd(ownerId, true);

    public async ValueTask<string> InstanceIdAsync(OcmDb db, CancellationToken cancellationToken)
    {
        if (_instanceId is not null)
        {
            return _instanceId;
        }

        var stored = await db.Set<StorageInstance>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == 1, cancellationToken);
        if (stored is null)
        {
            var bytes = new byte[10];
            random.GetBytes(bytes);
            stored = new StorageInstance { Id = 1, InstanceId = "oc" + new string(bytes.Select(b => Alphabet[b % Alphabet.Length]).ToArray()) };
            db.Set<StorageInstance>().Add(stored);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another process or request created it first; theirs wins.
                db.Entry(stored).State = EntityState.Detached;
                stored = await db.Set<StorageInstance>().AsNoTracking().FirstAsync(s => s.Id == 1, cancellationToken);
            }

            db.Entry(stored).State = EntityState.Detached;
        }

        return _instanceId = stored.InstanceId;
    }

    /// <summary>The <c>oc:id</c> of a file: its id zero-padded to eight digits, then the instance id (as ownCloud clients expect).</summary>
    public static string FileId(long id, string instanceId) => id.ToString("D8", System.Globalization.CultureInfo.InvariantCulture) + instanceId;
}

/// <summary>
/// At startup, removes contents that interrupted uploads or deletes left unreferenced (see <see cref="IFileStore.SweepAsync"/>).
/// Nodes of a cluster sweep one at a time (<see cref="ClusterTask.StorageSweep"/>): a shared object store is listed once
/// at a time, and each node's own disk is still swept, in turn.
/// </summary>
internal sealed partial class StorageSweep(
    IServiceScopeFactory scopes, IFileStore store, StorageOptions options, ClusterLocks locks, ILogger<StorageSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var turn = await locks.AcquireAsync(ClusterTask.StorageSweep, stoppingToken);
            // A younger blob may belong to an upload whose database commit is still running (in any process).
            await store.SweepAsync(ReferencedAsync, TimeSpan.FromSeconds(options.OrphanSeconds), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DbUpdateException or System.Data.Common.DbException)
        {
            Log.SweepFailed(logger, ex);
        }
    }

    private async Task<IReadOnlySet<string>?> ReferencedAsync(long ownerId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        if (!await db.Set<User>().AnyAsync(u => u.Id == ownerId, cancellationToken))
        {
            return null;
        }

        var blobs = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == ownerId && n.BlobId != null)
            .Select(n => n.BlobId!)
            .ToListAsync(cancellationToken);
        blobs.AddRange(await db.Set<FileVersion>().AsNoTracking()
            .Where(v => v.OwnerId == ownerId)
            .Select(v => v.BlobId)
            .ToListAsync(cancellationToken));
        return blobs.ToHashSet(StringComparer.Ordinal);
    }

    private static partial class Log
    {
        [LoggerMessage(2330, LogLevel.Warning, "The storage sweep failed; it runs again at the next start")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
