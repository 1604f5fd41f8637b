using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Ocm.Hosting;

namespace Ocm.Data;

internal static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OcmDb"/> on the configured provider. Contexts are pooled: setting up a new context's internal
    /// services was a tenth of the server's CPU on small requests (a PROPFIND of one file, a 4 KiB upload). Features
    /// that need to see the database's transactions register an <see cref="IInterceptor"/> (e.g. the outbox's wake on commit).
    /// </summary>
    public static IServiceCollection AddOcmData(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();

        services.TryAddSingleton(options);
        services.TryAddSingleton(new DatabaseLocation(options, dataDir));
        services.TryAddSingleton<ClusterLocks>();
        services.TryAddSingleton<DatabaseLeases>();
        services.TryAddSingleton<SqliteNodeLock>();
        if (options.IsPostgres)
        {
            services.AddDbContextPool<PostgresOcmDb>((sp, o) => o.UseNpgsql(options.ConnectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
            services.TryAddScoped<OcmDb>(sp => sp.GetRequiredService<PostgresOcmDb>());
            services.TryAddSingleton(new DatabaseWriteGate(serialize: false));
        }
        else
        {
            var connectionString = options.ConnectionString ?? SqliteConnectionString(dataDir);
            services.AddDbContextPool<SqliteOcmDb>((sp, o) => o.UseSqlite(connectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
            services.TryAddScoped<OcmDb>(sp => sp.GetRequiredService<SqliteOcmDb>());
            services.TryAddSingleton(new DatabaseWriteGate(serialize: true));
        }

        return services;
    }

    /// <summary>
    /// Each connection has its own page cache (SQLite's default). A shared cache would serialise every statement of the
    /// process on one mutex and make readers wait on table locks while a write transaction is open; with WAL, private
    /// caches let readers run beside the writer (measured: 1000 concurrent small uploads 4.2–5.2 s shared, 1.7–1.9 s private).
    /// </summary>
    public static string SqliteConnectionString(string dataDir) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDir, "ocm.db"),
        Pooling = true,
    }.ToString();

    /// <summary>
    /// Applies pending migrations, one node at a time (<see cref="ClusterTask.Migrations"/>): any number of nodes may
    /// start together on an empty PostgreSQL database; the first migrates, the others then find nothing left to do.
    /// SQLite additionally switches to WAL so readers never wait for a writer.
    /// </summary>
    public static async Task MigrateOcmDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        try
        {
            if (db.Database.IsSqlite())
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            else
            {
                // The lock lives in the database itself, so it must exist first; nodes creating it together are fine.
                await CreatePostgresDatabaseAsync(db, cancellationToken);
            }

            await using (await services.GetRequiredService<ClusterLocks>().AcquireAsync(ClusterTask.Migrations, cancellationToken))
            {
                // EF Core finds out whether the history table exists by querying it, and logs the failed query as an
                // error on every first start; creating it first (IF NOT EXISTS) keeps a clean start's log clean.
                await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);

                // A current database (every start but the first) needs no MigrateAsync: it would still build the
                // migrations' model snapshot and the design-time model and compare them (EF Core 9+ checks for model
                // changes without a migration), which costs every node JIT code and heap it never uses again (about
                // 4 MiB of an idle node, docs/benchmarks.md, run S4). The pending list only reads the history table and the
                // migrations' ids.
                if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
                {
                    await db.Database.MigrateAsync(cancellationToken);
                }
            }
        }
        catch (Exception ex) when (DatabaseFailure(services, ex) is { } failure)
        {
            throw failure;
        }
    }

    private static async Task CreatePostgresDatabaseAsync(OcmDb db, CancellationToken cancellationToken)
    {
        var creator = db.Database.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken))
        {
            return;
        }

        try
        {
            await creator.CreateAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another node created it at the same moment.
        }
    }

    /// <summary>
    /// Contacts the database without creating anything (for SQLite: looks whether the file exists), so that a
    /// PostgreSQL that does not answer stops a start before the data directory is created.
    /// </summary>
    public static async Task EnsureDatabaseReachableAsync(this IServiceProvider services, CancellationToken cancellationToken) =>
        await DatabaseExistsAsync(services, cancellationToken);

    /// <summary>
    /// True when the database holds Ocm's tables (a migration was applied). Creates nothing: an offline command pointed at
    /// the wrong place must not leave an empty database there.
    /// </summary>
    public static async Task<bool> HoldsOcmDataAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!await DatabaseExistsAsync(services, cancellationToken))
        {
            return false;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        try
        {
            // Without the migrations history table this answers empty rather than failing.
            return (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Any();
        }
        catch (Exception ex) when (DatabaseFailure(services, ex) is { } failure)
        {
            throw failure;
        }
    }

    private static async Task<bool> DatabaseExistsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        try
        {
            return await db.Database.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken);
        }
        catch (Exception ex) when (DatabaseFailure(services, ex) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>One line for a database that cannot be reached or used: which database (never its password) and why.</summary>
    private static OcmStartupException? DatabaseFailure(IServiceProvider services, Exception exception)
    {
        // Npgsql's execution strategy wraps a failed connection in an InvalidOperationException ("transient failure").
        var location = services.GetRequiredService<DatabaseLocation>();
        if (StartupFailures.Find<PostgresException>(exception) is { } postgres)
        {
            return new OcmStartupException(
                $"PostgreSQL ({location.Description}) refused: {postgres.SqlState} {StartupFailures.OneLine(postgres.MessageText).TrimEnd('.')}. Check Ocm:Database:ConnectionString (OCM_DATABASE__CONNECTIONSTRING)",
                StartupFailures.ExitEnvironment,
                exception);
        }

        if (StartupFailures.Find<NpgsqlException>(exception) is { } npgsql)
        {
            return new OcmStartupException(
                $"cannot reach PostgreSQL ({location.Description}): {StartupFailures.OneLine(StartupFailures.Innermost(npgsql).Message).TrimEnd('.')}. Start it, or correct Ocm:Database:ConnectionString (OCM_DATABASE__CONNECTIONSTRING)",
                StartupFailures.ExitEnvironment,
                exception);
        }

        if (StartupFailures.Find<SqliteException>(exception) is { } sqlite)
        {
            return new OcmStartupException(
                $"cannot use the SQLite database {location.Description}: {StartupFailures.OneLine(sqlite.Message).TrimEnd('.')}. Check the file and its directory, or choose another data directory with --data-dir",
                StartupFailures.ExitEnvironment,
                exception);
        }

        return null;
    }
}

/// <summary>Where the database is, said for people: the SQLite file, or PostgreSQL's host, port, database and user — never a password.</summary>
internal sealed class DatabaseLocation(DatabaseOptions options, string dataDir)
{
    public bool IsPostgres => options.IsPostgres;

    /// <summary>The PostgreSQL connection string, for what needs a connection of its own (<see cref="ClusterLocks"/>); null on SQLite.</summary>
    public string? PostgresConnectionString => options.IsPostgres ? options.ConnectionString : null;

    /// <summary>The SQLite database file (full path), or null for PostgreSQL and in-memory SQLite.</summary>
    public string? SqliteFile
    {
        get
        {
            if (options.IsPostgres)
            {
                return null;
            }

            var source = new SqliteConnectionStringBuilder(options.ConnectionString ?? DataServiceCollectionExtensions.SqliteConnectionString(dataDir)).DataSource;
            return string.IsNullOrEmpty(source) || source == ":memory:" ? null : Path.GetFullPath(source);
        }
    }

    /// <summary>E.g. <c>/srv/ocm/data/ocm.db</c> or <c>database ocm on db.example.org:5432 as ocm</c>.</summary>
    public string Description
    {
        get
        {
            if (!options.IsPostgres)
            {
                return SqliteFile ?? "in memory";
            }

            var postgres = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            var port = postgres.Port == 0 ? NpgsqlConnection.DefaultPort : postgres.Port;
            return $"database {postgres.Database ?? postgres.Username ?? "(default)"} on {postgres.Host}:{port} as {postgres.Username ?? "(default user)"}";
        }
    }

    /// <summary>For the start banner: provider and location.</summary>
    public override string ToString() => (options.IsPostgres ? "PostgreSQL, " : "SQLite, ") + Description;
}

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteOcmDb</c> build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteOcmDb>
{
    public SqliteOcmDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteOcmDb>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresOcmDb</c> build the PostgreSQL model.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresOcmDb>
{
    public PostgresOcmDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresOcmDb>().UseNpgsql("Host=localhost;Database=ocm_design").Options);
}
