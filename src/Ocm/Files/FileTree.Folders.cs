using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// Folders: each owner's root, created on first use, and new folders (MKCOL, the web interface).
internal sealed partial class FileTree
{
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
        await FileNodeSql.InsertAsync(db, folder, cancellationToken);
        await PropagateAsync(ownerId, new Dictionary<StoragePath, long> { [path.Parent] = 0 }, [path.Parent], cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return new FolderResult(FolderStatus.Created, folder);
    }
}

internal enum FolderStatus
{
    Created,
    Exists,
    ParentMissing,
}

internal sealed record FolderResult(FolderStatus Status, FileNode? Folder);
