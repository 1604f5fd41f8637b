using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// Committing received content as a file: alone in its own transaction, or (SQLite) with other waiting writes in one
// group commit (FileWriteBatcher); either way every condition is checked again inside the transaction.
internal sealed partial class FileTree
{
    private async Task<WriteResult> CommitWriteAsync(FileWrite request, StoredContent content, CancellationToken cancellationToken)
    {
        if (request.Path.IsRoot)
        {
            return new WriteResult(WriteStatus.IsFolder, null);
        }

        AppliedWrite applied;
        if (writeGate.Serializes)
        {
            // SQLite: committed together with whatever other writes are waiting (group commit).
            applied = await batcher.CommitAsync(request, content);
        }
        else
        {
            await using var transaction = await BeginAsync(request.OwnerId, cancellationToken);
            applied = await ApplyWriteAsync(request, content, cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }

        if (applied.ReplacedBlob is not null)
        {
            await DeleteBlobsAsync(request.OwnerId, [applied.ReplacedBlob]);
        }

        return applied.Result;
    }

    /// <summary>Applies queued writes in one transaction (see <see cref="FileWriteBatcher"/>); the caller holds the write gate.</summary>
    internal async Task<AppliedWrite[]> ApplyWritesAsync(IReadOnlyList<PendingWrite> writes)
    {
        // One transaction for all of them; a failure rolls all back (the batcher then retries them one by one), so EF's
        // savepoint around each SaveChanges would only cost statements.
        db.Database.AutoSavepointsEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var results = new AppliedWrite[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            results[i] = await ApplyWriteAsync(writes[i].Request, writes[i].Content, CancellationToken.None);
        }

        await transaction.CommitAsync(CancellationToken.None);
        return results;
    }

    /// <summary>
    /// Makes stored content the file at the request's path, inside the caller's transaction: the state is read again
    /// and every condition checked here, so the result is the same however long the write waited for its turn.
    /// </summary>
    private async Task<AppliedWrite> ApplyWriteAsync(FileWrite request, StoredContent content, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var found = await FindManyAsync(request.OwnerId, [path, path.Parent], cancellationToken);
        if (!found.TryGetValue(path.Parent, out var parent) || !parent.IsFolder)
        {
            return new AppliedWrite(new WriteResult(WriteStatus.ParentMissing, null), null);
        }

        found.TryGetValue(path, out var existing);
        if (existing is { IsFolder: true })
        {
            return new AppliedWrite(new WriteResult(WriteStatus.IsFolder, null), null);
        }

        if ((request.MustNotExist && existing is not null) || (request.ExpectedETag is not null && existing?.ETag != request.ExpectedETag))
        {
            return new AppliedWrite(new WriteResult(WriteStatus.PreconditionFailed, null), null);
        }

        var delta = content.Length - (existing?.Size ?? 0);
        if (request.QuotaBytes is long quota && delta > 0 && await UsedBytesAsync(request.OwnerId, cancellationToken) + delta > quota)
        {
            return new AppliedWrite(new WriteResult(WriteStatus.QuotaExceeded, null), null);
        }

        var now = time.GetUtcNow();
        var modified = request.Modified ?? now;
        var etag = NewETag();
        var contentType = ContentTypeFor(path.Name, request.ContentType);
        var created = existing is null;
        // A new file costs no extra statement; an overwrite keeps the old blob as a version (one INSERT, no copy).
        var replacedBlob = existing is null ? null : await KeepAsVersionAsync(existing, cancellationToken);
        FileNode node;
        if (existing is null)
        {
            node = new FileNode
            {
                OwnerId = request.OwnerId,
                ParentId = parent.Id,
                Name = path.Name,
                Path = path.Value,
                PathHash = path.Hash,
                Size = content.Length,
                ContentType = contentType,
                ETag = etag,
                BlobId = content.BlobId,
                Sha1 = content.Sha1,
                Sha256 = content.Sha256,
                Created = now,
                Modified = modified,
            };
            await FileNodeSql.InsertAsync(db, node, cancellationToken);
        }
        else
        {
            await db.Set<FileNode>().Where(n => n.Id == existing.Id).ExecuteUpdateAsync(
                s => s.SetProperty(n => n.Size, content.Length)
                    .SetProperty(n => n.ContentType, request.ContentType is null ? existing.ContentType : contentType)
                    .SetProperty(n => n.ETag, etag)
                    .SetProperty(n => n.BlobId, content.BlobId)
                    .SetProperty(n => n.Sha1, content.Sha1)
                    .SetProperty(n => n.Sha256, content.Sha256)
                    .SetProperty(n => n.Modified, modified),
                cancellationToken);
            existing.Size = content.Length;
            existing.ETag = etag;
            existing.BlobId = content.BlobId;
            existing.Sha1 = content.Sha1;
            existing.Sha256 = content.Sha256;
            existing.Modified = modified;
            existing.ContentType = request.ContentType is null ? existing.ContentType : contentType;
            node = existing;
        }

        await PropagateAsync(request.OwnerId, Ancestors(path, delta), created ? [path.Parent] : [], cancellationToken);
        return new AppliedWrite(new WriteResult(created ? WriteStatus.Created : WriteStatus.Replaced, node), replacedBlob);
    }
}
