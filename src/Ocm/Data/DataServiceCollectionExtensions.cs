using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                throw new InvalidOperationException(
                    "Ocm:Database:Provider is 'postgres' but Ocm:Database:ConnectionString is empty (set OCM_DATABASE__CONNECTIONSTRING).");
            }

            services.AddDbContextPool<PostgresOcmDb>((sp, o) => o.UseNpgsql(options.ConnectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
            services.TryAddScoped<OcmDb>(sp => sp.GetRequiredService<PostgresOcmDb>());
            services.TryAddSingleton(new DatabaseWriteGate(serialize: false));
        }
        else if (string.Equals(options.Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = options.ConnectionString ?? SqliteConnectionString(dataDir);
            services.AddDbContextPool<SqliteOcmDb>((sp, o) => o.UseSqlite(connectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
            services.TryAddScoped<OcmDb>(sp => sp.GetRequiredService<SqliteOcmDb>());
            services.TryAddSingleton(new DatabaseWriteGate(serialize: true));
        }
        else
        {
            throw new InvalidOperationException(
                $"Ocm:Database:Provider '{options.Provider}' is not supported; use 'sqlite' or 'postgres'.");
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

    /// <summary>Applies pending migrations. SQLite additionally switches to WAL so readers never wait for a writer.</summary>
    public static async Task MigrateOcmDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }
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
