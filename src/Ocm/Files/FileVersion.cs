using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Files;

/// <summary>
/// An earlier content of a file, kept when the file was overwritten. Contents are immutable blobs (see
/// <see cref="IFileStore"/>): a new content is always a new blob, so keeping the old one is only this row pointing at
/// the blob the file pointed at before — nothing is copied, on disk or in an object store.
/// </summary>
internal sealed class FileVersion
{
    public long Id { get; set; }

    public long OwnerId { get; set; }

    /// <summary>The file (<see cref="FileNode.Id"/>) this was a content of; the version goes with the file.</summary>
    public long FileId { get; set; }

    /// <summary>The content's blob (never null: empty contents are not kept).</summary>
    public required string BlobId { get; set; }

    public long Size { get; set; }

    public string? ContentType { get; set; }

    public string? Sha1 { get; set; }

    public string? Sha256 { get; set; }

    /// <summary>The ETag the file had with this content.</summary>
    public required string ETag { get; set; }

    /// <summary>The modification time the file had with this content (what clients show as the version's time).</summary>
    public DateTimeOffset Modified { get; set; }

    /// <summary>When it stopped being the current content.</summary>
    public DateTimeOffset Replaced { get; set; }

    /// <summary>A name the user gave the version (<c>nc:version-label</c>); a named version never expires by itself.</summary>
    public string? Label { get; set; }
}

internal sealed class FileVersionConfiguration : IEntityTypeConfiguration<FileVersion>
{
    public void Configure(EntityTypeBuilder<FileVersion> builder)
    {
        builder.ToTable("file_versions");
        builder.HasOne<FileNode>().WithMany().HasForeignKey(v => v.FileId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => v.FileId);
        builder.HasIndex(v => v.OwnerId);
        builder.Property(v => v.BlobId).HasMaxLength(64);
        builder.Property(v => v.ContentType).HasMaxLength(255);
        builder.Property(v => v.Sha1).HasMaxLength(40);
        builder.Property(v => v.Sha256).HasMaxLength(64);
        builder.Property(v => v.ETag).HasMaxLength(64);
        builder.Property(v => v.Label).HasMaxLength(255);
    }
}

/// <summary>
/// Section <c>Ocm:Versions</c>: keeping earlier contents of overwritten files, and when they expire. The policy has
/// Nextcloud's shape: the older a version, the fewer are kept (see <see cref="VersionExpiry"/>).
/// </summary>
internal sealed record VersionsOptions
{
    public const string Section = "Ocm:Versions";

    /// <summary>Keep the previous content of a file when it is overwritten. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Versions older than this many days expire (named ones excepted); 0 (the default) keeps them by the thinning policy alone.</summary>
    public int MaxAgeDays { get; init; }

    /// <summary>
    /// The share of a user's quota (percent) their versions may take together; beyond it the oldest expire first. Default 50.
    /// Users without a quota are not limited by space.
    /// </summary>
    public int QuotaPercent { get; init; } = 50;

    /// <summary>How often expiry runs (seconds, on one node of a cluster at a time). Default 3600.</summary>
    public int ExpiryIntervalSeconds { get; init; } = 3600;

    public IEnumerable<string> Validate()
    {
        if (MaxAgeDays < 0)
        {
            yield return "Ocm:Versions:MaxAgeDays must be 0 (no limit) or a positive number of days.";
        }

        if (QuotaPercent is < 0 or > 100)
        {
            yield return "Ocm:Versions:QuotaPercent must be between 0 and 100.";
        }

        if (ExpiryIntervalSeconds < 1)
        {
            yield return "Ocm:Versions:ExpiryIntervalSeconds must be at least 1.";
        }
    }
}
