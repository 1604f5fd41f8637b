using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Signatures;

/// <summary>One of the server's signing keys as stored: what peers may see in the clear, the private key sealed.</summary>
internal sealed class ServerKeyRecord
{
    public required string KeyId { get; init; }

    public string Algorithm { get; set; } = "";

    /// <summary><c>rfc9421</c> or <c>cavage</c>.</summary>
    public string Purpose { get; set; } = "";

    /// <summary><c>pending</c>, <c>active</c> or <c>retired</c>.</summary>
    public string State { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset? Activated { get; set; }

    public DateTimeOffset? Retired { get; set; }

    /// <summary>The PKCS#8 PEM, sealed with the deployment secret (AES-256-GCM, bound to <see cref="KeyId"/>).</summary>
    public required string PrivateKey { get; init; }

    public ServerKeyInfo ToInfo() => new()
    {
        KeyId = KeyId,
        Algorithm = Algorithm,
        Purpose = SignatureSchemes.TryParse(Purpose, out var purpose) ? purpose : throw new InvalidDataException($"Key '{KeyId}' has an unknown use '{Purpose}'."),
        State = Enum.TryParse<ServerKeyState>(State, ignoreCase: true, out var state) ? state : throw new InvalidDataException($"Key '{KeyId}' has an unknown state '{State}'."),
        Created = Created,
        Activated = Activated,
        Retired = Retired,
    };

    public void Update(ServerKeyInfo info)
    {
        Algorithm = info.Algorithm;
        Purpose = info.Purpose.Name();
        State = info.State.ToString().ToLowerInvariant();
        Created = info.Created;
        Activated = info.Activated;
        Retired = info.Retired;
    }
}

/// <summary>
/// The one row whose version every key change bumps: nodes compare it to notice a change, and writers update it first
/// in their transaction, which makes them queue on its row lock.
/// </summary>
internal sealed class ServerKeyRing
{
    public const int SingletonId = 1;

    public int Id { get; init; }

    public long Version { get; set; }
}

internal sealed class ServerKeyRecordConfiguration : IEntityTypeConfiguration<ServerKeyRecord>
{
    public void Configure(EntityTypeBuilder<ServerKeyRecord> builder)
    {
        builder.ToTable("server_keys");
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasMaxLength(100);
        builder.Property(k => k.Algorithm).HasMaxLength(50);
        builder.Property(k => k.Purpose).HasMaxLength(20);
        builder.Property(k => k.State).HasMaxLength(20);
    }
}

internal sealed class ServerKeyRingConfiguration : IEntityTypeConfiguration<ServerKeyRing>
{
    public void Configure(EntityTypeBuilder<ServerKeyRing> builder)
    {
        builder.ToTable("server_key_ring");
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasData(new ServerKeyRing { Id = ServerKeyRing.SingletonId, Version = 0 });
    }
}
