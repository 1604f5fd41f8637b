using System.Net.Http.Headers;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Signatures.Messages;

/// <summary>
/// Builds <see cref="HttpMessage"/> snapshots from <see cref="HttpRequestMessage"/> and
/// <see cref="HttpResponseMessage"/>, and writes signature headers back. Header values are taken in the form
/// HttpClient puts on the wire.
/// </summary>
public static class HttpMessageAdapters
{
    /// <summary>
    /// Snapshots a request, reading its content into memory (signing needs the exact bytes; OCM bodies are small).
    /// The content is replaced by a <see cref="ByteArrayContent"/> of the same bytes and headers, so it can still be
    /// sent with an explicit <c>Content-Length</c>.
    /// </summary>
    public static async Task<HttpMessage> FromRequestAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[]? body = null;
        if (request.Content is not null)
        {
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (request.Content is not ByteArrayContent)
            {
                var replacement = new ByteArrayContent(body);
                foreach (var header in request.Content.Headers.NonValidated)
                {
                    if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                request.Content.Dispose();
                request.Content = replacement;
            }
        }

        return FromRequest(request, body);
    }

    /// <summary>Snapshots a request whose content bytes the caller already has (or null for no body).</summary>
    public static HttpMessage FromRequest(HttpRequestMessage request, ReadOnlyMemory<byte>? body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no RequestUri.", nameof(request));
        var message = HttpMessage.CreateRequest(request.Method.Method, uri);
        if (request.Headers.Host is { Length: > 0 } host)
        {
            message.Authority = HttpMessage.NormalizeAuthority(message.Scheme, host);
        }

        CopyHeaders(request.Headers, message.Headers);
        if (request.Content is not null)
        {
            _ = request.Content.Headers.ContentLength; // computes Content-Length for buffered content
            CopyHeaders(request.Content.Headers, message.Headers);
        }

        message.Body = body;
        return message;
    }

    /// <summary>The most bytes <see cref="FromResponseAsync(HttpResponseMessage, CancellationToken)"/> reads of a response body: 1 MiB, far above any OCM answer.</summary>
    public const long DefaultMaxResponseBodyBytes = 1024 * 1024;

    /// <summary>
    /// Snapshots a response, reading its content (at most <see cref="DefaultMaxResponseBodyBytes"/>); the request it
    /// answers becomes the related request.
    /// </summary>
    /// <exception cref="ResponseTooLargeException">The body is larger than <see cref="DefaultMaxResponseBodyBytes"/>.</exception>
    public static Task<HttpMessage> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken = default) =>
        FromResponseAsync(response, DefaultMaxResponseBodyBytes, cancellationToken);

    /// <summary>
    /// Snapshots a response, reading its content into memory but never more than <paramref name="maxBodyBytes"/> (a
    /// peer's answer is untrusted input: verifying its signature needs the whole body, so the cap bounds what a peer
    /// can make us hold); the request it answers becomes the related request.
    /// </summary>
    /// <exception cref="ResponseTooLargeException">The body is larger than <paramref name="maxBodyBytes"/>.</exception>
    public static async Task<HttpMessage> FromResponseAsync(HttpResponseMessage response, long maxBodyBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBodyBytes);
        var body = await BoundedContent.ReadAsBytesAsync(response.Content, maxBodyBytes, cancellationToken).ConfigureAwait(false);
        var related = response.RequestMessage is { RequestUri: not null } request ? FromRequest(request, null) : null;
        var message = HttpMessage.CreateResponse((int)response.StatusCode, related);
        message.ReasonPhrase = response.ReasonPhrase;
        CopyHeaders(response.Headers, message.Headers);
        _ = response.Content.Headers.ContentLength;
        CopyHeaders(response.Content.Headers, message.Headers);
        CopyHeaders(response.TrailingHeaders, message.Trailers);
        message.Body = body;
        return message;
    }

    /// <summary>
    /// Copies the named fields of <paramref name="message"/> (e.g. <c>Content-Digest</c>, <c>Signature-Input</c>,
    /// <c>Signature</c>) onto <paramref name="request"/>, replacing existing values. Content headers go to the content.
    /// </summary>
    public static void CopyFieldsTo(HttpMessage message, HttpRequestMessage request, params ReadOnlySpan<string> names)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(request);
        foreach (var name in names)
        {
            var values = message.Headers.GetValues(name);
            if (values.Count == 0)
            {
                continue;
            }

            if (request.Headers.NonValidated.Contains(name))
            {
                request.Headers.Remove(name);
            }

            if (request.Content is not null && request.Content.Headers.NonValidated.Contains(name))
            {
                request.Content.Headers.Remove(name);
            }

            // HttpRequestHeaders refuses content headers (Content-Type, Content-Length...); those go on the content.
            if (!request.Headers.TryAddWithoutValidation(name, values)
                && (request.Content is null || !request.Content.Headers.TryAddWithoutValidation(name, values)))
            {
                throw new InvalidOperationException($"Header '{name}' cannot be set on this request.");
            }
        }
    }

    private static void CopyHeaders(HttpHeaders source, HttpFieldCollection target)
    {
        foreach (var header in source.NonValidated)
        {
            // HttpClient writes several values of one header on one line, joined with ", ".
            target.Add(header.Key, header.Value.Count == 1 ? header.Value.ToString() : string.Join(", ", header.Value));
        }
    }
}
