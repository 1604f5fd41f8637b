using System.Security.Cryptography;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>
/// The file trees of all users: lookups and every change (write, folder, delete, move, copy, properties).
/// <para>
/// Consistency: every change runs in one database transaction that first touches the owner's root row. On PostgreSQL
/// that row lock serialises writers of one tree; SQLite takes its write lock at <c>BEGIN</c>. Inside the transaction the
/// current state is read again and checked, so sizes, quotas and ETags of folders (which change with anything below
/// them, what sync clients rely on) never drift. Contents are uploaded to the <see cref="IFileStore"/> before the
/// transaction, and replaced contents kept as versions (<c>FileTree.Versions.cs</c>) or deleted after it: a crash in
/// between leaves an unreferenced blob (swept at start), never a row pointing at missing or partial content.
/// </para>
/// <para>
/// One job per file: <c>FileTree.Queries.cs</c> (lookups), <c>.Write.cs</c> (receiving and hashing content),
/// <c>.Commit.cs</c> (committing it, alone or grouped), <c>.Folders.cs</c>, <c>.Delete.cs</c>, <c>.MoveCopy.cs</c>,
/// <c>.Properties.cs</c> (dead properties), <c>.Versions.cs</c> (earlier contents) and <c>.Propagation.cs</c> (what a change does to the folders above it); the
/// SQL written by hand is in <see cref="FileNodeSql"/>, beside the model it mirrors.
/// </para>
/// </summary>
internal sealed partial class FileTree(
    OcmDb db,
    DatabaseWriteGate writeGate,
    FileWriteBatcher batcher,
    IFileStore store,
    StorageIdentity identity,
    TimeProvider time,
    RandomNumberGenerator random,
    VersionsOptions versionsOptions,
    ILogger<FileTree> logger)
{
    public IFileStore Store => store;

    private Task<TreeTransaction> BeginAsync(long ownerId, CancellationToken cancellationToken) =>
        TreeTransaction.BeginAsync(db, writeGate, ownerId, cancellationToken);

    private async Task DeleteBlobsAsync(long ownerId, IEnumerable<string> blobIds)
    {
        foreach (var blobId in blobIds)
        {
            try
            {
                await store.DeleteAsync(ownerId, blobId, CancellationToken.None);
            }
            catch (IOException ex)
            {
                // Unreferenced now; the startup sweep retries.
                Log.BlobNotDeleted(logger, ex);
            }
        }
    }

    private string NewETag()
    {
        Span<byte> bytes = stackalloc byte[10];
        random.GetBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static partial class Log
    {
        [LoggerMessage(2300, LogLevel.Warning, "Could not delete replaced content; it is removed by the next startup sweep")]
        public static partial void BlobNotDeleted(ILogger logger, Exception exception);
    }
}
