using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3.Model;

namespace Ocm.Files;

// Assembling a blob from other objects (the chunks of a sync client's upload) inside the object store.
internal sealed partial class S3FileStore
{
    /// <summary>Server-side part copies running at once while the sources are read for their checksums.</summary>
    private const int ParallelCopies = 4;

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients compare (oc:checksums), not a security control.
    private static readonly string EmptySha1 = Convert.ToHexStringLower(SHA1.HashData([]));
#pragma warning restore CA5350
    private static readonly string EmptySha256 = Convert.ToHexStringLower(SHA256.HashData([]));

    /// <summary>
    /// A new blob whose content is <paramref name="sources"/> (objects of this bucket) one after the other, made as a
    /// multipart upload without sending the bytes again where S3 allows it: every stretch of at least 5 MiB that starts
    /// on a part boundary is copied inside the store (UploadPartCopy); only runs of smaller sources (S3 wants every
    /// part but the last to be 5 MiB or more) are sent as parts from here. The sources are read once, in order, for the
    /// SHA-1 and SHA-256 of the whole (and for those small runs), while the copies run.
    /// </summary>
    public async Task<StoredContent> AssembleAsync(long ownerId, IReadOnlyList<(string Key, long Length)> sources, CancellationToken cancellationToken)
    {
        var total = sources.Sum(s => s.Length);
        if (total == 0)
        {
            return new StoredContent(null, 0, EmptySha1, EmptySha256);
        }

        await bucket.EnsureAsync(cancellationToken);
        var blobId = NewBlobId();
        var key = BlobKey(ownerId, blobId);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var assembly = new MultipartAssembly(bucket, key);
        using var pending = new PartBuffer();
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            for (var i = 0; i < sources.Count; i++)
            {
                var (sourceKey, length) = sources[i];
                var isLast = i == sources.Count - 1;
                await using var reader = await OpenSourceAsync(sourceKey, length, cancellationToken);
                long offset = 0;
                while (offset < length)
                {
                    var remaining = length - offset;
                    if (pending.Length == 0 && (remaining >= S3StorageOptions.MinPartBytes || (isLast && assembly.HasParts)))
                    {
                        // On a part boundary with enough left: the store copies this stretch itself.
                        foreach (var (first, last) in CopyRanges(offset, remaining))
                        {
                            await assembly.StartCopyPartAsync(sourceKey, first, last, ParallelCopies, cancellationToken);
                        }

                        await HashAsync(reader, remaining, buffer, sha1, sha256, null, cancellationToken);
                        offset = length;
                    }
                    else
                    {
                        // A small stretch joins the part being sent from here until it is large enough.
                        var take = Math.Min(remaining, bucket.Options.PartSizeBytes - pending.Length);
                        await HashAsync(reader, take, buffer, sha1, sha256, pending, cancellationToken);
                        offset += take;
                        if (pending.Length == bucket.Options.PartSizeBytes)
                        {
                            await assembly.UploadPartAsync(pending, cancellationToken);
                            pending.Clear();
                        }
                    }
                }
            }

            if (!assembly.HasParts)
            {
                // Everything was small: one PUT.
                await bucket.CallAsync("store an object", () => bucket.Client.PutObjectAsync(
                    new PutObjectRequest { BucketName = bucket.Name, Key = key, InputStream = pending.OpenRead() }, cancellationToken));
            }
            else
            {
                if (pending.Length > 0)
                {
                    await assembly.UploadPartAsync(pending, cancellationToken);
                }

                await assembly.CompleteAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new StoredContent(blobId, total, Convert.ToHexStringLower(sha1.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    private async Task<Stream> OpenSourceAsync(string key, long length, CancellationToken cancellationToken)
    {
        // One GET for the whole source: it is read to its end in order.
        if (length == 0)
        {
            return Stream.Null;
        }

        var response = await bucket.CallAsync("read an object", () => bucket.Client.GetObjectAsync(
            new GetObjectRequest { BucketName = bucket.Name, Key = key }, cancellationToken));
        return new ResponseStream(response);
    }

    private async Task HashAsync(
        Stream source, long count, byte[] buffer, IncrementalHash sha1, IncrementalHash sha256, PartBuffer? keep, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            int read;
            try
            {
                read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonClientException)
            {
                throw new IOException($"Reading from the object store ({bucket.Description}) failed.", ex);
            }

            if (read == 0)
            {
                throw new IOException($"An object in the store ({bucket.Description}) is shorter than it was listed.");
            }

            sha1.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
            keep?.Append(buffer.AsSpan(0, read));
            count -= read;
        }
    }

    /// <summary>A GET's body that also releases the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            response.ResponseStream.ReadAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the object store asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// A multipart upload built from server-side part copies and parts sent from here, numbered in the order they are
/// added. Disposing it without <see cref="CompleteAsync"/> aborts it (the store drops its parts).
/// </summary>
internal sealed class MultipartAssembly(S3Connection bucket, string key) : IAsyncDisposable
{
    private readonly List<Task<PartETag>> _parts = [];
    private SemaphoreSlim? _limit;
    private string? _uploadId;
    private bool _done;

    public bool HasParts => _parts.Count > 0;

    /// <summary>Copies bytes <paramref name="first"/>…<paramref name="last"/> of another object as the next part, and waits for it.</summary>
    public async Task CopyPartAsync(string sourceKey, long first, long last, CancellationToken cancellationToken)
    {
        await StartCopyPartAsync(sourceKey, first, last, 1, cancellationToken);
        await _parts[^1];
    }

    /// <summary>Starts copying bytes <paramref name="first"/>…<paramref name="last"/> of another object as the next part; at most <paramref name="parallel"/> run at once.</summary>
    public async Task StartCopyPartAsync(string sourceKey, long first, long last, int parallel, CancellationToken cancellationToken)
    {
        var uploadId = await StartAsync(cancellationToken);
        _limit ??= new SemaphoreSlim(parallel);
        await _limit.WaitAsync(cancellationToken);
        var number = _parts.Count + 1;
        _parts.Add(CopyAsync());

        async Task<PartETag> CopyAsync()
        {
            try
            {
                var response = await bucket.CallAsync("copy a part", () => bucket.Client.CopyPartAsync(
                    new CopyPartRequest
                    {
                        SourceBucket = bucket.Name,
                        SourceKey = sourceKey,
                        DestinationBucket = bucket.Name,
                        DestinationKey = key,
                        UploadId = uploadId,
                        PartNumber = number,
                        FirstByte = first,
                        LastByte = last,
                    },
                    cancellationToken));
                return new PartETag(number, response.ETag);
            }
            finally
            {
                _limit.Release();
            }
        }
    }

    /// <summary>Sends <paramref name="part"/> as the next part and waits for it (the caller reuses the buffer).</summary>
    public async Task UploadPartAsync(PartBuffer part, CancellationToken cancellationToken)
    {
        var uploadId = await StartAsync(cancellationToken);
        var number = _parts.Count + 1;
        var response = await bucket.CallAsync("store a part", () => bucket.Client.UploadPartAsync(
            new UploadPartRequest { BucketName = bucket.Name, Key = key, UploadId = uploadId, PartNumber = number, InputStream = part.OpenRead(), PartSize = part.Length },
            cancellationToken));
        _parts.Add(Task.FromResult(new PartETag(number, response.ETag)));
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var parts = await Task.WhenAll(_parts);
        var uploadId = await StartAsync(cancellationToken);
        await bucket.CallAsync("complete a multipart upload", () => bucket.Client.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest { BucketName = bucket.Name, Key = key, UploadId = uploadId, PartETags = [.. parts] },
            cancellationToken));
        _done = true;
    }

    public async ValueTask DisposeAsync()
    {
        await ((Task)Task.WhenAll(_parts)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_done && _uploadId is not null)
        {
            await bucket.AbortAsync(key, _uploadId, CancellationToken.None);
        }

        _limit?.Dispose();
    }

    private async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var started = await bucket.CallAsync("start a multipart upload", () => bucket.Client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = bucket.Name, Key = key }, cancellationToken));
            _uploadId = started.UploadId;
        }

        return _uploadId;
    }
}
