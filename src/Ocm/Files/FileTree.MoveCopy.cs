using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// MOVE and COPY inside one owner's tree (RFC 4918 §9.8, §9.9).
internal sealed partial class FileTree
{
    /// <summary>Moves (renames) a file or folder; the file ids stay, properties travel, locks below the source end.</summary>
    public async Task<TransferResult> MoveAsync(long ownerId, StoragePath source, StoragePath destination, bool overwrite, CancellationToken cancellationToken)
    {
        if (source.IsRoot || destination.IsRoot || source.IsSelfOrAncestorOf(destination))
        {
            return new TransferResult(TransferStatus.Forbidden, null);
        }

        List<string> blobs = [];
        FileNode moved;
        bool replaced;
        await using (var transaction = await BeginAsync(ownerId, cancellationToken))
        {
            var found = await FindManyAsync(ownerId, [source, destination, destination.Parent], cancellationToken);
            if (!found.TryGetValue(source, out var node))
            {
                return new TransferResult(TransferStatus.SourceMissing, null);
            }

            if (!found.TryGetValue(destination.Parent, out var parent) || !parent.IsFolder)
            {
                return new TransferResult(TransferStatus.ParentMissing, null);
            }

            replaced = found.TryGetValue(destination, out var existing);
            if (existing is not null)
            {
                if (!overwrite)
                {
                    return new TransferResult(TransferStatus.DestinationExists, null);
                }

                // A folder is replaced as a whole (RFC 4918 §9.9.3: as if deleted first), never merged.
                blobs = await RemoveSubtreeAsync(existing, cancellationToken);
            }

            var deltas = Ancestors(destination, node.Size);
            if (existing is not null)
            {
                AddDeltas(deltas, destination, -existing.Size);
            }

            AddDeltas(deltas, source, -node.Size);
            await db.Set<FileLock>().Where(l => l.OwnerId == ownerId && (l.Path == source.Value || l.Path.Substring(0, source.Value.Length + 1) == source.Value + "/"))
                .ExecuteDeleteAsync(cancellationToken);

            var now = time.GetUtcNow();
            await db.Set<FileNode>().Where(n => n.Id == node.Id).ExecuteUpdateAsync(
                s => s.SetProperty(n => n.ParentId, parent.Id)
                    .SetProperty(n => n.Name, destination.Name)
                    .SetProperty(n => n.Path, destination.Value)
                    .SetProperty(n => n.PathHash, destination.Hash),
                cancellationToken);
            if (node.IsFolder)
            {
                await RebaseDescendantsAsync(ownerId, source, destination, cancellationToken);
            }

            await PropagateAsync(ownerId, deltas, [source.Parent, destination.Parent], cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
            moved = (await FindByIdAsync(ownerId, node.Id, cancellationToken))!;
        }

        await DeleteBlobsAsync(ownerId, blobs);
        return new TransferResult(replaced ? TransferStatus.Replaced : TransferStatus.Created, moved);
    }

    /// <summary>
    /// Copies a file, or a folder with (<paramref name="recursive"/>) or without its members, with dead properties; the
    /// copies get new file ids and no locks.
    /// </summary>
    public async Task<TransferResult> CopyAsync(
        long ownerId, StoragePath source, StoragePath destination, bool overwrite, bool recursive, long? quotaBytes, CancellationToken cancellationToken)
    {
        if (source.IsSelfOrAncestorOf(destination) || destination.IsRoot)
        {
            return new TransferResult(TransferStatus.Forbidden, null);
        }

        // Snapshot the source and copy contents first; only rows are written in the transaction.
        var sourceNode = await FindAsync(ownerId, source, cancellationToken);
        if (sourceNode is null)
        {
            return new TransferResult(TransferStatus.SourceMissing, null);
        }

        var items = new List<FileNode> { sourceNode };
        if (sourceNode.IsFolder && recursive)
        {
            var prefix = source.IsRoot ? "" : source.Value + "/";
            items.AddRange(await db.Set<FileNode>().AsNoTracking()
                .Where(n => n.OwnerId == ownerId && n.Path.Substring(0, prefix.Length) == prefix && n.Path != source.Value)
                .OrderBy(n => n.Path.Length)
                .ToListAsync(cancellationToken));
        }

        var copiedBytes = items.Where(i => !i.IsFolder).Sum(i => i.Size);
        var newBlobs = new Dictionary<long, string>();
        var committed = false;
        List<string> replacedBlobs = [];
        FileNode? top = null;
        bool replaced;
        try
        {
            if (quotaBytes is long quota && await UsedBytesAsync(ownerId, cancellationToken) + copiedBytes > quota)
            {
                return new TransferResult(TransferStatus.QuotaExceeded, null);
            }

            foreach (var item in items.Where(i => i.BlobId is not null))
            {
                newBlobs[item.Id] = await store.CopyAsync(ownerId, item.BlobId!, ownerId, cancellationToken);
            }

            await using var transaction = await BeginAsync(ownerId, cancellationToken);
            var found = await FindManyAsync(ownerId, [source, destination, destination.Parent], cancellationToken);
            if (!found.TryGetValue(source, out var current) || current.ETag != sourceNode.ETag)
            {
                return new TransferResult(TransferStatus.SourceChanged, null);
            }

            if (!found.TryGetValue(destination.Parent, out var parent) || !parent.IsFolder)
            {
                return new TransferResult(TransferStatus.ParentMissing, null);
            }

            replaced = found.TryGetValue(destination, out var existing);
            if (existing is not null)
            {
                if (!overwrite)
                {
                    return new TransferResult(TransferStatus.DestinationExists, null);
                }

                replacedBlobs = await RemoveSubtreeAsync(existing, cancellationToken);
            }

            var delta = copiedBytes - (existing?.Size ?? 0);
            if (quotaBytes is long limit && delta > 0 && await UsedBytesAsync(ownerId, cancellationToken) + delta > limit)
            {
                return new TransferResult(TransferStatus.QuotaExceeded, null);
            }

            var now = time.GetUtcNow();
            var idMap = new Dictionary<long, FileNode>();
            foreach (var item in items)
            {
                var path = item.StoragePath.Rebase(source, destination);
                var copy = new FileNode
                {
                    OwnerId = ownerId,
                    ParentId = item.Id == sourceNode.Id ? parent.Id : idMap[item.ParentId!.Value].Id,
                    Name = path.IsRoot ? "" : path.Name,
                    Path = path.Value,
                    PathHash = path.Hash,
                    IsFolder = item.IsFolder,
                    Size = item.IsFolder ? 0 : item.Size,
                    ContentType = item.ContentType,
                    ETag = NewETag(),
                    BlobId = newBlobs.GetValueOrDefault(item.Id),
                    Sha1 = item.Sha1,
                    Sha256 = item.Sha256,
                    Created = now,
                    Modified = item.IsFolder ? now : item.Modified,
                };
                await FileNodeSql.InsertAsync(db, copy, cancellationToken);
                idMap[item.Id] = copy;
            }

            await CopyPropertiesAsync(idMap, cancellationToken);
            await SetFolderSizesAsync(idMap.Values.Where(n => n.IsFolder).ToList(), cancellationToken);
            var deltas = Ancestors(destination, delta);
            await PropagateAsync(ownerId, deltas, [destination.Parent], cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
            committed = true;
            top = idMap[sourceNode.Id];
        }
        catch (FileNotFoundException)
        {
            // A source file was replaced or deleted while its content was being copied.
            return new TransferResult(TransferStatus.SourceChanged, null);
        }
        finally
        {
            if (!committed)
            {
                await DeleteBlobsAsync(ownerId, newBlobs.Values);
            }
        }

        await DeleteBlobsAsync(ownerId, replacedBlobs);
        return new TransferResult(replaced ? TransferStatus.Replaced : TransferStatus.Created, top);
    }

    private async Task RebaseDescendantsAsync(long ownerId, StoragePath from, StoragePath to, CancellationToken cancellationToken)
    {
        var prefix = from.Value + "/";
        var descendants = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == ownerId && n.Path.Substring(0, prefix.Length) == prefix)
            .Select(n => new { n.Id, n.Path })
            .ToListAsync(cancellationToken);
        foreach (var descendant in descendants)
        {
            _ = StoragePath.TryParse(descendant.Path, out var old);
            var moved = old.Rebase(from, to);
            await db.Set<FileNode>().Where(n => n.Id == descendant.Id).ExecuteUpdateAsync(
                s => s.SetProperty(n => n.Path, moved.Value).SetProperty(n => n.PathHash, moved.Hash),
                cancellationToken);
        }
    }

    /// <summary>Recomputes the sizes of freshly copied folders, deepest first.</summary>
    private async Task SetFolderSizesAsync(List<FileNode> folders, CancellationToken cancellationToken)
    {
        foreach (var folder in folders.OrderByDescending(f => f.Path.Length))
        {
            var id = folder.Id;
            var size = await db.Set<FileNode>().Where(n => n.ParentId == id).SumAsync(n => n.Size, cancellationToken);
            if (size != 0)
            {
                await db.Set<FileNode>().Where(n => n.Id == id).ExecuteUpdateAsync(s => s.SetProperty(n => n.Size, size), cancellationToken);
            }
        }
    }
}

internal enum TransferStatus
{
    Created,
    Replaced,
    SourceMissing,
    ParentMissing,
    DestinationExists,
    Forbidden,
    QuotaExceeded,
    SourceChanged,
}

internal sealed record TransferResult(TransferStatus Status, FileNode? Node);
