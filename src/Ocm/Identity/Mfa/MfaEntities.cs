using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Identity.Mfa;

/// <summary>A user's TOTP authenticator: its secret, sealed with the deployment secret, and the last step used.</summary>
internal sealed class TotpAuthenticator
{
    public long UserId { get; set; }

    /// <summary>The 160-bit secret sealed by <see cref="Hosting.DeploymentSecret"/> (AES-256-GCM, bound to the user id).</summary>
    public required string SealedSecret { get; set; }

    /// <summary>False until the user entered a first code from the app; an unconfirmed secret does not sign in.</summary>
    public bool Confirmed { get; set; }

    public DateTimeOffset Created { get; set; }

    /// <summary>
    /// The RFC 6238 time step of the last accepted code. A code is accepted only for a later step (RFC 6238 §5.2: a
    /// verifier must not accept the same OTP twice), decided by one conditional update, so two nodes cannot both accept it.
    /// </summary>
    public long LastUsedStep { get; set; }
}

/// <summary>A single-use recovery code, kept as a SHA-256 digest (the codes are random, 50 bits each).</summary>
internal sealed class MfaRecoveryCode
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public required string CodeHash { get; set; }

    public DateTimeOffset? Used { get; set; }
}

/// <summary>A user an admin requires to use a second factor (<c>ocm mfa require</c>), whatever <c>Ocm:Identity:Mfa:Required</c> says.</summary>
internal sealed class MfaRequiredUser
{
    public long UserId { get; set; }

    public DateTimeOffset Since { get; set; }
}

/// <summary>A group whose members an admin requires to use a second factor (<c>ocm mfa require --group NAME</c>).</summary>
internal sealed class MfaRequiredGroup
{
    public long GroupId { get; set; }

    public DateTimeOffset Since { get; set; }
}

internal sealed class MfaConfiguration :
    IEntityTypeConfiguration<TotpAuthenticator>, IEntityTypeConfiguration<MfaRecoveryCode>, IEntityTypeConfiguration<MfaRequiredUser>,
    IEntityTypeConfiguration<MfaRequiredGroup>
{
    public void Configure(EntityTypeBuilder<TotpAuthenticator> builder)
    {
        builder.ToTable("mfa_totp");
        builder.HasKey(t => t.UserId);
        builder.Property(t => t.UserId).ValueGeneratedNever();
        builder.Property(t => t.SealedSecret).HasMaxLength(200);
        builder.HasOne<User>().WithOne().HasForeignKey<TotpAuthenticator>(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<MfaRecoveryCode> builder)
    {
        builder.ToTable("mfa_recovery_codes");
        builder.Property(c => c.CodeHash).HasMaxLength(64);
        builder.HasIndex(c => new { c.UserId, c.CodeHash }).IsUnique();
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<MfaRequiredUser> builder)
    {
        builder.ToTable("mfa_required_users");
        builder.HasKey(r => r.UserId);
        builder.Property(r => r.UserId).ValueGeneratedNever();
        builder.HasOne<User>().WithOne().HasForeignKey<MfaRequiredUser>(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<MfaRequiredGroup> builder)
    {
        builder.ToTable("mfa_required_groups");
        builder.HasKey(r => r.GroupId);
        builder.Property(r => r.GroupId).ValueGeneratedNever();
        builder.HasOne<Groups.Group>().WithOne().HasForeignKey<MfaRequiredGroup>(r => r.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}
