using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Contacts;

/// <summary>How a contact came into the address book (JSContact <c>ocmAddress.source</c>, OCM §IANA Considerations › JSContact Enum Values Registry).</summary>
internal enum ContactSource
{
    /// <summary>An invite was exchanged (either direction): the only source that satisfies <c>must-invite</c>.</summary>
    Invite = 0,

    /// <summary>Learned from a share (the user accepted a share from them, or shared with them).</summary>
    Share = 1,

    /// <summary>Typed in by the user (direct entry).</summary>
    Manual = 2,
}

/// <summary>
/// A remote user in a local user's address book (OCM Appendix D "Contact": userID, provider, name, email, addedDate).
/// Stored as a federated address, never as a local user (reva once stored them as local users: cs3org/reva#5414).
/// </summary>
internal sealed class Contact
{
    public long Id { get; set; }

    /// <summary>The local user whose address book this is.</summary>
    public long UserId { get; set; }

    /// <summary>The remote identifier, byte-exact (case-sensitive; may contain <c>@</c>).</summary>
    public required string RemoteUserId { get; set; }

    /// <summary>The remote server: <see cref="Protocol.Addressing.OcmAddress.Authority"/> (ASCII host, <c>:port</c> when given).</summary>
    public required string Provider { get; set; }

    /// <summary>The OCM address as shown and used for sharing, <c>RemoteUserId@Provider</c>.</summary>
    public required string Address { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Informational e-mail address as the remote server gave it (any domain).</summary>
    public string Email { get; set; } = "";

    public ContactSource Source { get; set; }

    public DateTimeOffset Added { get; set; }
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.ToTable("contacts");
        builder.HasIndex(c => new { c.UserId, c.Provider, c.RemoteUserId }).IsUnique();
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(c => c.RemoteUserId).HasMaxLength(Limits.RemoteUserId);
        builder.Property(c => c.Provider).HasMaxLength(Limits.Provider);
        builder.Property(c => c.Address).HasMaxLength(Limits.RemoteUserId + 1 + Limits.Provider);
        builder.Property(c => c.Name).HasMaxLength(Limits.Name);
        builder.Property(c => c.Email).HasMaxLength(Limits.Email);
        builder.Property(c => c.Source).HasConversion<string>().HasMaxLength(20);
    }

    /// <summary>Column sizes; longer values from peers are cut (names) or refused (identifiers).</summary>
    internal static class Limits
    {
        public const int RemoteUserId = 320;
        public const int Provider = 300;
        public const int Name = 200;
        public const int Email = 320;
    }
}
