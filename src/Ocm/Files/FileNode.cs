using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Users;

namespace Ocm.Files;

/// <summary>
/// A file or folder in a user's tree. The tree lives here, in the database; contents live in the <see cref="IFileStore"/>
/// under <see cref="BlobId"/>, so a rename or move changes rows only and a file keeps its <see cref="Id"/> for life.
/// </summary>
internal sealed class FileNode
{
    /// <summary>The stable file id (<c>oc:fileid</c>): survives renames, moves and new contents.</summary>
    public long Id { get; set; }

    public long OwnerId { get; set; }

    /// <summary>Null for the user's root folder.</summary>
    public long? ParentId { get; set; }

    /// <summary>The last path segment; empty for the root.</summary>
    public required string Name { get; set; }

    /// <summary>The canonical <see cref="StoragePath"/> value.</summary>
    public required string Path { get; set; }

    /// <summary><see cref="StoragePath.Hash"/> of <see cref="Path"/>; what lookups use.</summary>
    public long PathHash { get; set; }

    public bool IsFolder { get; set; }

    /// <summary>Content length of a file; for a folder the total size of everything below it (<c>oc:size</c>, quota).</summary>
    public long Size { get; set; }

    public string? ContentType { get; set; }

    /// <summary>Opaque; changes with every content change of a file and every change anywhere below a folder.</summary>
    public required string ETag { get; set; }

    /// <summary>Where the content is in the file store; null for folders and empty files.</summary>
    public string? BlobId { get; set; }

    /// <summary>Lower-case hex SHA-1 of the content (files only), computed while it was received.</summary>
    public string? Sha1 { get; set; }

    /// <summary>Lower-case hex SHA-256 of the content (files only).</summary>
    public string? Sha256 { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Modified { get; set; }

    public StoragePath StoragePath => Files.StoragePath.TryParse(Path, out var path) == PathError.None ? path : throw new InvalidOperationException("Corrupt path in the database.");

    /// <summary>The quoted entity tag as it appears in headers and <c>getetag</c>.</summary>
    public string QuotedETag => "\"" + ETag + "\"";
}

internal sealed class FileNodeConfiguration : IEntityTypeConfiguration<FileNode>
{
    public void Configure(EntityTypeBuilder<FileNode> builder)
    {
        builder.ToTable("file_nodes");
        builder.HasOne<User>().WithMany().HasForeignKey(n => n.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<FileNode>().WithMany().HasForeignKey(n => n.ParentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(n => new { n.OwnerId, n.PathHash });
        builder.HasIndex(n => new { n.ParentId, n.Name }).IsUnique();
        // One root per user (ParentId is null only for roots; the unique index above does not cover nulls).
        builder.HasIndex(n => n.OwnerId).IsUnique().HasFilter("\"ParentId\" IS NULL").HasDatabaseName("IX_file_nodes_OwnerId_root");
        builder.Property(n => n.Name).HasMaxLength(StoragePath.MaxNameBytes);
        builder.Property(n => n.Path).HasMaxLength(StoragePath.MaxPathBytes);
        builder.Property(n => n.ContentType).HasMaxLength(255);
        builder.Property(n => n.ETag).HasMaxLength(64);
        builder.Property(n => n.BlobId).HasMaxLength(64);
        builder.Property(n => n.Sha1).HasMaxLength(40);
        builder.Property(n => n.Sha256).HasMaxLength(64);
        builder.Ignore(n => n.StoragePath);
        builder.Ignore(n => n.QuotedETag);
    }
}

/// <summary>A dead property (RFC 4918 §4): any XML a client stored on a file or folder with PROPPATCH; copied and moved with it.</summary>
internal sealed class FileProperty
{
    public long Id { get; set; }

    public long NodeId { get; set; }

    /// <summary>The namespace URI; empty for the null namespace.</summary>
    public required string Namespace { get; set; }

    public required string Name { get; set; }

    /// <summary>The whole property element as self-contained XML (its namespace declarations and <c>xml:lang</c> included).</summary>
    public required string Xml { get; set; }
}

internal sealed class FilePropertyConfiguration : IEntityTypeConfiguration<FileProperty>
{
    public void Configure(EntityTypeBuilder<FileProperty> builder)
    {
        builder.ToTable("file_properties");
        builder.HasOne<FileNode>().WithMany().HasForeignKey(p => p.NodeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => new { p.NodeId, p.Namespace, p.Name }).IsUnique();
        builder.Property(p => p.Namespace).HasMaxLength(1024);
        builder.Property(p => p.Name).HasMaxLength(255);
    }
}

/// <summary>Who holds a lock: a local user, or the remote recipient of a share (through <c>/dav/ocm/</c> with the share's secret).</summary>
internal enum LockPrincipalKind
{
    User,
    Share,
}

/// <summary>The holder of a lock; only they may use its token (RFC 4918 §6.4).</summary>
/// <param name="Kind">A user or a share.</param>
/// <param name="Id">The user's id, or the outgoing share's id.</param>
internal readonly record struct LockPrincipal(LockPrincipalKind Kind, long Id)
{
    public static LockPrincipal User(long userId) => new(LockPrincipalKind.User, userId);

    /// <summary>The recipient of a share: locks taken through it belong to the share, not to any local user.</summary>
    public static LockPrincipal Share(long shareId) => new(LockPrincipalKind.Share, shareId);
}

/// <summary>
/// A write lock (RFC 4918 §6–7) on a path of a user's tree. Locks belong to the path, not to a file: a lock may exist
/// on a path that nothing occupies yet, and it does not travel with a MOVE.
/// </summary>
internal sealed class FileLock
{
    public long Id { get; set; }

    /// <summary>The lock token, <c>urn:uuid:…</c>.</summary>
    public required string Token { get; set; }

    /// <summary>Whose tree the locked path is in.</summary>
    public long OwnerId { get; set; }

    /// <summary>The lock root (<see cref="StoragePath"/> value).</summary>
    public required string Path { get; set; }

    public long PathHash { get; set; }

    /// <summary>Depth infinity: the lock covers everything below the root too.</summary>
    public bool Deep { get; set; }

    public bool Exclusive { get; set; }

    /// <summary>Whether a user or a share's recipient took the lock (<see cref="Principal"/>).</summary>
    public LockPrincipalKind PrincipalKind { get; set; }

    /// <summary>The user's or the share's id (<see cref="Principal"/>).</summary>
    public long PrincipalId { get; set; }

    /// <summary>Who took the lock; only they may use its token.</summary>
    public LockPrincipal Principal
    {
        get => new(PrincipalKind, PrincipalId);
        set => (PrincipalKind, PrincipalId) = (value.Kind, value.Id);
    }

    /// <summary>The client's <c>DAV:owner</c> element as XML, returned as is in lock discovery.</summary>
    public string? OwnerXml { get; set; }

    public int TimeoutSeconds { get; set; }

    public DateTimeOffset Expires { get; set; }

    public StoragePath StoragePath => Files.StoragePath.TryParse(Path, out var path) == PathError.None ? path : throw new InvalidOperationException("Corrupt path in the database.");

    public bool Covers(StoragePath path)
    {
        var root = StoragePath;
        return root == path || (Deep && root.IsAncestorOf(path));
    }
}

internal sealed class FileLockConfiguration : IEntityTypeConfiguration<FileLock>
{
    public void Configure(EntityTypeBuilder<FileLock> builder)
    {
        builder.ToTable("file_locks");
        builder.HasOne<User>().WithMany().HasForeignKey(l => l.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(l => l.Token).IsUnique();
        builder.HasIndex(l => new { l.OwnerId, l.PathHash });
        builder.Property(l => l.Token).HasMaxLength(100);
        builder.Property(l => l.Path).HasMaxLength(StoragePath.MaxPathBytes);
        builder.Property(l => l.OwnerXml).HasMaxLength(8192);
        builder.Ignore(l => l.StoragePath);
        builder.Ignore(l => l.Principal);
        builder.Property(l => l.PrincipalKind).HasConversion<string>().HasMaxLength(10);
    }
}

/// <summary>One row: this installation's instance id, the suffix of every <c>oc:id</c>.</summary>
internal sealed class StorageInstance
{
    public int Id { get; set; }

    public required string InstanceId { get; set; }
}

internal sealed class StorageInstanceConfiguration : IEntityTypeConfiguration<StorageInstance>
{
    public void Configure(EntityTypeBuilder<StorageInstance> builder)
    {
        builder.ToTable("storage_instance");
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.InstanceId).HasMaxLength(32);
    }
}
