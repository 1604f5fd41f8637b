using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// Deleting a file or folder with everything below it, or everything an owner has.
internal sealed partial class FileTree
{
    /// <summary>Deletes a file or a folder with everything below it, their properties and locks.</summary>
    public async Task<bool> DeleteAsync(long ownerId, StoragePath path, CancellationToken cancellationToken)
    {
        List<string> blobs;
        await using (var transaction = await BeginAsync(ownerId, cancellationToken))
        {
            var node = await FindAsync(ownerId, path, cancellationToken);
            if (node is null || node.ParentId is null)
            {
                return false;
            }

            blobs = await RemoveSubtreeAsync(node, cancellationToken);
            await PropagateAsync(ownerId, Ancestors(path, -node.Size), [path.Parent], cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }

        await DeleteBlobsAsync(ownerId, blobs);
        return true;
    }

    /// <summary>Removes every file, property and lock of an owner (their contents are the store's to delete).</summary>
    public async Task DeleteOwnerAsync(long ownerId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<FileLock>().Where(l => l.OwnerId == ownerId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<FileNode>().Where(n => n.OwnerId == ownerId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Deletes a node and its subtree (properties and versions go by cascade) and the locks within; returns their blob ids, versions' included.</summary>
    private async Task<List<string>> RemoveSubtreeAsync(FileNode node, CancellationToken cancellationToken)
    {
        var prefix = node.Path + "/";
        var blobs = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == node.OwnerId && (n.Id == node.Id || n.Path.Substring(0, prefix.Length) == prefix) && n.BlobId != null)
            .Select(n => n.BlobId!)
            .ToListAsync(cancellationToken);
        // Versions go with their files (their rows by cascade, their contents with the files').
        blobs.AddRange(await db.Set<FileVersion>().AsNoTracking()
            .Where(v => v.OwnerId == node.OwnerId && db.Set<FileNode>().Any(n => n.Id == v.FileId
                && n.OwnerId == node.OwnerId && (n.Id == node.Id || n.Path.Substring(0, prefix.Length) == prefix)))
            .Select(v => v.BlobId)
            .ToListAsync(cancellationToken));
        await db.Set<FileLock>().Where(l => l.OwnerId == node.OwnerId && (l.Path == node.Path || l.Path.Substring(0, prefix.Length) == prefix))
            .ExecuteDeleteAsync(cancellationToken);
        if (node.IsFolder)
        {
            // Everything below in one statement, then the node itself.
            await db.Set<FileNode>().Where(n => n.OwnerId == node.OwnerId && n.Path.Substring(0, prefix.Length) == prefix)
                .ExecuteDeleteAsync(cancellationToken);
        }

        await db.Set<FileNode>().Where(n => n.Id == node.Id).ExecuteDeleteAsync(cancellationToken);
        return blobs;
    }
}
