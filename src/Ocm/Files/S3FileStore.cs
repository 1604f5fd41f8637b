using System.Buffers;
using System.Globalization;
using Amazon.S3.Model;

namespace Ocm.Files;

/// <summary>
/// Blobs in an S3-compatible object store, one object each: <c>blobs/{ownerId}/{blobId}</c> in <see cref="S3Connection"/>.
/// <list type="bullet">
/// <item>A blob id is 128 random bits, so an object key is never reused: a new version of a file is a new object,
/// written completely before the file's row points at it (see <see cref="FileTree"/>), and the old object is kept as a
/// version (<c>FileTree.Versions.cs</c>) or deleted after the row changed. A reader therefore never sees a partial or replaced object.</item>
/// <item>Uploads are streamed: up to <see cref="S3StorageOptions.PartSizeBytes"/> is buffered and sent in one PUT;
/// anything larger becomes a multipart upload — sent part by part straight from the body when its length is known
/// (<see cref="StreamedUpload"/>), else each part buffered and sent as soon as it is full and before more of the body
/// is read, so an upload holds at most one part in memory, whatever the file's size. S3 makes an object visible only
/// when its PUT or CompleteMultipartUpload succeeded (S3 API reference, CompleteMultipartUpload).</item>
/// <item>Reads are ranged GETs (<see cref="S3ReadStream"/>); copies are server-side (CopyObject, or UploadPartCopy
/// above 5 GiB).</item>
/// <item>What a crash leaves behind — multipart uploads never completed, objects no row points at — is removed by
/// <see cref="SweepAsync"/>.</item>
/// </list>
/// </summary>
internal sealed partial class S3FileStore(S3Connection bucket, System.Security.Cryptography.RandomNumberGenerator random, ILogger<S3FileStore> logger) : IFileStore
{
    public const string BlobPrefix = "blobs/";

    public S3Connection Bucket => bucket;

    public async Task<IBlobUpload> BeginUploadAsync(long ownerId, CancellationToken cancellationToken)
    {
        await bucket.EnsureAsync(cancellationToken);
        return new Upload(bucket, BlobKey(ownerId, NewBlobId()));
    }

    public async Task<IBlobUpload> BeginUploadAsync(long ownerId, long length, CancellationToken cancellationToken)
    {
        // A body that fits in one part is sent in one PUT from the buffer; a larger one is streamed part by part.
        if (length <= bucket.Options.PartSizeBytes)
        {
            return await BeginUploadAsync(ownerId, cancellationToken);
        }

        await bucket.EnsureAsync(cancellationToken);
        return new StreamedUpload(bucket, BlobKey(ownerId, NewBlobId()), length);
    }

    public async Task<Stream> OpenReadAsync(long ownerId, string blobId, CancellationToken cancellationToken)
    {
        var key = BlobKey(ownerId, blobId);
        var length = await bucket.LengthAsync(key, cancellationToken);
        return new S3ReadStream(bucket, key, length);
    }

    public async Task<string> CopyAsync(long ownerId, string blobId, long targetOwnerId, CancellationToken cancellationToken)
    {
        var source = BlobKey(ownerId, blobId);
        var newId = NewBlobId();
        var target = BlobKey(targetOwnerId, newId);
        var length = await bucket.LengthAsync(source, cancellationToken);
        if (length <= S3StorageOptions.MaxPartBytes)
        {
            await bucket.CallAsync("copy an object", () => bucket.Client.CopyObjectAsync(
                new CopyObjectRequest { SourceBucket = bucket.Name, SourceKey = source, DestinationBucket = bucket.Name, DestinationKey = target },
                cancellationToken));
        }
        else
        {
            await using var assembly = new MultipartAssembly(bucket, target);
            foreach (var (first, last) in CopyRanges(0, length))
            {
                await assembly.CopyPartAsync(source, first, last, cancellationToken);
            }

            await assembly.CompleteAsync(cancellationToken);
        }

        return newId;
    }

    public Task DeleteAsync(long ownerId, string blobId, CancellationToken cancellationToken) =>
        bucket.DeleteAsync(BlobKey(ownerId, blobId), cancellationToken);

    public async Task DeleteOwnerAsync(long ownerId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in bucket.ListAsync(OwnerPrefix(ownerId), cancellationToken))
        {
            keys.Add(item.Key);
        }

        await bucket.DeleteManyAsync(keys, cancellationToken);
    }

    /// <summary>An object store has no free space to speak of; quotas are the limit.</summary>
    public long? AvailableBytes() => null;

    /// <summary>Asks the store for the bucket (HEAD): it answers, the credentials are accepted, the bucket exists.</summary>
    public Task CheckAsync(CancellationToken cancellationToken) =>
        bucket.CallAsync("look for the bucket", () => bucket.Client.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket.Name }, cancellationToken));

    public async Task<int> SweepAsync(
        Func<long, CancellationToken, Task<IReadOnlySet<string>?>> referencedBlobs, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await bucket.EnsureAsync(cancellationToken);
        var removed = await bucket.AbortStaleUploadsAsync(
            BlobPrefix, DateTime.UtcNow.AddSeconds(-bucket.Options.AbandonedMultipartSeconds), cancellationToken);

        // Keys come in key order, so each owner's blobs are listed together ("blobs/1/" sorts before "blobs/10/").
        var cutoff = DateTime.UtcNow - olderThan;
        var doomed = new List<string>();
        long? owner = null;
        IReadOnlySet<string>? referenced = null;
        await foreach (var item in bucket.ListAsync(BlobPrefix, cancellationToken))
        {
            if (!TryParseKey(item.Key, out var itemOwner, out var blobId))
            {
                continue;
            }

            if (itemOwner != owner)
            {
                owner = itemOwner;
                referenced = await referencedBlobs(itemOwner, cancellationToken);
            }

            var modified = item.LastModified?.ToUniversalTime() ?? DateTime.MaxValue;
            if ((referenced is null || !referenced.Contains(blobId)) && modified < cutoff)
            {
                doomed.Add(item.Key);
            }
        }

        removed += await bucket.DeleteManyAsync(doomed, cancellationToken);
        if (removed > 0)
        {
            Log.Swept(logger, removed);
        }

        return removed;
    }

    /// <summary>Whether a blob exists (for <c>ocm storage migrate</c>, which skips what was copied before).</summary>
    public async Task<long?> LengthAsync(long ownerId, string blobId, CancellationToken cancellationToken)
    {
        try
        {
            return await bucket.LengthAsync(BlobKey(ownerId, blobId), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores <paramref name="content"/> under a given blob id (<c>ocm storage migrate</c> keeps the ids the database
    /// holds) and returns its length and SHA-256, computed while it was sent.
    /// </summary>
    public async Task<(long Length, string Sha256)> ImportAsync(long ownerId, string blobId, Stream content, CancellationToken cancellationToken)
    {
        await bucket.EnsureAsync(cancellationToken);
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        await using var upload = new Upload(bucket, BlobKey(ownerId, blobId));
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        long length = 0;
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                await upload.WriteAsync(new ReadOnlySequence<byte>(buffer, 0, read), cancellationToken);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await upload.CompleteAsync(cancellationToken);
        return (length, Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    public static string BlobKey(long ownerId, string blobId)
    {
        if (blobId.Length != 32 || !blobId.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a blob id.", nameof(blobId));
        }

        return OwnerPrefix(ownerId) + blobId;
    }

    /// <summary>Ranges of at most 5 GiB, all but the last at least 5 MiB, covering <c>[offset, offset+length)</c>.</summary>
    internal static IEnumerable<(long First, long Last)> CopyRanges(long offset, long length)
    {
        var count = (length + S3StorageOptions.MaxPartBytes - 1) / S3StorageOptions.MaxPartBytes;
        var size = (length + count - 1) / count;
        for (var start = offset; start < offset + length; start += size)
        {
            yield return (start, Math.Min(start + size, offset + length) - 1);
        }
    }

    private static string OwnerPrefix(long ownerId) => BlobPrefix + ownerId.ToString(CultureInfo.InvariantCulture) + "/";

    private static bool TryParseKey(string key, out long ownerId, out string blobId)
    {
        blobId = "";
        ownerId = 0;
        var rest = key.AsSpan(BlobPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || !long.TryParse(rest[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out ownerId))
        {
            return false;
        }

        blobId = rest[(slash + 1)..].ToString();
        return blobId.Length == 32;
    }

    private string NewBlobId()
    {
        Span<byte> bytes = stackalloc byte[16];
        random.GetBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>
    /// One blob being written: bytes collect in a <see cref="PartBuffer"/>; a full part is sent (as part of a multipart
    /// upload started then) before the next byte is taken; complete sends what is left — in one PUT when nothing was
    /// sent yet. One buffer, not one being sent while another fills: while a part is on its way the client's bytes
    /// wait in its socket (TCP flow control), which costs little when the store is slower than the client — the usual
    /// case — and halves the memory an upload holds (docs/benchmarks.md, "WebDAV on the S3 object store").
    /// </summary>
    internal sealed class Upload(S3Connection bucket, string key) : IBlobUpload
    {
        private readonly long _partSize = bucket.Options.PartSizeBytes;
        private readonly List<PartETag> _parts = [];
        private readonly PartBuffer _filling = new();
        private string? _uploadId;
        private bool _completed;

        public string BlobId => key[(key.LastIndexOf('/') + 1)..];

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
        {
            foreach (var segment in data)
            {
                var span = segment;
                while (!span.IsEmpty)
                {
                    var take = (int)Math.Min(span.Length, _partSize - _filling.Length);
                    _filling.Append(span.Span[..take]);
                    span = span[take..];
                    if (_filling.Length == _partSize)
                    {
                        await SendFilledPartAsync(cancellationToken);
                    }
                }
            }
        }

        public async Task<string> CompleteAsync(CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                await bucket.CallAsync("store an object", () => bucket.Client.PutObjectAsync(
                    new PutObjectRequest { BucketName = bucket.Name, Key = key, InputStream = _filling.OpenRead() }, cancellationToken));
            }
            else
            {
                if (_filling.Length > 0)
                {
                    await SendFilledPartAsync(cancellationToken);
                }

                var uploadId = _uploadId;
                await bucket.CallAsync("complete a multipart upload", () => bucket.Client.CompleteMultipartUploadAsync(
                    new CompleteMultipartUploadRequest { BucketName = bucket.Name, Key = key, UploadId = uploadId, PartETags = _parts },
                    cancellationToken));
            }

            _completed = true;
            return BlobId;
        }

        public async ValueTask DisposeAsync()
        {
            _filling.Dispose();
            if (!_completed && _uploadId is not null)
            {
                await bucket.AbortAsync(key, _uploadId, CancellationToken.None);
            }
        }

        private async Task SendFilledPartAsync(CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                var started = await bucket.CallAsync("start a multipart upload", () => bucket.Client.InitiateMultipartUploadAsync(
                    new InitiateMultipartUploadRequest { BucketName = bucket.Name, Key = key }, cancellationToken));
                _uploadId = started.UploadId;
            }

            var number = _parts.Count + 1;
            var uploadId = _uploadId;
            var response = await bucket.CallAsync("store a part", () => bucket.Client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = bucket.Name,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = _filling.OpenRead(),
                    PartSize = _filling.Length,
                },
                cancellationToken));
            _parts.Add(new PartETag(number, response.ETag));
            _filling.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2340, LogLevel.Information, "Removed {Count} objects and multipart uploads from the object store that interrupted operations left unreferenced")]
        public static partial void Swept(ILogger logger, int count);
    }
}
