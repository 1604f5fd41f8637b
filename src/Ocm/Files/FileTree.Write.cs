using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Ocm.Files;

// Receiving a file's content: streamed from the body into the IFileStore while it is hashed and counted
// against the limits, then committed (see FileTree.Commit.cs).
internal sealed partial class FileTree
{
    /// <summary>Body reads wait for at least this much, so the store sees large writes.</summary>
    private const int ReadChunk = 256 * 1024;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// Receives a file's content from <paramref name="body"/> and makes it the content at <see cref="FileWrite.Path"/>,
    /// atomically: readers see the old content until the new one is complete and committed.
    /// </summary>
    public async Task<WriteResult> WriteAsync(FileWrite request, PipeReader body, CancellationToken cancellationToken)
    {
        var (upload, failure) = await ReceiveAsync(request, body, cancellationToken);
        if (upload is null)
        {
            return new WriteResult(failure!.Value, null);
        }

        var committed = false;
        try
        {
            // The body is complete: a client that goes away now still gets its file (no half-finished commit).
            var result = await CommitWriteAsync(request, upload, CancellationToken.None);
            committed = result.Status is WriteStatus.Created or WriteStatus.Replaced;
            return result;
        }
        finally
        {
            if (!committed && upload.BlobId is not null)
            {
                await store.DeleteAsync(request.OwnerId, upload.BlobId, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Makes content already in the store (<see cref="StoreAsync"/>, or a chunked upload assembled by the store) the
    /// content at <see cref="FileWrite.Path"/>, after the checks a streamed write makes as it receives the body. The blob
    /// is deleted when it does not become the file's content.
    /// </summary>
    public async Task<WriteResult> CommitStoredAsync(FileWrite request, StoredContent content, CancellationToken cancellationToken)
    {
        var committed = false;
        try
        {
            WriteStatus? refused = content.Length > request.MaxBytes ? WriteStatus.TooLarge
                : request.DeclaredLength is long declared && declared != content.Length ? WriteStatus.IncompleteBody
                : request.ExpectedChecksum is { } checksum && !checksum.Matches(content.Sha1, content.Sha256) ? WriteStatus.ChecksumMismatch
                : null;
            if (refused is WriteStatus status)
            {
                return new WriteResult(status, null);
            }

            var result = await CommitWriteAsync(request, content, cancellationToken);
            committed = result.Status is WriteStatus.Created or WriteStatus.Replaced;
            return result;
        }
        finally
        {
            if (!committed && content.BlobId is not null)
            {
                await DeleteBlobsAsync(request.OwnerId, [content.BlobId]);
            }
        }
    }

    /// <summary>Streams <paramref name="source"/> into a new blob of <paramref name="store"/>, hashing it on the way; not yet any file's content.</summary>
    public static async Task<StoredContent> StoreAsync(IFileStore store, long ownerId, Stream source, CancellationToken cancellationToken)
    {
        var body = PipeReader.Create(source, new StreamPipeReaderOptions(bufferSize: ReadChunk, minimumReadSize: 64 * 1024, leaveOpen: true));
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var upload = await store.BeginUploadAsync(ownerId, cancellationToken);
        long total = 0;
        while (true)
        {
            var read = await body.ReadAtLeastAsync(ReadChunk, cancellationToken);
            total += read.Buffer.Length;
            if (!read.Buffer.IsEmpty)
            {
                await HashAndWriteAsync(read.Buffer, sha1, sha256, upload, cancellationToken);
            }

            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await body.CompleteAsync();
        var blobId = total == 0 ? null : await upload.CompleteAsync(cancellationToken);
        return new StoredContent(blobId, total, Convert.ToHexStringLower(sha1.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    /// <summary>Creates an empty file (e.g. a LOCK on an unmapped URL, RFC 4918 §7.3).</summary>
    public Task<WriteResult> CreateEmptyAsync(long ownerId, StoragePath path, CancellationToken cancellationToken) =>
        CommitWriteAsync(
            new FileWrite(ownerId, path, QuotaBytes: null, MaxBytes: 0, DeclaredLength: 0, MustNotExist: true),
            new StoredContent(null, 0, EmptySha1, EmptySha256),
            cancellationToken);

    /// <summary>The content type stored for a new file: the client's, else one guessed from the name.</summary>
    public static string ContentTypeFor(string name, string? declared)
    {
        if (!string.IsNullOrWhiteSpace(declared) && declared.Length <= 255 && declared.Contains('/', StringComparison.Ordinal)
            && !declared.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return declared;
        }

        return ContentTypes.TryGetContentType(name, out var guessed) ? guessed : "application/octet-stream";
    }

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients compare (oc:checksums), not a security control.
    private static readonly string EmptySha1 = Convert.ToHexStringLower(SHA1.HashData([]));
#pragma warning restore CA5350
    private static readonly string EmptySha256 = Convert.ToHexStringLower(SHA256.HashData([]));

    /// <summary>The stored content, or why the body was refused (then nothing is stored).</summary>
    private async Task<(StoredContent? Content, WriteStatus? Failure)> ReceiveAsync(FileWrite request, PipeReader body, CancellationToken cancellationToken)
    {
        var allowance = request.QuotaBytes is long quota
            ? quota - await UsedBytesAsync(request.OwnerId, cancellationToken) + (request.ReplacedSize ?? 0)
            : long.MaxValue;
        if (request.DeclaredLength is long declared)
        {
            if (declared > request.MaxBytes)
            {
                return (null, WriteStatus.TooLarge);
            }

            if (declared > allowance)
            {
                return (null, WriteStatus.QuotaExceeded);
            }
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var upload = request.DeclaredLength is > 0 and long length
            ? await store.BeginUploadAsync(request.OwnerId, length, cancellationToken)
            : await store.BeginUploadAsync(request.OwnerId, cancellationToken);
        long total = 0;
        while (true)
        {
            var read = await body.ReadAtLeastAsync(ReadChunk, cancellationToken);
            var buffer = read.Buffer;
            if (!buffer.IsEmpty)
            {
                total += buffer.Length;
                if (total > request.MaxBytes)
                {
                    return (null, WriteStatus.TooLarge);
                }

                if (total > allowance)
                {
                    return (null, WriteStatus.QuotaExceeded);
                }

                await HashAndWriteAsync(buffer, sha1, sha256, upload, cancellationToken);
            }

            body.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        if (request.DeclaredLength is long expected && total != expected)
        {
            return (null, WriteStatus.IncompleteBody);
        }

        var sha1Hex = Convert.ToHexStringLower(sha1.GetHashAndReset());
        var sha256Hex = Convert.ToHexStringLower(sha256.GetHashAndReset());
        if (request.ExpectedChecksum is { } checksum && !checksum.Matches(sha1Hex, sha256Hex))
        {
            return (null, WriteStatus.ChecksumMismatch);
        }

        // An empty file needs no blob; the upload is discarded on dispose.
        var blobId = total == 0 ? null : await upload.CompleteAsync(cancellationToken);
        return (new StoredContent(blobId, total, sha1Hex, sha256Hex), null);
    }

    private static async ValueTask HashAndWriteAsync(
        ReadOnlySequence<byte> buffer, IncrementalHash sha1, IncrementalHash sha256, IBlobUpload upload, CancellationToken cancellationToken)
    {
        // The write is started first and runs on the thread pool (file I/O is synchronous underneath), so hashing this
        // chunk overlaps with writing it; both only read the buffer, which stays valid until AdvanceTo.
        var write = upload.WriteAsync(buffer, cancellationToken);
        foreach (var segment in buffer)
        {
            sha1.AppendData(segment.Span);
            sha256.AppendData(segment.Span);
        }

        await write;
    }
}
