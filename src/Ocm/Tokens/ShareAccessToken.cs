using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Tokens;

/// <summary>A short-lived bearer token issued by our token endpoint for one outgoing share; stored as a hash.</summary>
internal sealed class ShareAccessToken
{
    public long Id { get; set; }

    public long ShareId { get; set; }

    /// <summary>SHA-256 of the token.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The server the token was issued to (the verified signer, equal to the share's recipient host).</summary>
    public required string ClientHost { get; set; }

    public DateTimeOffset Issued { get; set; }

    public DateTimeOffset Expires { get; set; }
}

internal sealed class ShareAccessTokenConfiguration : IEntityTypeConfiguration<ShareAccessToken>
{
    public void Configure(EntityTypeBuilder<ShareAccessToken> builder)
    {
        builder.ToTable("share_access_tokens");
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => t.ShareId);
        builder.Property(t => t.TokenHash).HasMaxLength(100);
        builder.Property(t => t.ClientHost).HasMaxLength(300);
    }
}
