using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// Earlier contents of files: kept on overwrite (by keeping the replaced blob, never copying it), listed, restored,
// named, deleted and expired. Every change runs in the owner's tree transaction, so a restore and an expiry of the
// same version cannot interleave.
internal sealed partial class FileTree
{
    /// <summary>
    /// Inside a write's transaction: keeps <paramref name="existing"/>'s content as a version instead of deleting it.
    /// Returns the blob to delete after the commit (null when it was kept, or there was none).
    /// </summary>
    private async Task<string?> KeepAsVersionAsync(FileNode existing, CancellationToken cancellationToken)
    {
        if (existing.BlobId is null || !versionsOptions.Enabled)
        {
            return existing.BlobId;
        }

        var version = VersionOf(existing);
        db.Set<FileVersion>().Add(version);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            // Never left tracked: a batch that fails is retried write by write (FileWriteBatcher) on this context.
            db.Entry(version).State = EntityState.Detached;
        }

        return null;
    }

    private FileVersion VersionOf(FileNode node) => new()
    {
        OwnerId = node.OwnerId,
        FileId = node.Id,
        BlobId = node.BlobId!,
        Size = node.Size,
        ContentType = node.ContentType,
        Sha1 = node.Sha1,
        Sha256 = node.Sha256,
        ETag = node.ETag,
        Modified = node.Modified,
        Replaced = time.GetUtcNow(),
    };

    /// <summary>The versions of an owner's file, newest first; null when the owner has no such file.</summary>
    public async Task<IReadOnlyList<FileVersion>?> VersionsAsync(long ownerId, long fileId, CancellationToken cancellationToken)
    {
        var node = await FindByIdAsync(ownerId, fileId, cancellationToken);
        if (node is null || node.IsFolder)
        {
            return null;
        }

        return await db.Set<FileVersion>().AsNoTracking()
            .Where(v => v.OwnerId == ownerId && v.FileId == fileId)
            .OrderByDescending(v => v.Modified).ThenByDescending(v => v.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>One version of an owner's file; null when there is no such version.</summary>
    public Task<FileVersion?> FindVersionAsync(long ownerId, long fileId, long versionId, CancellationToken cancellationToken) =>
        db.Set<FileVersion>().AsNoTracking().FirstOrDefaultAsync(v => v.Id == versionId && v.FileId == fileId && v.OwnerId == ownerId, cancellationToken);

    /// <summary>
    /// Makes a version the file's content again; the content it replaces becomes a version itself (so a restore can be
    /// undone). No bytes move: the file's row and the version's row exchange blobs. False when either is missing.
    /// </summary>
    public async Task<bool> RestoreVersionAsync(long ownerId, long fileId, long versionId, CancellationToken cancellationToken)
    {
        string? replacedBlob;
        await using (var transaction = await BeginAsync(ownerId, cancellationToken))
        {
            var node = await FindByIdAsync(ownerId, fileId, cancellationToken);
            var version = await FindVersionAsync(ownerId, fileId, versionId, cancellationToken);
            if (node is null || node.IsFolder || version is null)
            {
                return false;
            }

            replacedBlob = await KeepAsVersionAsync(node, cancellationToken);
            await db.Set<FileVersion>().Where(v => v.Id == version.Id).ExecuteDeleteAsync(cancellationToken);
            await db.Set<FileNode>().Where(n => n.Id == node.Id).ExecuteUpdateAsync(
                s => s.SetProperty(n => n.Size, version.Size)
                    .SetProperty(n => n.ContentType, version.ContentType ?? node.ContentType)
                    .SetProperty(n => n.ETag, NewETag())
                    .SetProperty(n => n.BlobId, version.BlobId)
                    .SetProperty(n => n.Sha1, version.Sha1)
                    .SetProperty(n => n.Sha256, version.Sha256)
                    .SetProperty(n => n.Modified, version.Modified),
                cancellationToken);
            await PropagateAsync(ownerId, Ancestors(node.StoragePath, version.Size - node.Size), [], cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }

        if (replacedBlob is not null)
        {
            await DeleteBlobsAsync(ownerId, [replacedBlob]);
        }

        return true;
    }

    /// <summary>Names a version (or removes its name with null/empty); a named version never expires by itself.</summary>
    public async Task<bool> LabelVersionAsync(long ownerId, long fileId, long versionId, string? label, CancellationToken cancellationToken)
    {
        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        return await db.Set<FileVersion>().Where(v => v.Id == versionId && v.FileId == fileId && v.OwnerId == ownerId)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Label, label), cancellationToken) > 0;
    }

    /// <summary>Deletes one version and its content.</summary>
    public Task<bool> DeleteVersionAsync(long ownerId, long fileId, long versionId, CancellationToken cancellationToken) =>
        RemoveVersionsAsync(ownerId, versions => versions.Where(v => v.Id == versionId && v.FileId == fileId), cancellationToken);

    /// <summary>
    /// Expires an owner's versions by <see cref="VersionExpiry"/> at <paramref name="now"/>; returns how many went.
    /// </summary>
    public async Task<int> ExpireVersionsAsync(long ownerId, long? quotaBytes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        await RemoveVersionsAsync(
            ownerId,
            versions =>
            {
                var doomed = VersionExpiry.Doomed(versions.ToList(), now, quotaBytes, versionsOptions);
                removed = doomed.Count;
                return doomed;
            },
            cancellationToken);
        return removed;
    }

    /// <summary>
    /// Deletes the versions <paramref name="choose"/> picks from the owner's, read inside the tree transaction; their
    /// blobs are deleted after the commit, only for rows this transaction removed.
    /// </summary>
    private async Task<bool> RemoveVersionsAsync(
        long ownerId, Func<IEnumerable<FileVersion>, IEnumerable<FileVersion>> choose, CancellationToken cancellationToken)
    {
        List<FileVersion> doomed;
        await using (var transaction = await BeginAsync(ownerId, cancellationToken))
        {
            var versions = await db.Set<FileVersion>().AsNoTracking().Where(v => v.OwnerId == ownerId).ToListAsync(cancellationToken);
            doomed = [.. choose(versions)];
            if (doomed.Count == 0)
            {
                return false;
            }

            var ids = doomed.Select(v => v.Id).ToList();
            await db.Set<FileVersion>().Where(v => ids.Contains(v.Id)).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }

        await DeleteBlobsAsync(ownerId, doomed.Select(v => v.BlobId));
        return true;
    }
}
