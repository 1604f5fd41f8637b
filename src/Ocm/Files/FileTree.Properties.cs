using Microsoft.EntityFrameworkCore;

namespace Ocm.Files;

// Dead properties (RFC 4918 §4): read, patched all or nothing, copied with their node.
internal sealed partial class FileTree
{
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
}

/// <summary>A dead property to set (<see cref="Xml"/> not null) or remove.</summary>
internal sealed record PropertyChange(string Namespace, string Name, string? Xml);
