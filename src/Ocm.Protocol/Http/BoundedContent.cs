namespace Ocm.Protocol.Http;

/// <summary>Thrown when a peer's response body is larger than allowed.</summary>
public sealed class ResponseTooLargeException(long limit) : HttpRequestException($"The response is larger than the allowed {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>Reads response bodies with a hard size cap, without trusting Content-Length.</summary>
public static class BoundedContent
{
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
