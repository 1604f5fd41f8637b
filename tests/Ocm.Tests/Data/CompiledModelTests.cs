using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Ocm.Data;
using Ocm.Data.CompiledModels.Postgres;
using Ocm.Data.CompiledModels.Sqlite;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Data;

/// <summary>
/// A node loads its model from the generated compiled model (<c>src/Ocm/Data/CompiledModels</c>) instead of building it
/// from the entity configurations. A compiled model that no longer matches them would map entities to the wrong columns
/// or miss new ones: these tests fail until <c>scripts/optimize-model.sh</c> has regenerated it.
/// </summary>
public sealed class CompiledModelTests
{
    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public void Context_UsesTheCompiledModel(string provider)
    {
        using var db = NewContext(provider);

        Assert.IsType(provider == TestDatabases.Sqlite ? typeof(SqliteOcmDbModel) : typeof(PostgresOcmDbModel), db.Model);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void CompiledModel_MatchesTheEntityConfigurations(string provider)
    {
        using var db = NewContext(provider);
        var compiled = db.Model;
        // The design-time model is always built from OnModelCreating, never taken from the compiled model.
        var built = db.GetService<IDesignTimeModel>().Model;

        // Tables, columns, store types, keys, indexes, foreign keys: what the SQL depends on. (The migrations' model
        // differ cannot take a compiled model: it lacks the design-time annotations.)
        Assert.Equal(Tables(built.GetRelationalModel()), Tables(compiled.GetRelationalModel()));

        // What the columns alone do not show: the CLR side of each entity.
        Assert.Equal(Shape(built), Shape(compiled));
    }

    private static OcmDb NewContext(string provider) => provider == TestDatabases.Sqlite
        ? new SqliteOcmDb(new DbContextOptionsBuilder<SqliteOcmDb>().UseSqlite("Data Source=:memory:").Options)
        : new PostgresOcmDb(new DbContextOptionsBuilder<PostgresOcmDb>().UseNpgsql("Host=127.0.0.1").Options);

    /// <summary>Per entity, each property's CLR type, conversion and generation, and each navigation's target.</summary>
    private static List<string> Shape(IModel model) => model.GetEntityTypes()
        .SelectMany(e => e.GetProperties()
            .Select(p => $"{e.Name}.{p.Name}: {p.ClrType} {(p.IsNullable ? "null" : "not null")} "
                + $"{p.GetValueConverter()?.GetType().Name} {p.GetMaxLength()} {p.ValueGenerated} {p.IsConcurrencyToken}")
            .Concat(e.GetNavigations().Select(n => $"{e.Name}.{n.Name} -> {n.TargetEntityType.Name} {n.IsCollection}")))
        .Order(StringComparer.Ordinal)
        .ToList();

    private static List<string> Tables(IRelationalModel model) => model.Tables
        .SelectMany(t => t.Columns
            .Select(c => $"{t.Name}.{c.Name}: {c.StoreType} {(c.IsNullable ? "null" : "not null")}")
            .Append($"{t.Name} key {Columns(t.PrimaryKey?.Columns)}")
            .Concat(t.UniqueConstraints.Select(u => $"{t.Name} unique {u.Name} {Columns(u.Columns)}"))
            .Concat(t.Indexes.Select(i => $"{t.Name} index {i.Name} {Columns(i.Columns)} {i.IsUnique} {i.Filter}"))
            .Concat(t.ForeignKeyConstraints.Select(f =>
                $"{t.Name} foreign key {f.Name} {Columns(f.Columns)} -> {f.PrincipalTable.Name} {Columns(f.PrincipalColumns)} {f.OnDeleteAction}")))
        .Order(StringComparer.Ordinal)
        .ToList();

    private static string Columns(IEnumerable<IColumn>? columns) => string.Join(",", columns?.Select(c => c.Name) ?? []);
}
