using Microsoft.EntityFrameworkCore;

namespace Ocm.Data;

/// <summary>
/// The one database of the server. Feature folders own their entities and an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> next to them; this context picks every configuration up, so a
/// feature never has to edit this file. Feature code uses <c>db.Set&lt;T&gt;()</c> directly — the context is the unit of
/// work. Provider specifics live in <see cref="SqliteOcmDb"/> and <see cref="PostgresOcmDb"/>, each with its own
/// migrations (<c>Data/Migrations/Sqlite</c>, <c>Data/Migrations/Postgres</c>).
/// </summary>
internal abstract class OcmDb(DbContextOptions options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(OcmDb).Assembly, t => !t.IsAbstract);
    }
}

/// <summary>The embedded default: one SQLite file in the data directory.</summary>
internal sealed class SqliteOcmDb(DbContextOptions<SqliteOcmDb> options) : OcmDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset stored as text; store UTC ticks instead.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetTicksConverter>();
    }
}

/// <summary>PostgreSQL, chosen with <c>Ocm:Database:Provider=postgres</c> and a connection string.</summary>
internal sealed class PostgresOcmDb(DbContextOptions<PostgresOcmDb> options) : OcmDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Npgsql writes timestamptz only from UTC offsets; normalise instead of failing on a local offset.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetUtcConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetUtcConverter>();
    }
}
