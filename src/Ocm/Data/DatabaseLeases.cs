using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Data;

/// <summary>
/// A piece of work that one node of a cluster owns at a time (e.g. the outbox lane of one peer): held by
/// <see cref="Owner"/> until <see cref="LeaseUntil"/>, measured by the database's clock so that nodes whose clocks
/// disagree still agree on who holds it. <see cref="Fence"/> grows with every new owner — a fencing token: a node whose
/// lease ran out and was taken over can no longer record anything under it (Kleppmann, "How to do distributed
/// locking", 2016: a lease alone does not stop a paused holder).
/// </summary>
internal sealed class Lease
{
    public required string Name { get; set; }

    /// <summary>The node holding it (<see cref="DatabaseLeases.NodeId"/>), or null when released.</summary>
    public string? Owner { get; set; }

    public long Fence { get; set; }

    public DateTimeOffset LeaseUntil { get; set; }
}

internal sealed class LeaseConfiguration : IEntityTypeConfiguration<Lease>
{
    public void Configure(EntityTypeBuilder<Lease> builder)
    {
        builder.ToTable("leases");
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(400);
        builder.Property(l => l.Owner).HasMaxLength(200);
    }
}

/// <summary>A lease held by this node: its name and the fencing token it was acquired with.</summary>
internal sealed record HeldLease(string Name, long Fence);

/// <summary>
/// Acquires, renews and releases <see cref="Lease"/>s. On PostgreSQL every comparison and every new expiry is computed
/// by the database (<c>now()</c>); SQLite serves a single node, whose own clock then is the database's.
/// </summary>
internal sealed class DatabaseLeases(TimeProvider time)
{
    private const string Released = "1970-01-01 00:00:00+00";

    /// <summary>This process, as it appears in <see cref="Lease.Owner"/>: host name and process id (for operators), and a random part.</summary>
    public string NodeId { get; } = Truncate($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}", 200);

    /// <summary>Takes the lease if nobody holds it (or its holder's time ran out); null when another node has it.</summary>
    public async Task<HeldLease?> TryAcquireAsync(OcmDb db, string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        List<long> fences;
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO leases ("Name", "Owner", "Fence", "LeaseUntil") VALUES ({name}, NULL, 0, {Released}::timestamptz) ON CONFLICT DO NOTHING""",
                cancellationToken);
            fences = await db.Database.SqlQuery<long>(
                    $"""
                     UPDATE leases SET "Owner" = {NodeId}, "Fence" = "Fence" + 1, "LeaseUntil" = now() + make_interval(secs => {duration.TotalSeconds})
                     WHERE "Name" = {name} AND "LeaseUntil" < now()
                     RETURNING "Fence" AS "Value"
                     """)
                .ToListAsync(cancellationToken);
        }
        else
        {
            var now = time.GetUtcNow().UtcTicks;
            var until = now + duration.Ticks;
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO leases ("Name", "Owner", "Fence", "LeaseUntil") VALUES ({name}, NULL, 0, 0) ON CONFLICT DO NOTHING""",
                cancellationToken);
            fences = await db.Database.SqlQuery<long>(
                    $"""
                     UPDATE leases SET "Owner" = {NodeId}, "Fence" = "Fence" + 1, "LeaseUntil" = {until}
                     WHERE "Name" = {name} AND "LeaseUntil" < {now}
                     RETURNING "Fence" AS "Value"
                     """)
                .ToListAsync(cancellationToken);
        }

        return fences.Count == 1 ? new HeldLease(name, fences[0]) : null;
    }

    /// <summary>
    /// Extends the lease if this node still holds it under the same fencing token; false when it was taken over.
    /// Inside the transaction that records a result this is the fence: the row lock it takes makes a node that is
    /// taking the lease over wait for the commit (and then find it extended), or else the check fails and nothing is
    /// recorded.
    /// </summary>
    public async Task<bool> RenewAsync(OcmDb db, HeldLease held, TimeSpan duration, CancellationToken cancellationToken)
    {
        int renewed;
        if (db.Database.IsNpgsql())
        {
            renewed = await db.Database.ExecuteSqlAsync(
                $"""
                 UPDATE leases SET "LeaseUntil" = now() + make_interval(secs => {duration.TotalSeconds})
                 WHERE "Name" = {held.Name} AND "Owner" = {NodeId} AND "Fence" = {held.Fence}
                 """,
                cancellationToken);
        }
        else
        {
            var until = time.GetUtcNow().UtcTicks + duration.Ticks;
            renewed = await db.Database.ExecuteSqlAsync(
                $"""UPDATE leases SET "LeaseUntil" = {until} WHERE "Name" = {held.Name} AND "Owner" = {NodeId} AND "Fence" = {held.Fence}""",
                cancellationToken);
        }

        return renewed == 1;
    }

    /// <summary>Gives the lease up at once (if still held), so another node need not wait for it to run out.</summary>
    public async Task ReleaseAsync(OcmDb db, HeldLease held, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync(
                $"""UPDATE leases SET "Owner" = NULL, "LeaseUntil" = {Released}::timestamptz WHERE "Name" = {held.Name} AND "Owner" = {NodeId} AND "Fence" = {held.Fence}""",
                cancellationToken);
        }
        else
        {
            await db.Database.ExecuteSqlAsync(
                $"""UPDATE leases SET "Owner" = NULL, "LeaseUntil" = 0 WHERE "Name" = {held.Name} AND "Owner" = {NodeId} AND "Fence" = {held.Fence}""",
                cancellationToken);
        }
    }

    /// <summary>Names starting with <paramref name="prefix"/> whose lease another node holds now (by the database's clock).</summary>
    public async Task<HashSet<string>> HeldElsewhereAsync(OcmDb db, string prefix, CancellationToken cancellationToken)
    {
        var pattern = prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        List<string> names;
        if (db.Database.IsNpgsql())
        {
            names = await db.Database.SqlQuery<string>(
                    $"""SELECT "Name" AS "Value" FROM leases WHERE "Name" LIKE {pattern} ESCAPE '\' AND "LeaseUntil" > now() AND "Owner" <> {NodeId}""")
                .ToListAsync(cancellationToken);
        }
        else
        {
            var now = time.GetUtcNow().UtcTicks;
            names = await db.Database.SqlQuery<string>(
                    $"""SELECT "Name" AS "Value" FROM leases WHERE "Name" LIKE {pattern} ESCAPE '\' AND "LeaseUntil" > {now} AND "Owner" <> {NodeId}""")
                .ToListAsync(cancellationToken);
        }

        return names.ToHashSet(StringComparer.Ordinal);
    }

    private static string Truncate(string value, int length) => value.Length > length ? value[..length] : value;
}
