using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Identity.LoginFlow;

/// <summary>
/// A started Login Flow v2: a client waits for its user to approve it in the browser. Both tokens are kept only as
/// SHA-256 digests (they are long random values, so a slow hash adds nothing), the row lives in the database so that
/// the client may poll any node, and it is deleted when the client collects its app password or when it expires.
/// </summary>
internal sealed class PendingLoginFlow
{
    public long Id { get; set; }

    /// <summary>SHA-256 (hex) of the token the client polls with.</summary>
    public required string PollTokenHash { get; set; }

    /// <summary>SHA-256 (hex) of the token in the browser URL.</summary>
    public required string LoginTokenHash { get; set; }

    /// <summary>What the client called itself (its User-Agent), shown on the approval page and used as the app password's name.</summary>
    public required string ClientName { get; set; }

    /// <summary>The client's address as counted for <see cref="LoginFlowOptions.MaxPendingPerAddress"/>.</summary>
    public required string StartedFrom { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Expires { get; set; }

    /// <summary>The user who approved the client in the browser; null while the flow waits.</summary>
    public long? ApprovedByUserId { get; set; }

    /// <summary>Whether that user's web session had passed a second factor when approving.</summary>
    public bool ApprovedWithMfa { get; set; }
}

internal sealed class PendingLoginFlowConfiguration : IEntityTypeConfiguration<PendingLoginFlow>
{
    public void Configure(EntityTypeBuilder<PendingLoginFlow> builder)
    {
        builder.ToTable("login_flows");
        builder.Property(f => f.PollTokenHash).HasMaxLength(64);
        builder.Property(f => f.LoginTokenHash).HasMaxLength(64);
        builder.Property(f => f.ClientName).HasMaxLength(100);
        builder.Property(f => f.StartedFrom).HasMaxLength(64);
        builder.HasIndex(f => f.PollTokenHash).IsUnique();
        builder.HasIndex(f => f.LoginTokenHash).IsUnique();
        builder.HasIndex(f => f.StartedFrom);
        builder.HasIndex(f => f.Expires);
        builder.HasOne<User>().WithMany().HasForeignKey(f => f.ApprovedByUserId).OnDelete(DeleteBehavior.Cascade);
    }
}
