using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Invites;

/// <summary>
/// An invite a local user created (OCM Appendix D "Invite": token, sender, createdTime, acceptedTime). Only the SHA-256
/// of the token is stored: the token itself is shown once, at creation.
/// </summary>
internal sealed class Invite
{
    public long Id { get; set; }

    /// <summary>The inviting local user (the Invite Sender).</summary>
    public long UserId { get; set; }

    /// <summary>Lower-case hex SHA-256 of the token (<see cref="InviteTokens.Hash"/>).</summary>
    public required string TokenHash { get; set; }

    /// <summary>The inviter's own note, e.g. who the invite is for.</summary>
    public string? Label { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Expires { get; set; }

    /// <summary>When the invite was accepted (it is single-use: a second acceptance is answered 409).</summary>
    public DateTimeOffset? Accepted { get; set; }

    /// <summary>The OCM address of whoever accepted it.</summary>
    public string? AcceptedBy { get; set; }
}

internal sealed class InviteConfiguration : IEntityTypeConfiguration<Invite>
{
    public const int MaxLabelLength = 200;

    public void Configure(EntityTypeBuilder<Invite> builder)
    {
        builder.ToTable("invites");
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.HasIndex(i => i.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(i => i.TokenHash).HasMaxLength(64);
        builder.Property(i => i.Label).HasMaxLength(MaxLabelLength);
        builder.Property(i => i.AcceptedBy).HasMaxLength(700);
    }
}

/// <summary>Invite tokens: 256 bits from the injected CSPRNG (OCM §Terms asks for a "hard-to-guess string"; 128 bits would do), stored hashed.</summary>
internal static class InviteTokens
{
    /// <summary>Longest token accepted from anyone (ours are 43 characters; other servers' tokens are not ours to check).</summary>
    public const int MaxLength = 512;

    public static string Create(RandomNumberGenerator random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.GetBytes(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>
    /// SHA-256 is enough for a 256-bit random token: nothing to brute-force, and a database leak reveals no usable
    /// token. Lookup is by this hash, so no token comparison happens in application code.
    /// </summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
