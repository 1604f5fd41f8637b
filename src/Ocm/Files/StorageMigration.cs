using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>How far a migration is: files and bytes done (copied or found there already) of the total.</summary>
internal sealed record MigrationProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, int Copied, int Present, int Failed);

/// <summary>
/// Copies every file's content from the local disk store to the object store, under the same blob ids, so the
/// database needs no change: once done, setting <c>Ocm:Storage:Provider</c> to <c>s3</c> serves the same files from
/// there. Each copy is hashed while it is sent and compared with the SHA-256 the database recorded when the file was
/// written; a content already in the object store with the right length is skipped, so the migration can run again
/// (e.g. once while the server runs, then once more with it stopped to catch what changed meanwhile).
/// </summary>
internal sealed partial class StorageMigration(OcmDb db, LocalFileStore source, S3FileStore target, ILogger<StorageMigration> logger)
{
    public async Task<MigrationProgress> MigrateAsync(Action<MigrationProgress, string?> report, CancellationToken cancellationToken)
    {
        var blobs = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.BlobId != null)
            .OrderBy(n => n.OwnerId).ThenBy(n => n.Id)
            .Select(n => new { n.OwnerId, BlobId = n.BlobId!, n.Size, n.Sha256 })
            .ToListAsync(cancellationToken);
        // Earlier contents (versions) are blobs too, under the same ids.
        blobs.AddRange(await db.Set<FileVersion>().AsNoTracking()
            .OrderBy(v => v.OwnerId).ThenBy(v => v.Id)
            .Select(v => new { v.OwnerId, v.BlobId, v.Size, v.Sha256 })
            .ToListAsync(cancellationToken));
        var progress = new MigrationProgress(0, blobs.Count, 0, blobs.Sum(b => b.Size), 0, 0, 0);
        report(progress, null);
        foreach (var blob in blobs)
        {
            string? problem = null;
            var copied = false;
            if (await target.LengthAsync(blob.OwnerId, blob.BlobId, cancellationToken) != blob.Size)
            {
                try
                {
                    await using var content = await source.OpenReadAsync(blob.OwnerId, blob.BlobId, cancellationToken);
                    var (length, sha256) = await target.ImportAsync(blob.OwnerId, blob.BlobId, content, cancellationToken);
                    if (length != blob.Size || (blob.Sha256 is not null && sha256 != blob.Sha256))
                    {
                        await target.DeleteAsync(blob.OwnerId, blob.BlobId, CancellationToken.None);
                        problem = $"the content of blob {blob.BlobId} (user id {blob.OwnerId}) on disk differs from what the database recorded; it was not copied";
                    }
                    else
                    {
                        copied = true;
                    }
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    problem = $"the content of blob {blob.BlobId} (user id {blob.OwnerId}) is missing on disk";
                }
            }

            progress = progress with
            {
                FilesDone = progress.FilesDone + 1,
                BytesDone = progress.BytesDone + blob.Size,
                Copied = progress.Copied + (copied ? 1 : 0),
                Present = progress.Present + (problem is null && !copied ? 1 : 0),
                Failed = progress.Failed + (problem is null ? 0 : 1),
            };
            if (problem is not null)
            {
                Log.NotMigrated(logger, blob.OwnerId);
            }

            report(progress, problem);
        }

        return progress;
    }

    private static partial class Log
    {
        [LoggerMessage(2350, LogLevel.Warning, "A content of user {OwnerId} could not be migrated to the object store")]
        public static partial void NotMigrated(ILogger logger, long ownerId);
    }
}
