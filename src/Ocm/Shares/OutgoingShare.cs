using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Protocol.Shares;

namespace Ocm.Shares;

/// <summary>Where an outgoing share stands, as its owner sees it.</summary>
internal enum OutgoingShareState
{
    /// <summary>Written to the outbox; the recipient's server has not confirmed it yet.</summary>
    PendingDelivery,

    /// <summary>The recipient's server accepted the share creation notification (201).</summary>
    Delivered,

    Accepted,

    Declined,

    /// <summary>Delivery failed for good; <see cref="OutgoingShare.StateReason"/> says why.</summary>
    Failed,
}

/// <summary>Permission flags of a share (OCM §Share Creation Notification › Fields, <c>webdav.permissions</c>: read, write, share).</summary>
[Flags]
internal enum SharePermissions
{
    None = 0,
    Read = 1,
    Write = 2,
    Share = 4,
}

/// <summary>A file or folder of a local user shared with a user on another server.</summary>
internal sealed class OutgoingShare
{
    public long Id { get; set; }

    public long OwnerUserId { get; set; }

    /// <summary>The shared node (stable across renames and moves).</summary>
    public long FileId { get; set; }

    /// <summary>The name the recipient sees.</summary>
    public required string Name { get; set; }

    /// <summary><c>file</c> or <c>folder</c>.</summary>
    public required string ResourceType { get; set; }

    /// <summary>The recipient's OCM address as normalized (<c>bob@host[:port]</c>).</summary>
    public required string ShareWith { get; set; }

    /// <summary>The recipient server's authority (<c>host[:port]</c>).</summary>
    public required string RecipientHost { get; set; }

    /// <summary>Opaque id sent to the recipient; also the WebDAV id under <c>/dav/ocm/</c>.</summary>
    public required string ProviderId { get; set; }

    /// <summary>SHA-256 of the shared secret; the secret itself is only ever sent to the recipient.</summary>
    public required string SecretHash { get; set; }

    public SharePermissions Permissions { get; set; }

    public DateTimeOffset? Expiration { get; set; }

    /// <summary>The share requires the code flow: only exchanged tokens give access (<c>must-exchange-token</c>).</summary>
    public bool MustExchangeToken { get; set; }

    /// <summary>
    /// The recipient must have signed in with a second factor (<c>must-use-mfa</c>, OCM Appendix A): asked for by the
    /// owner or required for every share by <c>Ocm:Sharing:RequireMfa</c>; sent only to servers advertising <c>enforce-mfa</c>.
    /// </summary>
    public bool MustUseMfa { get; set; }

    public OutgoingShareState State { get; set; }

    /// <summary>Why delivery failed, in words (for <see cref="OutgoingShareState.Failed"/>).</summary>
    public string? StateReason { get; set; }

    /// <summary>The payload dialect the recipient was sent (decides how later notifications are phrased).</summary>
    public required ShareDialect Dialect { get; set; }

    public string? RecipientDisplayName { get; set; }

    /// <summary>
    /// For a reshare (OCM §Resharing, REQUEST_RESHARE): the recipient of <see cref="ReshareParentId"/> who asked for it,
    /// as an OCM address. It is the share's <c>sender</c>; the owner stays its owner. Null for the owner's own shares.
    /// </summary>
    public string? ResharedBy { get; set; }

    /// <summary>For a reshare: the owner's share to the resharer it was made from (its grant bounds this one).</summary>
    public long? ReshareParentId { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public bool IsExpired(DateTimeOffset now) => Expiration is { } expiration && expiration <= now;
}

internal sealed class OutgoingShareConfiguration : IEntityTypeConfiguration<OutgoingShare>
{
    public void Configure(EntityTypeBuilder<OutgoingShare> builder)
    {
        builder.ToTable("outgoing_shares");
        builder.HasIndex(s => s.ProviderId).IsUnique();
        builder.HasIndex(s => s.SecretHash).IsUnique();
        builder.HasIndex(s => s.OwnerUserId);
        builder.HasIndex(s => s.FileId);
        builder.Property(s => s.Name).HasMaxLength(1000);
        builder.Property(s => s.ResourceType).HasMaxLength(50);
        builder.Property(s => s.ShareWith).HasMaxLength(600);
        builder.Property(s => s.RecipientHost).HasMaxLength(300);
        builder.Property(s => s.ProviderId).HasMaxLength(100);
        builder.Property(s => s.SecretHash).HasMaxLength(100);
        builder.Property(s => s.StateReason).HasMaxLength(2000);
        builder.Property(s => s.Dialect).HasConversion<string>().HasMaxLength(50);
        builder.Property(s => s.RecipientDisplayName).HasMaxLength(300);
        builder.Property(s => s.ResharedBy).HasMaxLength(600);
        builder.HasIndex(s => s.ReshareParentId);
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(30);
    }
}
