namespace Ocm.Protocol.Http;

/// <summary>Thrown when a peer's response body is larger than allowed.</summary>
public sealed class ResponseTooLargeException(long limit) : HttpRequestException($"The response is larger than the allowed {limit} bytes.")
{
    /// <summary>The cap that was exceeded, in bytes.</summary>
    public long Limit { get; } = limit;
}

/// <summary>Reads response bodies with a hard size cap, without trusting Content-Length.</summary>
public static class BoundedContent
{
    /// <summary>
    /// Reads the whole body into memory, failing as soon as it passes <paramref name="maxBytes"/>: a declared
    /// <c>Content-Length</c> above the cap fails before a byte is read, and a body that lies about its length (or is
    /// chunked) fails when the cap is crossed, so a hostile peer can make us hold at most <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="content">The response body; it is read to its end (or to the cap).</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="cancellationToken">Aborts the read.</param>
    /// <returns>The body's bytes, at most <paramref name="maxBytes"/> of them.</returns>
    /// <exception cref="ResponseTooLargeException">The body is larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> ReadAsBytesAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is long declared && declared > maxBytes)
        {
            throw new ResponseTooLargeException(maxBytes);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ResponseTooLargeException(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Opens the body for reading as it streams in, failing as soon as more than <paramref name="maxBytes"/> have been
    /// read (or, before any read, when a declared <c>Content-Length</c> is above the cap): for answers parsed as they
    /// arrive, such as a WebDAV multistatus, which must not be held whole nor read without end.
    /// </summary>
    /// <param name="content">The response body.</param>
    /// <param name="maxBytes">The most bytes that may be read.</param>
    /// <param name="cancellationToken">Aborts opening the body.</param>
    /// <returns>A read-only stream over the body; reading past the cap throws <see cref="ResponseTooLargeException"/>.</returns>
    /// <exception cref="ResponseTooLargeException">The declared length is larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<Stream> ReadAsStreamAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is long declared && declared > maxBytes)
        {
            throw new ResponseTooLargeException(maxBytes);
        }

        return new CappedStream(await content.ReadAsStreamAsync(cancellationToken), maxBytes);
    }

    private sealed class CappedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, Allowed(count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Asks for at most one byte beyond the cap, so that a body of exactly <c>maxBytes</c> reads to its end and
        /// a longer one is noticed without reading further.
        /// </summary>
        private int Allowed(int count)
        {
            if (count == 0)
            {
                return 0;
            }

            var left = maxBytes - _read + 1;
            return (int)Math.Max(1, Math.Min(count, left));
        }

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                throw new ResponseTooLargeException(maxBytes);
            }

            return read;
        }
    }
}
