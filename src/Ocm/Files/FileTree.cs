using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>
/// The file trees of all users: lookups and every change (write, folder, delete, move, copy, properties).
/// <para>
/// Consistency: every change runs in one database transaction that first touches the owner's root row. On PostgreSQL
/// that row lock serialises writers of one tree; SQLite takes its write lock at <c>BEGIN</c>. Inside the transaction the
/// current state is read again and checked, so sizes, quotas and ETags of folders (which change with anything below
/// them, what sync clients rely on) never drift. Contents are uploaded to the <see cref="IFileStore"/> before the
/// transaction and replaced contents deleted after it: a crash in between leaves an unreferenced blob (swept at start),
/// never a row pointing at missing or partial content.
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
    ILogger<FileTree> logger)
{
    /// <summary>Body reads wait for at least this much, so the store sees large writes.</summary>
    private const int ReadChunk = 256 * 1024;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    // The lookups every request makes are compiled once: EF then skips translating the expression tree each time.
    private static readonly CompiledQuery<Func<OcmDb, long, long, string, CancellationToken, Task<FileNode?>>> ByPath = new(() =>
        EF.CompileAsyncQuery((OcmDb db, long ownerId, long hash, string path, CancellationToken _) =>
            db.Set<FileNode>().AsNoTracking().FirstOrDefault(n => n.OwnerId == ownerId && n.PathHash == hash && n.Path == path)));

    private static readonly CompiledQuery<Func<OcmDb, long, long, long, IAsyncEnumerable<FileNode>>> ByTwoHashes = new(() =>
        EF.CompileAsyncQuery((OcmDb db, long ownerId, long first, long second) =>
            db.Set<FileNode>().AsNoTracking().Where(n => n.OwnerId == ownerId && (n.PathHash == first || n.PathHash == second))));

    private static readonly CompiledQuery<Func<OcmDb, long, CancellationToken, Task<long?>>> RootSize = new(() =>
        EF.CompileAsyncQuery((OcmDb db, long ownerId, CancellationToken _) =>
            db.Set<FileNode>().Where(n => n.OwnerId == ownerId && n.ParentId == null).Select(n => (long?)n.Size).FirstOrDefault()));

    public IFileStore Store => store;

    public Task<FileNode?> FindAsync(long ownerId, StoragePath path, CancellationToken cancellationToken) =>
        ByPath.For(db)(db, ownerId, path.Hash, path.Value, cancellationToken);

    /// <summary>Several paths in one query (typically a target and its parent).</summary>
    public async Task<Dictionary<StoragePath, FileNode>> FindManyAsync(long ownerId, IReadOnlyList<StoragePath> paths, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, StoragePath>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            wanted[path.Value] = path;
        }

        var rows = new List<FileNode>();
        if (wanted.Count <= 2)
        {
            var hashes = wanted.Values.Select(p => p.Hash).ToArray();
            await foreach (var row in ByTwoHashes.For(db)(db, ownerId, hashes[0], hashes[^1]).WithCancellation(cancellationToken))
            {
                rows.Add(row);
            }
        }
        else
        {
            var hashes = wanted.Values.Select(p => p.Hash).Distinct().ToArray();
            rows = await db.Set<FileNode>().AsNoTracking()
                .Where(n => n.OwnerId == ownerId && hashes.Contains(n.PathHash))
                .ToListAsync(cancellationToken);
        }

        var found = new Dictionary<StoragePath, FileNode>();
        foreach (var row in rows)
        {
            if (wanted.TryGetValue(row.Path, out var path))
            {
                found[path] = row;
            }
        }

        return found;
    }

    public Task<FileNode?> FindByIdAsync(long ownerId, long id, CancellationToken cancellationToken) =>
        db.Set<FileNode>().AsNoTracking().FirstOrDefaultAsync(n => n.OwnerId == ownerId && n.Id == id, cancellationToken);

    /// <summary>The members of a folder, by name, streamed from the database.</summary>
    public IAsyncEnumerable<FileNode> ChildrenAsync(FileNode folder) =>
        db.Set<FileNode>().AsNoTracking().Where(n => n.ParentId == folder.Id).OrderBy(n => n.Name).AsAsyncEnumerable();

    /// <summary>Bytes used by an owner's files (the size of their root).</summary>
    public async Task<long> UsedBytesAsync(long ownerId, CancellationToken cancellationToken) =>
        await RootSize.For(db)(db, ownerId, cancellationToken) ?? 0;

    /// <summary>Makes sure the owner has a root folder; after the first time in this process it costs nothing.</summary>
    public async ValueTask EnsureRootOnceAsync(long ownerId, CancellationToken cancellationToken)
    {
        if (!identity.IsRootKnown(ownerId))
        {
            await EnsureRootAsync(ownerId, cancellationToken);
            identity.RootExists(ownerId);
        }
    }

    /// <summary>The owner's root folder, created on first use.</summary>
    public async Task<FileNode> EnsureRootAsync(long ownerId, CancellationToken cancellationToken)
    {
        var root = await FindAsync(ownerId, StoragePath.Root, cancellationToken);
        if (root is not null)
        {
            return root;
        }

        var now = time.GetUtcNow();
        root = new FileNode
        {
            OwnerId = ownerId,
            Name = "",
            Path = "",
            PathHash = StoragePath.Root.Hash,
            IsFolder = true,
            ETag = NewETag(),
            Created = now,
            Modified = now,
        };
        db.Set<FileNode>().Add(root);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            db.Entry(root).State = EntityState.Detached;
            return root;
        }
        catch (DbUpdateException)
        {
            // Created concurrently by another request: the unique root index kept it single.
            db.Entry(root).State = EntityState.Detached;
            return await FindAsync(ownerId, StoragePath.Root, cancellationToken)
                ?? throw new InvalidOperationException("The root folder could not be created.");
        }
    }

    /// <summary>
    /// Receives a file's content from <paramref name="body"/> and makes it the content at <see cref="FileWrite.Path"/>,
    /// atomically: readers see the old content until the new one is complete and committed.
    /// </summary>
    public async Task<WriteResult> WriteAsync(FileWrite request, PipeReader body, CancellationToken cancellationToken)
    {
        var (upload, failure) = await ReceiveAsync(request, body, cancellationToken);
        if (upload is null)
        {
            return new WriteResult(failure!.Value, null);
        }

        var committed = false;
        try
        {
            // The body is complete: a client that goes away now still gets its file (no half-finished commit).
            var result = await CommitWriteAsync(request, upload, CancellationToken.None);
            committed = result.Status is WriteStatus.Created or WriteStatus.Replaced;
            return result;
        }
        finally
        {
            if (!committed && upload.BlobId is not null)
            {
                await store.DeleteAsync(request.OwnerId, upload.BlobId, CancellationToken.None);
            }
        }
    }

    /// <summary>Creates an empty file (e.g. a LOCK on an unmapped URL, RFC 4918 §7.3).</summary>
    public Task<WriteResult> CreateEmptyAsync(long ownerId, StoragePath path, CancellationToken cancellationToken) =>
        CommitWriteAsync(
            new FileWrite(ownerId, path, QuotaBytes: null, MaxBytes: 0, DeclaredLength: 0, MustNotExist: true),
            new StoredContent(null, 0, EmptySha1, EmptySha256),
            cancellationToken);

    public async Task<FolderResult> CreateFolderAsync(long ownerId, StoragePath path, CancellationToken cancellationToken)
    {
        if (path.IsRoot)
        {
            return new FolderResult(FolderStatus.Exists, null);
        }

        await using var transaction = await BeginAsync(ownerId, cancellationToken);
        var found = await FindManyAsync(ownerId, [path, path.Parent], cancellationToken);
        if (found.ContainsKey(path))
        {
            return new FolderResult(FolderStatus.Exists, null);
        }

        if (!found.TryGetValue(path.Parent, out var parent) || !parent.IsFolder)
        {
            return new FolderResult(FolderStatus.ParentMissing, null);
        }

        var now = time.GetUtcNow();
        var folder = new FileNode
        {
            OwnerId = ownerId,
            ParentId = parent.Id,
            Name = path.Name,
            Path = path.Value,
            PathHash = path.Hash,
            IsFolder = true,
            ETag = NewETag(),
            Created = now,
            Modified = now,
        };
        await InsertAsync(folder, cancellationToken);
        await PropagateAsync(ownerId, new Dictionary<StoragePath, long> { [path.Parent] = 0 }, [path.Parent], cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return new FolderResult(FolderStatus.Created, folder);
    }

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
                await InsertAsync(copy, cancellationToken);
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

    /// <summary>Removes every file, property and lock of an owner (their contents are the store's to delete).</summary>
    public async Task DeleteOwnerAsync(long ownerId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<FileLock>().Where(l => l.OwnerId == ownerId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<FileNode>().Where(n => n.OwnerId == ownerId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Dead properties of one node.</summary>
    public Task<List<FileProperty>> PropertiesAsync(long nodeId, CancellationToken cancellationToken) =>
        db.Set<FileProperty>().AsNoTracking().Where(p => p.NodeId == nodeId).ToListAsync(cancellationToken);

    /// <summary>Dead properties of every member of a folder, by node id.</summary>
    public async Task<ILookup<long, FileProperty>> ChildPropertiesAsync(long folderId, CancellationToken cancellationToken)
    {
        var rows = await (
            from p in db.Set<FileProperty>().AsNoTracking()
            join n in db.Set<FileNode>() on p.NodeId equals n.Id
            where n.ParentId == folderId
            select p).ToListAsync(cancellationToken);
        return rows.ToLookup(p => p.NodeId);
    }

    /// <summary>Applies property sets (non-null XML) and removals in order, all or nothing.</summary>
    public async Task<bool> PatchPropertiesAsync(long ownerId, long nodeId, IReadOnlyList<PropertyChange> changes, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginAsync(ownerId, cancellationToken);
        var node = await FindByIdAsync(ownerId, nodeId, cancellationToken);
        if (node is null)
        {
            return false;
        }

        var existing = await db.Set<FileProperty>().Where(p => p.NodeId == nodeId).ToListAsync(cancellationToken);
        var byName = existing.ToDictionary(p => (p.Namespace, p.Name));
        foreach (var change in changes)
        {
            var key = (change.Namespace, change.Name);
            if (change.Xml is null)
            {
                if (byName.Remove(key, out var removed))
                {
                    db.Set<FileProperty>().Remove(removed);
                }
            }
            else if (byName.TryGetValue(key, out var property))
            {
                property.Xml = change.Xml;
            }
            else
            {
                property = new FileProperty { NodeId = nodeId, Namespace = change.Namespace, Name = change.Name, Xml = change.Xml };
                byName[key] = property;
                db.Set<FileProperty>().Add(property);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        return true;
    }

    /// <summary>The content type stored for a new file: the client's, else one guessed from the name.</summary>
    public static string ContentTypeFor(string name, string? declared)
    {
        if (!string.IsNullOrWhiteSpace(declared) && declared.Length <= 255 && declared.Contains('/', StringComparison.Ordinal)
            && !declared.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return declared;
        }

        return ContentTypes.TryGetContentType(name, out var guessed) ? guessed : "application/octet-stream";
    }

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients compare (oc:checksums), not a security control.
    private static readonly string EmptySha1 = Convert.ToHexStringLower(SHA1.HashData([]));
#pragma warning restore CA5350
    private static readonly string EmptySha256 = Convert.ToHexStringLower(SHA256.HashData([]));

    /// <summary>The stored content, or why the body was refused (then nothing is stored).</summary>
    private async Task<(StoredContent? Content, WriteStatus? Failure)> ReceiveAsync(FileWrite request, PipeReader body, CancellationToken cancellationToken)
    {
        var allowance = request.QuotaBytes is long quota
            ? quota - await UsedBytesAsync(request.OwnerId, cancellationToken) + (request.ReplacedSize ?? 0)
            : long.MaxValue;
        if (request.DeclaredLength is long declared)
        {
            if (declared > request.MaxBytes)
            {
                return (null, WriteStatus.TooLarge);
            }

            if (declared > allowance)
            {
                return (null, WriteStatus.QuotaExceeded);
            }
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var upload = await store.BeginUploadAsync(request.OwnerId, cancellationToken);
        long total = 0;
        while (true)
        {
            var read = await body.ReadAtLeastAsync(ReadChunk, cancellationToken);
            var buffer = read.Buffer;
            if (!buffer.IsEmpty)
            {
                total += buffer.Length;
                if (total > request.MaxBytes)
                {
                    return (null, WriteStatus.TooLarge);
                }

                if (total > allowance)
                {
                    return (null, WriteStatus.QuotaExceeded);
                }

                await HashAndWriteAsync(buffer, sha1, sha256, upload, cancellationToken);
            }

            body.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        if (request.DeclaredLength is long expected && total != expected)
        {
            return (null, WriteStatus.IncompleteBody);
        }

        var sha1Hex = Convert.ToHexStringLower(sha1.GetHashAndReset());
        var sha256Hex = Convert.ToHexStringLower(sha256.GetHashAndReset());
        if (request.ExpectedChecksum is { } checksum && !checksum.Matches(sha1Hex, sha256Hex))
        {
            return (null, WriteStatus.ChecksumMismatch);
        }

        // An empty file needs no blob; the upload is discarded on dispose.
        var blobId = total == 0 ? null : await upload.CompleteAsync(cancellationToken);
        return (new StoredContent(blobId, total, sha1Hex, sha256Hex), null);
    }

    private static async ValueTask HashAndWriteAsync(
        ReadOnlySequence<byte> buffer, IncrementalHash sha1, IncrementalHash sha256, IBlobUpload upload, CancellationToken cancellationToken)
    {
        // The write is started first and runs on the thread pool (file I/O is synchronous underneath), so hashing this
        // chunk overlaps with writing it; both only read the buffer, which stays valid until AdvanceTo.
        var write = upload.WriteAsync(buffer, cancellationToken);
        foreach (var segment in buffer)
        {
            sha1.AppendData(segment.Span);
            sha256.AppendData(segment.Span);
        }

        await write;
    }

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
        var replacedBlob = existing?.BlobId;
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
            await InsertAsync(node, cancellationToken);
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

    private Task<TreeTransaction> BeginAsync(long ownerId, CancellationToken cancellationToken) =>
        TreeTransaction.BeginAsync(db, writeGate, ownerId, cancellationToken);

    // The two statements every change of the tree runs are written as SQL: EF's SaveChanges and ExecuteUpdate rebuild
    // their commands on every call, which was a third of the CPU of committing an upload. Identifiers are the ones EF
    // maps (tables named in the configurations, columns after the properties) and the text is valid on SQLite and
    // PostgreSQL; values go in as parameters, dates converted the way the provider's model stores them.
    private async Task InsertAsync(FileNode node, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQueryRaw<long>(
            """
            INSERT INTO "file_nodes" ("OwnerId", "ParentId", "Name", "Path", "PathHash", "IsFolder", "Size", "ContentType",
                "ETag", "BlobId", "Sha1", "Sha256", "Created", "Modified")
            VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13})
            RETURNING "Id" AS "Value"
            """,
            node.OwnerId, Nullable(node.ParentId), node.Name, node.Path, node.PathHash, node.IsFolder, node.Size, Nullable(node.ContentType),
            node.ETag, Nullable(node.BlobId), Nullable(node.Sha1), Nullable(node.Sha256), StoredDate(node.Created), StoredDate(node.Modified))
            .ToListAsync(cancellationToken);
        node.Id = ids[0];
    }

    private Task<int> UpdateFoldersAsync(
        long ownerId, IReadOnlyList<StoragePath> folders, string etag, long delta, string touchFirst, string touchSecond, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var values = new List<object> { etag, delta, touchFirst, touchSecond, StoredDate(now), ownerId };
        var sql = new StringBuilder(
            """
            UPDATE "file_nodes" SET "ETag" = {0}, "Size" = "Size" + {1},
                "Modified" = CASE WHEN "Path" = {2} OR "Path" = {3} THEN {4} ELSE "Modified" END
            WHERE "OwnerId" = {5} AND "PathHash" IN (
            """);
        var hashes = new List<string>(folders.Count);
        var paths = new List<string>(folders.Count);
        foreach (var folder in folders)
        {
            hashes.Add("{" + values.Count.ToString(CultureInfo.InvariantCulture) + "}");
            values.Add(folder.Hash);
            paths.Add("{" + values.Count.ToString(CultureInfo.InvariantCulture) + "}");
            values.Add(folder.Value);
        }

        sql.AppendJoin(", ", hashes).Append(") AND \"Path\" IN (").AppendJoin(", ", paths).Append(')');
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), values, cancellationToken);
    }

    private object StoredDate(DateTimeOffset value) =>
        db.Model.FindEntityType(typeof(FileNode))!.FindProperty(nameof(FileNode.Modified))!.GetTypeMapping().Converter is { } converter
            ? converter.ConvertToProvider(value)!
            : value;

    private static object Nullable(object? value) => value ?? DBNull.Value;

    /// <summary>Deletes a node and its subtree (properties go by cascade) and the locks within; returns their blob ids.</summary>
    private async Task<List<string>> RemoveSubtreeAsync(FileNode node, CancellationToken cancellationToken)
    {
        var prefix = node.Path + "/";
        var blobs = await db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == node.OwnerId && (n.Id == node.Id || n.Path.Substring(0, prefix.Length) == prefix) && n.BlobId != null)
            .Select(n => n.BlobId!)
            .ToListAsync(cancellationToken);
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

    private async Task CopyPropertiesAsync(Dictionary<long, FileNode> idMap, CancellationToken cancellationToken)
    {
        var sourceIds = idMap.Keys.ToArray();
        foreach (var chunk in sourceIds.Chunk(500))
        {
            var properties = await db.Set<FileProperty>().AsNoTracking().Where(p => chunk.Contains(p.NodeId)).ToListAsync(cancellationToken);
            foreach (var property in properties)
            {
                db.Set<FileProperty>().Add(new FileProperty
                {
                    NodeId = idMap[property.NodeId].Id,
                    Namespace = property.Namespace,
                    Name = property.Name,
                    Xml = property.Xml,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
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

    /// <summary>
    /// New ETags for every folder in <paramref name="deltas"/> (they changed below), their sizes adjusted by the deltas,
    /// and the modification time of the folders whose members changed (<paramref name="touched"/>) set to now — one
    /// statement per distinct delta, usually one in all.
    /// </summary>
    private async Task PropagateAsync(long ownerId, Dictionary<StoragePath, long> deltas, StoragePath[] touched, CancellationToken cancellationToken)
    {
        var etag = NewETag();
        var now = time.GetUtcNow();
        // Canonical paths never start with a slash, so "/" stands for "no folder".
        var touchFirst = touched.Length > 0 ? touched[0].Value : "/";
        var touchSecond = touched.Length > 1 ? touched[1].Value : touchFirst;
        foreach (var group in deltas.GroupBy(d => d.Value))
        {
            var delta = group.Key;
            await UpdateFoldersAsync(ownerId, group.Select(g => g.Key).ToList(), etag, delta, touchFirst, touchSecond, now, cancellationToken);
        }
    }

    private static Dictionary<StoragePath, long> Ancestors(StoragePath path, long delta)
    {
        var deltas = new Dictionary<StoragePath, long>();
        AddDeltas(deltas, path, delta);
        return deltas;
    }

    private static void AddDeltas(Dictionary<StoragePath, long> deltas, StoragePath path, long delta)
    {
        foreach (var ancestor in path.Ancestors())
        {
            deltas[ancestor] = deltas.GetValueOrDefault(ancestor) + delta;
        }
    }

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
        [LoggerMessage(1, LogLevel.Warning, "Could not delete replaced content; it is removed by the next startup sweep")]
        public static partial void BlobNotDeleted(ILogger logger, Exception exception);
    }
}

/// <summary>A file upload: where, limits, and the preconditions checked atomically with the replacement.</summary>
internal sealed record FileWrite(
    long OwnerId,
    StoragePath Path,
    long? QuotaBytes,
    long MaxBytes,
    long? DeclaredLength,
    string? ContentType = null,
    DateTimeOffset? Modified = null,
    string? ExpectedETag = null,
    bool MustNotExist = false,
    ContentChecksum? ExpectedChecksum = null,
    long? ReplacedSize = null);

internal enum WriteStatus
{
    Created,
    Replaced,
    ParentMissing,
    IsFolder,
    PreconditionFailed,
    QuotaExceeded,
    TooLarge,
    ChecksumMismatch,
    IncompleteBody,
}

internal sealed record WriteResult(WriteStatus Status, FileNode? Node);

internal enum FolderStatus
{
    Created,
    Exists,
    ParentMissing,
}

internal sealed record FolderResult(FolderStatus Status, FileNode? Folder);

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

/// <summary>A dead property to set (<see cref="Xml"/> not null) or remove.</summary>
internal sealed record PropertyChange(string Namespace, string Name, string? Xml);

/// <summary>A checksum a client declared for its upload (<c>OC-Checksum: SHA1:…</c>), verified before the upload is kept.</summary>
internal sealed record ContentChecksum(string Algorithm, string Hex)
{
    public static ContentChecksum? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        // Several may be given separated by spaces; the first we can check wins.
        foreach (var part in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var algorithm = part[..colon].ToUpperInvariant();
            var hex = part[(colon + 1)..].ToLowerInvariant();
            if ((algorithm == "SHA1" && hex.Length == 40) || (algorithm == "SHA256" && hex.Length == 64))
            {
                return new ContentChecksum(algorithm, hex);
            }
        }

        return null;
    }

    public bool Matches(string sha1, string sha256) => Algorithm switch
    {
        "SHA1" => Hex == sha1,
        "SHA256" => Hex == sha256,
        _ => true,
    };
}
