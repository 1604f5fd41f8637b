using System.Buffers;
using System.IO.Pipelines;
using Amazon.S3.Model;

namespace Ocm.Files;

internal sealed partial class S3FileStore
{
    /// <summary>S3's largest number of parts in one multipart upload (S3 API reference, UploadPart).</summary>
    internal const int MaxParts = 10_000;

    /// <summary>
    /// The part size of a streamed upload of <paramref name="length"/> bytes: the configured one, or more (in whole MiB)
    /// when the file would otherwise need more than <see cref="MaxParts"/> parts. A streamed part is not held in memory,
    /// so its size costs nothing.
    /// </summary>
    internal static long StreamedPartSize(long length, long configured)
    {
        const long MiB = 1024 * 1024;
        var needed = (length + MaxParts - 1) / MaxParts;
        needed = (needed + MiB - 1) / MiB * MiB;
        return Math.Min(Math.Max(configured, needed), S3StorageOptions.MaxPartBytes);
    }

    /// <summary>
    /// A blob whose length is known before its first byte (a PUT with <c>Content-Length</c>, RFC 9110 §8.6), larger than
    /// one part: a multipart upload whose parts are sent while the body arrives, without a part buffer. Each part is one
    /// UploadPart request whose body is a read-once stream of exactly the part's length (<see cref="PartBodyStream"/>),
    /// fed from the writes through a small pipe (at most <see cref="PipeLimit"/> bytes wait in it); the caller hashes the bytes as before. The memory an
    /// upload holds no longer grows with the part size (docs/benchmarks.md, "Run S3").
    /// <para>The price: the SDK cannot send a part of a read-once stream again, so it does not retry a part that
    /// failed (a dropped connection, a 5xx of the store). The upload then fails as a whole — the multipart upload is
    /// aborted on dispose and nothing becomes visible — and the client retries its PUT. A body of unknown length
    /// (chunked transfer encoding) keeps the buffered <see cref="Upload"/>, whose parts the SDK can retry.</para>
    /// </summary>
    internal sealed class StreamedUpload(S3Connection bucket, string key, long length) : IBlobUpload
    {
        /// <summary>Bytes written but not yet read by the SDK before a write waits (pipe back-pressure).</summary>
        internal const int PipeLimit = 1024 * 1024;

        private readonly long _partSize = StreamedPartSize(length, bucket.Options.PartSizeBytes);
        private readonly List<PartETag> _parts = [];
        private string? _uploadId;
        private StreamedPart? _part;
        private long _written;
        private bool _completed;

        public string BlobId => key[(key.LastIndexOf('/') + 1)..];

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
        {
            if (data.Length > length - _written)
            {
                throw new IOException("The upload is longer than its declared length.");
            }

            foreach (var segment in data)
            {
                var rest = segment;
                while (!rest.IsEmpty)
                {
                    _part ??= await StartPartAsync(cancellationToken);
                    var take = (int)Math.Min(rest.Length, _part.Remaining);
                    await _part.WriteAsync(rest[..take], cancellationToken);
                    rest = rest[take..];
                    _written += take;
                    if (_part.Remaining == 0)
                    {
                        var part = _part;
                        _part = null;
                        _parts.Add(await part.FinishAsync());
                    }
                }
            }
        }

        public async Task<string> CompleteAsync(CancellationToken cancellationToken)
        {
            if (_written != length || _uploadId is null)
            {
                throw new IOException("The upload is shorter than its declared length.");
            }

            var uploadId = _uploadId;
            await bucket.CallAsync("complete a multipart upload", () => bucket.Client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = bucket.Name, Key = key, UploadId = uploadId, PartETags = _parts },
                cancellationToken));
            _completed = true;
            return BlobId;
        }

        public async ValueTask DisposeAsync()
        {
            if (_part is not null)
            {
                await _part.AbandonAsync();
                _part = null;
            }

            if (!_completed && _uploadId is not null)
            {
                await bucket.AbortAsync(key, _uploadId, CancellationToken.None);
            }
        }

        private async Task<StreamedPart> StartPartAsync(CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                var started = await bucket.CallAsync("start a multipart upload", () => bucket.Client.InitiateMultipartUploadAsync(
                    new InitiateMultipartUploadRequest { BucketName = bucket.Name, Key = key }, cancellationToken));
                _uploadId = started.UploadId;
            }

            var size = Math.Min(_partSize, length - _written);
            return new StreamedPart(bucket, key, _uploadId, _parts.Count + 1, size, cancellationToken);
        }
    }

    /// <summary>One UploadPart request in flight, reading its body from a pipe the writes fill.</summary>
    private sealed class StreamedPart
    {
        private readonly Pipe _pipe = new(new PipeOptions(
            pauseWriterThreshold: StreamedUpload.PipeLimit,
            resumeWriterThreshold: StreamedUpload.PipeLimit / 2,
            minimumSegmentSize: SegmentSize,
            useSynchronizationContext: false));

        /// <summary>
        /// The pipe's buffers (rented from the shared array pool). With the default 4 KiB a full pipe holds 256 of them,
        /// more than the pool keeps, so most rentals were new arrays and a 1 GiB upload produced ~1 GiB of garbage that
        /// the GC let grow to its whole gen0 budget; 16 buffers of 64 KiB stay in the pool (docs/benchmarks.md, run S4).
        /// </summary>
        private const int SegmentSize = 64 * 1024;

        private readonly Task<PartETag> _sent;

        public StreamedPart(S3Connection bucket, string key, string uploadId, int number, long size, CancellationToken cancellationToken)
        {
            Remaining = size;
            _sent = SendAsync(bucket, key, uploadId, number, size, cancellationToken);
        }

        public long Remaining { get; private set; }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            var flushed = await _pipe.Writer.WriteAsync(bytes, cancellationToken);
            Remaining -= bytes.Length;
            if (flushed.IsCompleted)
            {
                // The request stopped reading its body: it failed (its exception is rethrown here) or ended early.
                await _sent;
                throw new IOException("The object store took a part before all of its bytes were sent.");
            }
        }

        public async Task<PartETag> FinishAsync()
        {
            await _pipe.Writer.CompleteAsync();
            return await _sent;
        }

        /// <summary>Ends the request unfinished (the upload failed or the client went away); its failure is expected.</summary>
        public async Task AbandonAsync()
        {
            await _pipe.Writer.CompleteAsync(new IOException("The upload was abandoned."));
            await ((Task)_sent).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        private async Task<PartETag> SendAsync(S3Connection bucket, string key, string uploadId, int number, long size, CancellationToken cancellationToken)
        {
            // Returns to the constructor before the SDK starts reading the (still empty) pipe.
            await Task.Yield();
            try
            {
                var response = await bucket.CallAsync("store a part", () => bucket.Client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = bucket.Name,
                        Key = key,
                        UploadId = uploadId,
                        PartNumber = number,
                        InputStream = new PartBodyStream(_pipe.Reader, size),
                        PartSize = size,
                    },
                    cancellationToken));
                await _pipe.Reader.CompleteAsync();
                return new PartETag(number, response.ETag);
            }
            catch (Exception ex)
            {
                // Unblocks a write waiting for the pipe to drain; it then sees the failure.
                await _pipe.Reader.CompleteAsync(ex);
                throw;
            }
        }
    }

    /// <summary>
    /// The body of one streamed part: exactly <paramref name="length"/> bytes from the pipe, readable once. AWSSDK.S3 4.1
    /// accepts only a seekable UploadPart body (it wraps it to find the part's <c>Content-Length</c> from
    /// <see cref="Length"/> and <see cref="Position"/>), so this stream says it can seek, but a seek succeeds only to
    /// where it already is; a rewind — what the SDK does to retry a part — fails, and with it the upload.
    /// </summary>
    private sealed class PartBodyStream(PipeReader reader, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == length || buffer.IsEmpty)
            {
                return 0;
            }

            // Waits until the SDK's whole buffer (or the rest of the part) can be filled: one read per 80 KiB signed
            // chunk instead of one per few KiB that arrived, each of which cost the SDK's wrapper streams their async
            // state and tasks — garbage that grew the heap during a large upload (docs/benchmarks.md, run S4).
            var wanted = (int)Math.Min(buffer.Length, length - _position);
            var result = await reader.ReadAtLeastAsync(wanted, cancellationToken);
            var available = result.Buffer;
            if (available.IsEmpty && result.IsCompleted)
            {
                throw new IOException("The upload ended before the part was complete.");
            }

            var take = (int)Math.Min(Math.Min(buffer.Length, available.Length), length - _position);
            available.Slice(0, take).CopyTo(buffer.Span);
            reader.AdvanceTo(available.GetPosition(take));
            _position += take;
            return take;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("A streamed part is read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };
            return target == _position ? _position : throw new NotSupportedException("A streamed part cannot be read again.");
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
