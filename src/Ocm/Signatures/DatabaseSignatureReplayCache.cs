using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Data;
using Ocm.Protocol.Signatures;

namespace Ocm.Signatures;

/// <summary>
/// The replay cache in the database, so that a signed request accepted by one node is refused by every other (OCM
/// §Verification Requirements: <c>created</c> alone is no replay protection inside the freshness window). One
/// statement per signed request: an insert that, on a fingerprint already there, only replaces a record that has
/// expired (<c>INSERT … ON CONFLICT DO UPDATE … WHERE</c>, the same SQL in SQLite and PostgreSQL), so two nodes
/// accepting the same signature at the same moment cannot both win. Expired records are deleted every
/// <see cref="PurgeEvery"/> additions.
/// </summary>
internal sealed class DatabaseSignatureReplayCache(IServiceScopeFactory scopes, DatabaseWriteGate writeGate, TimeProvider time) : ISignatureReplayCache
{
    private const int PurgeEvery = 256;

    private int _addsSincePurge;

    public bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset expiresAt)
    {
        var fingerprint = Fingerprint(signature);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        using var turn = writeGate.Enter();
        var now = time.GetUtcNow().UtcTicks;
        return db.Database.ExecuteSql(Insert(fingerprint, expiresAt.UtcTicks, now)) == 1;
    }

    public async ValueTask<bool> TryAddAsync(ReadOnlyMemory<byte> signature, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var fingerprint = Fingerprint(signature.Span);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        using var turn = await writeGate.EnterAsync(cancellationToken);
        var now = time.GetUtcNow().UtcTicks;
        if (Interlocked.Increment(ref _addsSincePurge) >= PurgeEvery)
        {
            Interlocked.Exchange(ref _addsSincePurge, 0);
            await db.Set<SeenSignature>().Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        }

        return await db.Database.ExecuteSqlAsync(Insert(fingerprint, expiresAt.UtcTicks, now), cancellationToken) == 1;
    }

    private static FormattableString Insert(string fingerprint, long expiresAt, long now) => $"""
        INSERT INTO "seen_signatures" ("Fingerprint", "ExpiresAt") VALUES ({fingerprint}, {expiresAt})
        ON CONFLICT ("Fingerprint") DO UPDATE SET "ExpiresAt" = excluded."ExpiresAt" WHERE "seen_signatures"."ExpiresAt" <= {now}
        """;

    /// <summary>128 bits of SHA-256 of the signature: enough against collisions, and no signature bytes kept.</summary>
    private static string Fingerprint(ReadOnlySpan<byte> signature)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(signature, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}

/// <summary>A signature some node accepted, remembered until it would be refused as stale anyway.</summary>
internal sealed class SeenSignature
{
    public required string Fingerprint { get; init; }

    /// <summary>UTC ticks: the same comparable integer in SQLite and PostgreSQL.</summary>
    public long ExpiresAt { get; init; }
}

internal sealed class SeenSignatureConfiguration : IEntityTypeConfiguration<SeenSignature>
{
    public void Configure(EntityTypeBuilder<SeenSignature> builder)
    {
        builder.ToTable("seen_signatures");
        builder.HasKey(s => s.Fingerprint);
        builder.Property(s => s.Fingerprint).HasMaxLength(32);
        builder.HasIndex(s => s.ExpiresAt);
    }
}
