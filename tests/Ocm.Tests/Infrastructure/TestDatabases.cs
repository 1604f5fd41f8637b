using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Ocm.Data;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// Fresh, migrated databases on both providers. PostgreSQL comes from the server test.sh starts
/// (<c>OCM_TEST_POSTGRES</c>); without it the PostgreSQL tests fail with a clear message, they never skip.
/// </summary>
internal static class TestDatabases
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static TheoryData<string> Providers => new() { Sqlite, Postgres };

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("OCM_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "OCM_TEST_POSTGRES is not set: run the tests through ./test.sh, which starts a throw-away PostgreSQL.");

    /// <summary>Creates an empty database of the given provider, migrated to the latest migration (or to <paramref name="migration"/>).</summary>
    public static async Task<TestDatabase> CreateAsync(string provider, string? migration = null)
    {
        if (provider == Sqlite)
        {
            var dir = TempDirectory.Create("ocm-db");
            var cs = DataServiceCollectionExtensions.SqliteConnectionString(dir);
            var options = new DbContextOptionsBuilder<SqliteOcmDb>().UseSqlite(cs).Options;
            var db = new TestDatabase(() => new SqliteOcmDb(options), () =>
            {
                SqliteConnection.ClearAllPools();
                TempDirectory.Delete(dir);
                return Task.CompletedTask;
            });
            await db.MigrateAsync(migration);
            return db;
        }

        var name = "ocm_" + Guid.NewGuid().ToString("N")[..16];
        var admin = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var target = new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
        var pgOptions = new DbContextOptionsBuilder<PostgresOcmDb>().UseNpgsql(target).Options;
        var pg = new TestDatabase(() => new PostgresOcmDb(pgOptions), async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }, target);
        await pg.MigrateAsync(migration);
        return pg;
    }
}

internal sealed class TestDatabase(Func<OcmDb> factory, Func<Task> cleanup, string? connectionString = null) : IAsyncDisposable
{
    public string? ConnectionString { get; } = connectionString;

    public OcmDb NewContext() => factory();

    /// <summary>Applies the migrations up to <paramref name="migration"/> (its name), or all of them.</summary>
    public async Task MigrateAsync(string? migration = null)
    {
        await using var db = factory();
        if (migration is null)
        {
            await db.Database.MigrateAsync();
        }
        else
        {
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync(migration);
        }
    }

    public ValueTask DisposeAsync() => new(cleanup());
}

/// <summary>A service provider whose scopes get a context on <see cref="TestDatabase"/>, for services that open their own scopes.</summary>
internal static class TestDatabaseServices
{
    public static ServiceProvider Create(TestDatabase database)
    {
        var services = new ServiceCollection();
        services.AddScoped(_ => database.NewContext());
        services.AddSingleton(new DatabaseWriteGate(serialize: database.ConnectionString is null));
        return services.BuildServiceProvider();
    }
}
