using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Identity;

/// <summary>
/// The stable link between an account and a provider's account: the issuer and subject of its ID tokens, which
/// OpenID Connect Core 1.0 §5.7 names as the only claims that identify an end-user reliably. The user name and e-mail
/// may change at the provider; the account stays the same.
/// </summary>
internal sealed class ExternalLogin
{
    public long Id { get; set; }

    public long UserId { get; set; }

    /// <summary>The <c>iss</c> of the provider's ID tokens.</summary>
    public required string Issuer { get; set; }

    /// <summary>The <c>sub</c>: unique and never reassigned within the issuer.</summary>
    public required string Subject { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset? LastSignIn { get; set; }
}

internal sealed class ExternalLoginConfiguration : IEntityTypeConfiguration<ExternalLogin>
{
    public void Configure(EntityTypeBuilder<ExternalLogin> builder)
    {
        builder.ToTable("external_logins");
        builder.HasIndex(l => new { l.Issuer, l.Subject }).IsUnique();
        builder.HasIndex(l => l.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);

        // OpenID Connect Core 1.0 §2: sub is at most 255 ASCII characters.
        builder.Property(l => l.Issuer).HasMaxLength(500);
        builder.Property(l => l.Subject).HasMaxLength(255);
    }
}
