using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Users;

/// <summary>A local account: signs in with its password or one of its app passwords and owns a file tree.</summary>
internal sealed class User
{
    public long Id { get; set; }

    /// <summary>The login name as created (also the <c>{user}</c> segment of WebDAV URLs).</summary>
    public required string Name { get; set; }

    /// <summary><see cref="Name"/> lower-cased: logins are case-insensitive and two names may not differ only in case.</summary>
    public required string NormalizedName { get; set; }

    public string? DisplayName { get; set; }

    public string? Email { get; set; }

    /// <summary>The KDF output of <see cref="PasswordHashing"/>, never the password.</summary>
    public required string PasswordHash { get; set; }

    /// <summary>Storage quota in bytes; <c>null</c> means unlimited.</summary>
    public long? QuotaBytes { get; set; }

    public bool Disabled { get; set; }

    /// <summary>May use the admin pages of the web interface (users, peers, outbox, keys, trust).</summary>
    public bool IsAdmin { get; set; }

    /// <summary>
    /// Bumped whenever a credential stops being valid (password change, disable, app password revoked), so signed-in
    /// clients whose credentials were cached are checked again — also when the change came from another process.
    /// </summary>
    public int CredentialsVersion { get; set; }

    public DateTimeOffset Created { get; set; }

    public static string Normalize(string name) => name.ToLowerInvariant();
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasIndex(u => u.NormalizedName).IsUnique();
        builder.Property(u => u.Name).HasMaxLength(UserNames.MaxLength);
        builder.Property(u => u.NormalizedName).HasMaxLength(UserNames.MaxLength);
        builder.Property(u => u.DisplayName).HasMaxLength(200);
        builder.Property(u => u.Email).HasMaxLength(320);
        builder.Property(u => u.PasswordHash).HasMaxLength(500);
    }
}

/// <summary>A named, revocable password for one sync client or device; it signs in like the main password.</summary>
internal sealed class AppPassword
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public required string Label { get; set; }

    /// <summary>The KDF output of the app password, never the password.</summary>
    public required string PasswordHash { get; set; }

    public DateTimeOffset Created { get; set; }

    /// <summary>Last time the password was checked with the KDF (not every request: see <see cref="CredentialVerifier"/>).</summary>
    public DateTimeOffset? LastUsed { get; set; }

    /// <summary>
    /// Created in a web session that passed a second factor (Identity/Mfa/MfaSession.cs): only such app passwords open
    /// received shares that carry OCM's <c>must-use-mfa</c> requirement. False for every other way of creating one.
    /// </summary>
    public bool CreatedWithMfa { get; set; }
}

internal sealed class AppPasswordConfiguration : IEntityTypeConfiguration<AppPassword>
{
    public void Configure(EntityTypeBuilder<AppPassword> builder)
    {
        builder.ToTable("app_passwords");
        builder.HasIndex(a => a.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(a => a.Label).HasMaxLength(100);
        builder.Property(a => a.PasswordHash).HasMaxLength(500);
    }
}
