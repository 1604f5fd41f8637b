using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Files;

// Lookups in the trees: by path, by id, a folder's members, the bytes an owner uses.
internal sealed partial class FileTree
{
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
}
