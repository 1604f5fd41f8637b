namespace Ocm.Files;

// What a change does to the folders above it: new ETags (sync clients compare a folder's to know something below it
// changed), sizes adjusted, and the modification time of the folder whose members changed.
internal sealed partial class FileTree
{
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
            await FileNodeSql.UpdateFoldersAsync(db, ownerId, group.Select(g => g.Key).ToList(), etag, delta, touchFirst, touchSecond, now, cancellationToken);
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
}
