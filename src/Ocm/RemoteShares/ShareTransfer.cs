using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.RemoteShares;

internal enum ShareTransferState
{
    /// <summary>Waiting for its first or next attempt (<see cref="ShareTransfer.NextAttemptAt"/>).</summary>
    Queued,

    /// <summary>Copied and verified; every file is in the recipient's tree.</summary>
    Done,

    /// <summary>Given up; <see cref="ShareTransfer.Error"/> says why.</summary>
    Failed,
}

/// <summary>
/// A copy of a received share into the recipient's own tree (OCM <c>accessTypes: ["datatx"]</c>): the remote tree is
/// listed once into <see cref="ShareTransferFile"/> rows, then each file is fetched into a part file with ranged GETs and
/// committed through <see cref="Files.FileTree"/> (quota applies) after its checksum is checked. Progress is stored
/// here, so a restart of either server resumes where the copy stood (src/Ocm/RemoteShares/ShareTransferWorker.cs).
/// </summary>
internal sealed class ShareTransfer
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public long ReceivedShareId { get; set; }

    /// <summary>The share's name when the copy was asked for (shown after the share is gone).</summary>
    public required string ShareName { get; set; }

    /// <summary>The folder (or file) in the recipient's tree the copy goes to; it did not exist when the copy was asked for.</summary>
    public required string Destination { get; set; }

    public ShareTransferState State { get; set; }

    /// <summary>True once the remote tree has been listed into <see cref="ShareTransferFile"/> rows.</summary>
    public bool Listed { get; set; }

    public long BytesTotal { get; set; }

    /// <summary>Bytes fetched so far, including those of the file in progress that are already on disk.</summary>
    public long BytesDone { get; set; }

    public int FilesTotal { get; set; }

    public int FilesDone { get; set; }

    /// <summary>Files whose content was checked against a checksum the sender offered; the others against their size only.</summary>
    public int FilesVerifiedByChecksum { get; set; }

    /// <summary>Attempts that ended in a temporary failure since the last progress.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>The last temporary failure while queued, or why the copy failed.</summary>
    public string? Error { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public DateTimeOffset? Finished { get; set; }
}

/// <summary>One file or folder of a <see cref="ShareTransfer"/>, as the sender listed it.</summary>
internal sealed class ShareTransferFile
{
    public long Id { get; set; }

    public long TransferId { get; set; }

    /// <summary>The path below the share's root, e.g. <c>/data/part-1.bin</c>.</summary>
    public required string Path { get; set; }

    public bool IsFolder { get; set; }

    public long Size { get; set; }

    /// <summary>The sender's <c>oc:checksums</c> value from the listing, if any.</summary>
    public string? Checksums { get; set; }

    /// <summary>The sender's ETag from the listing: a ranged GET continues only while it still matches (RFC 9110 §13.1.5 If-Range).</summary>
    public string? ETag { get; set; }

    public bool Done { get; set; }
}

internal sealed class ShareTransferConfiguration : IEntityTypeConfiguration<ShareTransfer>
{
    public void Configure(EntityTypeBuilder<ShareTransfer> builder)
    {
        builder.ToTable("share_transfers");
        builder.HasIndex(t => new { t.State, t.NextAttemptAt });
        builder.HasIndex(t => t.UserId);
        builder.Property(t => t.ShareName).HasMaxLength(1000);
        builder.Property(t => t.Destination).HasMaxLength(4000);
        builder.Property(t => t.Error).HasMaxLength(2000);
        builder.Property(t => t.State).HasConversion<string>().HasMaxLength(20);
    }
}

internal sealed class ShareTransferFileConfiguration : IEntityTypeConfiguration<ShareTransferFile>
{
    public void Configure(EntityTypeBuilder<ShareTransferFile> builder)
    {
        builder.ToTable("share_transfer_files");
        builder.HasIndex(f => new { f.TransferId, f.Done });
        builder.HasOne<ShareTransfer>().WithMany().HasForeignKey(f => f.TransferId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(f => f.Path).HasMaxLength(4000);
        builder.Property(f => f.Checksums).HasMaxLength(1000);
        builder.Property(f => f.ETag).HasMaxLength(300);
    }
}
