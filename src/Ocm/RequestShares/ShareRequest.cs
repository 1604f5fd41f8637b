using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Shares;
using Ocm.Users;

namespace Ocm.RequestShares;

internal enum ShareRequestState
{
    /// <summary>Waiting for the owner.</summary>
    Open = 0,

    /// <summary>The owner dismissed it.</summary>
    Dismissed = 1,

    /// <summary>The owner shared the resource with the requester.</summary>
    Fulfilled = 2,
}

/// <summary>
/// A remote user's request that a local user share a resource with them (<c>POST /ocm/request-share</c>, OCM 1.4
/// §Request for a Share). The owner sees it in <c>GET /api/v1/share-requests</c> and shares or dismisses it.
/// </summary>
internal sealed class ShareRequest
{
    public long Id { get; set; }

    /// <summary>The local user asked to share (<c>owner</c>).</summary>
    public long OwnerUserId { get; set; }

    /// <summary>Who wants the share (<c>shareWith</c>), as an OCM address.</summary>
    public required string Requester { get; set; }

    /// <summary>The requester's server (<c>host[:port]</c> of <see cref="Requester"/>).</summary>
    public required string RequesterProvider { get; set; }

    /// <summary>The resource, as the requester named it (<c>share</c>: an opaque id or a URL).</summary>
    public required string Resource { get; set; }

    /// <summary>The verified signer of the request, or null when it came unsigned.</summary>
    public string? SignerHost { get; set; }

    public DateTimeOffset Received { get; set; }

    /// <summary>How many times the same request arrived (repeats are folded into one entry).</summary>
    public int Count { get; set; } = 1;

    public ShareRequestState State { get; set; }

    /// <summary>When it was dismissed or fulfilled.</summary>
    public DateTimeOffset? Closed { get; set; }

    /// <summary>For <see cref="ShareRequestState.Fulfilled"/>: the share the owner made for it (null once that share is revoked).</summary>
    public long? ShareId { get; set; }
}

internal sealed class ShareRequestConfiguration : IEntityTypeConfiguration<ShareRequest>
{
    public const int MaxResourceLength = 2000;

    public void Configure(EntityTypeBuilder<ShareRequest> builder)
    {
        builder.ToTable("share_requests");
        builder.HasIndex(r => new { r.OwnerUserId, r.State });
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.OwnerUserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<OutgoingShare>().WithMany().HasForeignKey(r => r.ShareId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(r => r.Requester).HasMaxLength(700);
        builder.Property(r => r.RequesterProvider).HasMaxLength(300);
        builder.Property(r => r.Resource).HasMaxLength(MaxResourceLength);
        builder.Property(r => r.SignerHost).HasMaxLength(300);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
    }
}
