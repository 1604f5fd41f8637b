using System.Buffers;

namespace Ocm.Files;

/// <summary>
/// Where file contents live, as immutable blobs named by id, one namespace per owner. The file tree (names, folders,
/// ETags, checksums) is in the database; this seam only stores bytes, so an S3-compatible backend can replace
/// <see cref="LocalFileStore"/>: an upload maps to a multipart upload, <see cref="IBlobUpload.CompleteAsync"/> to
/// completing it, <see cref="CopyAsync"/> to a server-side copy.
/// </summary>
internal interface IFileStore
{
    /// <summary>
    /// Starts a new blob. Nothing is visible until <see cref="IBlobUpload.CompleteAsync"/> returns its id; disposing an
    /// upload that was not completed (cancelled, failed, too large) discards everything written.
    /// </summary>
    Task<IBlobUpload> BeginUploadAsync(long ownerId, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a new blob of exactly <paramref name="length"/> bytes (the request declared it), so a backend may pass
    /// the bytes on as they arrive instead of buffering them; completing after more or fewer bytes fails.
    /// </summary>
    Task<IBlobUpload> BeginUploadAsync(long ownerId, long length, CancellationToken cancellationToken) =>
        BeginUploadAsync(ownerId, cancellationToken);

    /// <summary>Opens a blob for reading. Seekable when the backend can (ranges are then served without reading ahead).</summary>
    Task<Stream> OpenReadAsync(long ownerId, string blobId, CancellationToken cancellationToken);

    /// <summary>Copies a blob and returns the new blob's id.</summary>
    Task<string> CopyAsync(long ownerId, string blobId, long targetOwnerId, CancellationToken cancellationToken);

    /// <summary>Deletes a blob; a missing blob is not an error.</summary>
    Task DeleteAsync(long ownerId, string blobId, CancellationToken cancellationToken);

    /// <summary>Deletes every blob of an owner (the user was deleted).</summary>
    Task DeleteOwnerAsync(long ownerId, CancellationToken cancellationToken);

    /// <summary>Free bytes for new contents, or null when the backend has no meaningful limit.</summary>
    long? AvailableBytes();

    /// <summary>
    /// Checks that the store takes writes now (the readiness probe, <c>GET /readyz</c>); throws an
    /// <see cref="IOException"/> whose message names the problem (never a key or secret) when it does not.
    /// </summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes what a crash can leave behind: abandoned uploads, and blobs older than <paramref name="olderThan"/> that
    /// <paramref name="referencedBlobs"/> does not list for their owner (written, then the database change did not
    /// happen); all blobs of an owner it returns null for (the user is gone). Returns how many were removed.
    /// </summary>
    Task<int> SweepAsync(
        Func<long, CancellationToken, Task<IReadOnlySet<string>?>> referencedBlobs, TimeSpan olderThan, CancellationToken cancellationToken);
}

/// <summary>An upload in progress. Write in order, then complete; dispose always.</summary>
internal interface IBlobUpload : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the content durable and visible under a new blob id, which it returns.</summary>
    Task<string> CompleteAsync(CancellationToken cancellationToken);
}
