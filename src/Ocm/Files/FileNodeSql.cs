using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>
/// The SQL on <see cref="FileNode"/> rows that is written by hand, all of it, beside the model it mirrors. The two
/// statements every change of a tree runs are SQL because EF's SaveChanges and ExecuteUpdate rebuild their commands on
/// every call, which was a third of the CPU of committing an upload. Identifiers are the ones EF maps (the table named in
/// <see cref="FileNodeConfiguration"/>, columns after the properties; a test holds them to the model) and the text is
/// valid on SQLite and PostgreSQL; values go in as parameters, dates converted the way the provider's model stores them.
/// </summary>
internal static class FileNodeSql
{
    /// <summary>Inserts a row with every column but the generated id, and returns that id.</summary>
    internal const string Insert =
        """
        INSERT INTO "file_nodes" ("OwnerId", "ParentId", "Name", "Path", "PathHash", "IsFolder", "Size", "ContentType",
            "ETag", "BlobId", "Sha1", "Sha256", "Created", "Modified")
        VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13})
        RETURNING "Id" AS "Value"
        """;

    /// <summary>The start of <see cref="UpdateFoldersAsync"/>'s statement; the lists of hashes and paths follow.</summary>
    internal const string UpdateFoldersStart =
        """
        UPDATE "file_nodes" SET "ETag" = {0}, "Size" = "Size" + {1},
            "Modified" = CASE WHEN "Path" = {2} OR "Path" = {3} THEN {4} ELSE "Modified" END
        WHERE "OwnerId" = {5} AND "PathHash" IN (
        """;

    /// <summary>Inserts <paramref name="node"/> and sets its <see cref="FileNode.Id"/>.</summary>
    public static async Task InsertAsync(OcmDb db, FileNode node, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQueryRaw<long>(
            Insert,
            node.OwnerId, Nullable(node.ParentId), node.Name, node.Path, node.PathHash, node.IsFolder, node.Size, Nullable(node.ContentType),
            node.ETag, Nullable(node.BlobId), Nullable(node.Sha1), Nullable(node.Sha256), StoredDate(db, node.Created), StoredDate(db, node.Modified))
            .ToListAsync(cancellationToken);
        node.Id = ids[0];
    }

    /// <summary>
    /// Gives <paramref name="folders"/> (of one owner) the ETag <paramref name="etag"/>, adds <paramref name="delta"/> to
    /// their sizes, and sets the modification time of those at <paramref name="touchFirst"/> or
    /// <paramref name="touchSecond"/> to <paramref name="now"/>: one statement.
    /// </summary>
    public static Task<int> UpdateFoldersAsync(
        OcmDb db, long ownerId, IReadOnlyList<StoragePath> folders, string etag, long delta, string touchFirst, string touchSecond, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var values = new List<object> { etag, delta, touchFirst, touchSecond, StoredDate(db, now), ownerId };
        var sql = new StringBuilder(UpdateFoldersStart);
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

    private static object StoredDate(OcmDb db, DateTimeOffset value) =>
        db.Model.FindEntityType(typeof(FileNode))!.FindProperty(nameof(FileNode.Modified))!.GetTypeMapping().Converter is { } converter
            ? converter.ConvertToProvider(value)!
            : value;

    private static object Nullable(object? value) => value ?? DBNull.Value;
}
