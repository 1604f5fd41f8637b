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
}
