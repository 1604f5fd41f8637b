using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Protocol.Discovery;

namespace Ocm.Federation;

/// <summary>A remote OCM server this one has discovered or talked to (shown to operators, used for health).</summary>
internal sealed class Peer
{
    public long Id { get; set; }

    /// <summary>Normalized authority: lower-case host (punycode) plus <c>:port</c> when not default.</summary>
    public required string Host { get; set; }

    public string? Provider { get; set; }

    public string? ApiVersion { get; set; }

    /// <summary>The dialect the peer was detected to speak.</summary>
    public OcmDialect? Dialect { get; set; }

    /// <summary>Space-separated capabilities as advertised.</summary>
    public string Capabilities { get; set; } = "";

    /// <summary>Space-separated criteria as advertised.</summary>
    public string Criteria { get; set; } = "";

    public string? EndPoint { get; set; }

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset? LastDiscovered { get; set; }

    public DateTimeOffset? LastFailure { get; set; }

    public string? LastError { get; set; }
}

internal sealed class PeerConfiguration : IEntityTypeConfiguration<Peer>
{
    public void Configure(EntityTypeBuilder<Peer> builder)
    {
        builder.ToTable("peers");
        builder.HasIndex(p => p.Host).IsUnique();
        builder.Property(p => p.Host).HasMaxLength(300);
        builder.Property(p => p.Provider).HasMaxLength(200);
        builder.Property(p => p.ApiVersion).HasMaxLength(50);
        builder.Property(p => p.Dialect).HasConversion<string>().HasMaxLength(50);
        builder.Property(p => p.Capabilities).HasMaxLength(2000);
        builder.Property(p => p.Criteria).HasMaxLength(2000);
        builder.Property(p => p.EndPoint).HasMaxLength(2000);
        builder.Property(p => p.LastError).HasMaxLength(2000);
    }
}
