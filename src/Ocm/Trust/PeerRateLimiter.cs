using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Data;

namespace Ocm.Trust;

/// <summary>
/// A token bucket per peer (the verified signer's host, else the client address) for OCM endpoints that put prompts
/// in front of users, such as <c>/request-share</c> (OCM §Request for a Share: each request can put a prompt before a user). A peer may send
/// <c>burst</c> requests at once, then one per <c>1 / perHour</c> hours; a refused request learns when to retry.
/// The buckets are rows in the database, so the limit holds for the whole deployment however many nodes share the
/// load; a bucket is taken with a compare-and-set on its last update, retried when another node took one at the same
/// moment. Buckets full again are deleted now and then (they are indistinguishable from new peers). Time comes from
/// the injected <see cref="TimeProvider"/>, so tests need not wait.
/// </summary>
internal sealed class PeerRateLimiter
{
    private const int PurgeEvery = 256;
    private const int Attempts = 8;

    private readonly IServiceScopeFactory _scopes;
    private readonly DatabaseWriteGate _writeGate;
    private readonly TimeProvider _time;
    private readonly string _name;
    private readonly double _capacity;
    private readonly double _tokensPerSecond;
    private int _takesSincePurge;

    /// <summary>A limiter named <paramref name="name"/> (one endpoint's limit; several limiters share the table).</summary>
    public PeerRateLimiter(string name, IServiceScopeFactory scopes, DatabaseWriteGate writeGate, TimeProvider time, int burst, int perHour)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perHour, 1);
        _name = name;
        _scopes = scopes;
        _writeGate = writeGate;
        _time = time;
        _capacity = burst;
        _tokensPerSecond = perHour / 3600.0;
    }

    /// <summary>Takes one token for <paramref name="peer"/>; when none is left, answers false and how long to wait.</summary>
    public async Task<(bool Acquired, TimeSpan RetryAfter)> TryAcquireAsync(string peer, CancellationToken cancellationToken)
    {
        var key = _name + ":" + peer.ToLowerInvariant();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        using var turn = await _writeGate.EnterAsync(cancellationToken);
        var now = _time.GetUtcNow().UtcTicks;
        if (Interlocked.Increment(ref _takesSincePurge) >= PurgeEvery)
        {
            Interlocked.Exchange(ref _takesSincePurge, 0);
            var full = now - TimeSpan.FromSeconds(_capacity / _tokensPerSecond).Ticks;
            await db.Set<PeerRateBucket>().Where(b => b.Key.StartsWith(_name + ":") && b.UpdatedAt <= full).ExecuteDeleteAsync(cancellationToken);
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var bucket = await db.Set<PeerRateBucket>().AsNoTracking().FirstOrDefaultAsync(b => b.Key == key, cancellationToken);
            if (bucket is null)
            {
                var tokens = _capacity - 1;
                var inserted = await db.Database.ExecuteSqlAsync(
                    $"""INSERT INTO "peer_rate_buckets" ("Key", "Tokens", "UpdatedAt") VALUES ({key}, {tokens}, {now}) ON CONFLICT ("Key") DO NOTHING""",
                    cancellationToken);
                if (inserted == 1)
                {
                    return (true, TimeSpan.Zero);
                }

                continue;
            }

            var elapsed = Math.Max(0, now - bucket.UpdatedAt) / (double)TimeSpan.TicksPerSecond;
            var available = Math.Min(_capacity, bucket.Tokens + (elapsed * _tokensPerSecond));
            if (available < 1)
            {
                return (false, TimeSpan.FromSeconds(Math.Ceiling((1 - available) / _tokensPerSecond)));
            }

            // Compare-and-set on what was read: a concurrent taker changed the tokens or the time, so this one reads again.
            var stamp = Math.Max(now, bucket.UpdatedAt);
            var remaining = available - 1;
            var updated = await db.Set<PeerRateBucket>()
                .Where(b => b.Key == key && b.UpdatedAt == bucket.UpdatedAt && b.Tokens == bucket.Tokens)
                .ExecuteUpdateAsync(u => u.SetProperty(b => b.Tokens, remaining).SetProperty(b => b.UpdatedAt, stamp), cancellationToken);
            if (updated == 1)
            {
                return (true, TimeSpan.Zero);
            }
        }

        // Contended beyond reason: refuse briefly rather than let the limit go.
        return (false, TimeSpan.FromSeconds(1));
    }
}

/// <summary>One peer's bucket of one limit: tokens left at <see cref="UpdatedAt"/>.</summary>
internal sealed class PeerRateBucket
{
    /// <summary><c>{limit}:{peer}</c>.</summary>
    public required string Key { get; init; }

    public double Tokens { get; init; }

    /// <summary>UTC ticks: the same comparable integer in SQLite and PostgreSQL.</summary>
    public long UpdatedAt { get; init; }
}

internal sealed class PeerRateBucketConfiguration : IEntityTypeConfiguration<PeerRateBucket>
{
    public void Configure(EntityTypeBuilder<PeerRateBucket> builder)
    {
        builder.ToTable("peer_rate_buckets");
        builder.HasKey(b => b.Key);
        builder.Property(b => b.Key).HasMaxLength(400);
    }
}
