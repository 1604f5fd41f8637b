using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Shares;
using Ocm.Users;

namespace Ocm.RequestShares;

internal enum OutgoingShareRequestState
{
    /// <summary>The owner's server took the request (201); the owner has not shared yet.</summary>
    Sent = 0,

    /// <summary>A share from the owner arrived for the requester.</summary>
    Fulfilled = 1,

    /// <summary>The owner's server refused the request or could not be reached; <see cref="OutgoingShareRequest.Reason"/> says why.</summary>
    Failed = 2,
}

/// <summary>
/// A local user's request that someone on another server share a resource with them (<c>POST {endPoint}/request-share</c>
/// sent by <see cref="OutgoingShareRequests"/>, OCM 1.4 §Request for a Share), kept so the user sees what became of it.
/// </summary>
internal sealed class OutgoingShareRequest
{
    public long Id { get; set; }

    /// <summary>The local user who asks (<c>shareWith</c>).</summary>
    public long UserId { get; set; }

    /// <summary>Who is asked (<c>owner</c>), as a normalised OCM address.</summary>
    public required string Owner { get; set; }

    /// <summary>The owner's server (<c>host[:port]</c>).</summary>
    public required string OwnerProvider { get; set; }

    /// <summary>The resource as the user named it (<c>share</c>: a path, an opaque id or a URL).</summary>
    public required string Resource { get; set; }

    public OutgoingShareRequestState State { get; set; }

    /// <summary>For <see cref="OutgoingShareRequestState.Failed"/>: why, in words.</summary>
    public string? Reason { get; set; }

    /// <summary>For <see cref="OutgoingShareRequestState.Fulfilled"/>: the received share that answered it.</summary>
    public long? ReceivedShareId { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }
}

internal sealed class OutgoingShareRequestConfiguration : IEntityTypeConfiguration<OutgoingShareRequest>
{
    public void Configure(EntityTypeBuilder<OutgoingShareRequest> builder)
    {
        builder.ToTable("outgoing_share_requests");
        builder.HasIndex(r => new { r.UserId, r.State });
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ReceivedShare>().WithMany().HasForeignKey(r => r.ReceivedShareId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(r => r.Owner).HasMaxLength(700);
        builder.Property(r => r.OwnerProvider).HasMaxLength(300);
        builder.Property(r => r.Resource).HasMaxLength(ShareRequestConfiguration.MaxResourceLength);
        builder.Property(r => r.Reason).HasMaxLength(1000);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
    }
}
