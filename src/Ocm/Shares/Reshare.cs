using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Shares;

/// <summary>Where a reshare a user asked for stands, as the user sees it.</summary>
internal enum ReshareState
{
    /// <summary>REQUEST_RESHARE is on its way to the owner's server (or waits in the outbox).</summary>
    Requested,

    /// <summary>The owner's server answered 201: it shared the resource with the third party.</summary>
    Created,

    /// <summary>The owner's server refused (or could not be reached until the deadline); <see cref="Reshare.Reason"/> says why.</summary>
    Refused,

    /// <summary>The user took it back (RESHARE_UNDO sent).</summary>
    Undone,
}

/// <summary>
/// A reshare one of our users asked for (OCM §Resharing): the recipient of a share from another server may not share
/// it further itself (R85), so it asks the owner's server with REQUEST_RESHARE, which makes the share to the third
/// party. Kept so the user sees what they asked for and what became of it, and can undo it (RESHARE_UNDO).
/// </summary>
internal sealed class Reshare
{
    public long Id { get; set; }

    /// <summary>The user who asked (the recipient of <see cref="ReceivedShareId"/>).</summary>
    public long UserId { get; set; }

    /// <summary>The received share that is being shared further.</summary>
    public long ReceivedShareId { get; set; }

    /// <summary>The third party's OCM address as normalised.</summary>
    public required string ShareWith { get; set; }

    public SharePermissions Permissions { get; set; }

    public ReshareState State { get; set; }

    /// <summary>Why it was refused, in words.</summary>
    public string? Reason { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }
}

internal sealed class ReshareConfiguration : IEntityTypeConfiguration<Reshare>
{
    public void Configure(EntityTypeBuilder<Reshare> builder)
    {
        builder.ToTable("reshares");
        builder.HasIndex(r => r.UserId);
        builder.HasIndex(r => r.ReceivedShareId);
        builder.Property(r => r.ShareWith).HasMaxLength(600);
        builder.Property(r => r.Reason).HasMaxLength(2000);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(30);
    }
}
