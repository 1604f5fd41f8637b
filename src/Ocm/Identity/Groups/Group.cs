using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Identity.Groups;

/// <summary>
/// A named set of accounts. Local groups are managed by admins (<c>ocm group …</c>, the API, the admin page); a
/// provider's groups (<see cref="Issuer"/> set) come from its groups claim and their members are set at each sign-in,
/// never by hand — so the two kinds of membership never overwrite each other.
/// </summary>
internal sealed class Group
{
    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary><see cref="Name"/> lower-cased: two groups may not differ only in case.</summary>
    public required string NormalizedName { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>The OpenID provider (issuer) whose groups claim manages this group; <c>null</c> for a local group.</summary>
    public string? Issuer { get; set; }

    public DateTimeOffset Created { get; set; }

    public bool IsLocal => Issuer is null;

    public static string Normalize(string name) => name.ToLowerInvariant();
}

internal sealed class GroupMember
{
    public long GroupId { get; set; }

    public long UserId { get; set; }

    public DateTimeOffset Added { get; set; }
}

internal sealed class GroupConfiguration : IEntityTypeConfiguration<Group>
{
    public void Configure(EntityTypeBuilder<Group> builder)
    {
        builder.ToTable("groups");
        builder.HasIndex(g => g.NormalizedName).IsUnique();
        builder.Property(g => g.Name).HasMaxLength(GroupNames.MaxLength);
        builder.Property(g => g.NormalizedName).HasMaxLength(GroupNames.MaxLength);
        builder.Property(g => g.DisplayName).HasMaxLength(200);
        builder.Property(g => g.Issuer).HasMaxLength(500);
    }
}

internal sealed class GroupMemberConfiguration : IEntityTypeConfiguration<GroupMember>
{
    public void Configure(EntityTypeBuilder<GroupMember> builder)
    {
        builder.ToTable("group_members");
        builder.HasKey(m => new { m.GroupId, m.UserId });
        builder.HasIndex(m => m.UserId);
        builder.HasOne<Group>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>What a group name may look like. Providers send names such as <c>urn:mace:…:staff</c> or <c>/physics/staff</c>.</summary>
internal static class GroupNames
{
    public const int MaxLength = 200;

    /// <summary>1 to 200 printable characters without leading or trailing space.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name.Trim().Length == name.Length && !name.Any(char.IsControl);
}
