using System.Globalization;
using Ocm.Files;

namespace Ocm.SyncClients;

/// <summary>What is recorded about a chunked upload when it is started (MKCOL).</summary>
internal sealed record ChunkedUploadInfo(string TransferId, long? TotalLength, DateTimeOffset Created);

/// <summary>
/// One received chunk: its number (an index or a byte offset, depending on the client), length, and where the store
/// keeps it (a file path on the local disk, an object key in the object store).
/// </summary>
internal sealed record Chunk(long Number, long Length, string Location);

internal enum ChunkWriteStatus
{
    Stored,
    UploadMissing,
    TooLarge,
    QuotaExceeded,
    TooManyChunks,
    IncompleteBody,
}

/// <summary>
/// Chunks of sync clients' uploads in progress, kept where the file contents are (<c>Ocm:Storage:Provider</c>): on the
/// local disk (<see cref="LocalChunkStore"/>), or in the object store (<see cref="S3ChunkStore"/>), where every node of
/// a deployment sees them, so the chunks of one upload may arrive at different nodes and any node assembles them.
/// </summary>
internal interface IChunkStore
{
    Task<ChunkedUploadInfo?> FindAsync(long userId, string transferId, CancellationToken cancellationToken);

    /// <summary>Starts an upload; false when one with this id exists already.</summary>
    Task<bool> CreateAsync(long userId, string transferId, long? totalLength, CancellationToken cancellationToken);

    /// <summary>The uploads of a user (for a PROPFIND on the uploads collection).</summary>
    Task<IReadOnlyList<ChunkedUploadInfo>> ListAsync(long userId, CancellationToken cancellationToken);

    /// <summary>The chunks received so far, ordered by number.</summary>
    Task<IReadOnlyList<Chunk>> ChunksAsync(long userId, string transferId, CancellationToken cancellationToken);

    /// <summary>Bytes held in chunks by a user across all uploads (they count against the quota until assembled or removed).</summary>
    Task<long> BytesHeldAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// Receives one chunk. <paramref name="allowance"/> is how many bytes the chunk may have (upload and quota limits);
    /// a chunk sent again replaces the earlier one. A chunk is either stored completely or not at all.
    /// </summary>
    Task<ChunkWriteStatus> WriteChunkAsync(
        long userId, string transferId, long number, Stream body, long? declaredLength, long maxBytes, long allowance, CancellationToken cancellationToken);

    /// <summary>Removes one chunk; false when it did not exist.</summary>
    Task<bool> DeleteChunkAsync(long userId, string transferId, long number, CancellationToken cancellationToken);

    /// <summary>Removes an upload with its chunks; false when it did not exist.</summary>
    Task<bool> DeleteAsync(long userId, string transferId, CancellationToken cancellationToken);

    /// <summary>Removes uploads whose last chunk arrived longer ago than <see cref="SyncClientsOptions.AbandonedUploadSeconds"/>.</summary>
    Task<int> SweepAbandonedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="chunks"/>, in this order, one new blob of the <see cref="IFileStore"/> and returns it with
    /// its length and checksums; the chunks stay until the upload is deleted. Nothing is visible until the caller commits
    /// the blob (<see cref="FileTree.CommitStoredAsync"/>). <see cref="FileNotFoundException"/> when a chunk is gone.
    /// </summary>
    Task<StoredContent> AssembleAsync(long userId, string transferId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken);
}

/// <summary>Which transfer ids and chunk names are accepted; no client-supplied text ever names a file or object as is.</summary>
internal static class ChunkNames
{
    /// <summary>Transfer ids are opaque to us; any reasonably short, printable, slash-free name is accepted.</summary>
    public static bool IsValidTransferId(string id) =>
        id.Length is > 0 and <= 200 && id != "." && id != ".." && id.All(c => c > ' ' && c != '/' && c != '\\' && c != 0x7f);

    /// <summary>Chunk names are the decimal numbers clients send (16 digits, zero-padded); null when not one.</summary>
    public static long? ParseChunkName(string name) =>
        name.Length is > 0 and <= 19 && name.All(char.IsAsciiDigit) ? long.Parse(name, NumberStyles.None, CultureInfo.InvariantCulture) : null;
}
