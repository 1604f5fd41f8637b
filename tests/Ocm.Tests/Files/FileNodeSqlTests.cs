using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Ocm.Data;
using Ocm.Files;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Files;

/// <summary>
/// The SQL written by hand for <see cref="FileNode"/> rows names what the EF model maps, on both providers: a property
/// added to the model without the INSERT learning of it, or a renamed table or column, fails here rather than in an
/// upload.
/// </summary>
public sealed partial class FileNodeSqlTests
{
    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public void Insert_NamesTheMappedTableAndEveryColumnButTheId(string provider)
    {
        using var db = Model(provider);
        var (table, columns) = Mapping(db);
        var insert = InsertTarget().Match(FileNodeSql.Insert);
        Assert.True(insert.Success, FileNodeSql.Insert);
        Assert.Equal(table, insert.Groups["table"].Value);
        var inserted = Identifiers(insert.Groups["columns"].Value);
        Assert.Equal(columns.Where(c => c != "Id").Order(), inserted.Order());
        Assert.Equal(inserted.Count, Regex.Count(FileNodeSql.Insert, @"\{\d+\}"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void UpdateFolders_NamesOnlyMappedColumnsOfTheMappedTable(string provider)
    {
        using var db = Model(provider);
        var (table, columns) = Mapping(db);
        Assert.StartsWith($"UPDATE \"{table}\" SET", FileNodeSql.UpdateFoldersStart, StringComparison.Ordinal);
        var named = Identifiers(FileNodeSql.UpdateFoldersStart).Where(i => i != table).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, column => Assert.Contains(column, columns));
    }

    private static (string Table, HashSet<string> Columns) Mapping(OcmDb db)
    {
        var entity = db.Model.FindEntityType(typeof(FileNode))!;
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        return (table, entity.GetProperties().Select(p => p.GetColumnName(store)!).ToHashSet(StringComparer.Ordinal));
    }

    private static List<string> Identifiers(string sql) => QuotedIdentifier().Matches(sql).Select(m => m.Groups[1].Value).ToList();

    /// <summary>A context for its model only: building the model opens no connection.</summary>
    private static OcmDb Model(string provider) => provider == TestDatabases.Sqlite
        ? new SqliteOcmDb(new DbContextOptionsBuilder<SqliteOcmDb>().UseSqlite("Data Source=:memory:").Options)
        : new PostgresOcmDb(new DbContextOptionsBuilder<PostgresOcmDb>().UseNpgsql("Host=127.0.0.1").Options);

    [GeneratedRegex("""INSERT INTO "(?<table>[^"]+)" \((?<columns>[^)]*)\)""")]
    private static partial Regex InsertTarget();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex QuotedIdentifier();
}
