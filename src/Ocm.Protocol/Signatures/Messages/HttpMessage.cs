using System.Globalization;

namespace Ocm.Protocol.Signatures.Messages;

/// <summary>
/// An HTTP request or response as HTTP Message Signatures see it, independent of any HTTP stack: method and
/// target URI parts (requests), status (responses), ordered header and trailer field lines, an optional body and,
/// for a response, the request it answers (for the <c>req</c> component parameter, RFC 9421 §2.4).
/// Build one with <see cref="CreateRequest(string, Uri)"/>, <see cref="CreateResponse"/>,
/// <see cref="HttpMessageParser"/> (raw HTTP/1.1 text) or the <see cref="HttpMessageAdapters"/>.
/// </summary>
public sealed class HttpMessage
{
    private HttpMessage()
    {
    }

    /// <summary>True for a request, false for a response.</summary>
    public bool IsRequest => StatusCode is null;

    /// <summary>The request method, e.g. <c>POST</c> (case preserved; RFC 9421 §2.2.1). Null for responses.</summary>
    public string? Method { get; set; }

    /// <summary>The URI scheme in lowercase, e.g. <c>https</c>. Null for responses.</summary>
    public string? Scheme { get; set; }

    /// <summary>
    /// The authority (host[:port]) of the target URI, lowercase, default port omitted (RFC 9421 §2.2.3).
    /// When null, the <c>Host</c> header is used.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The absolute path of the target URI, still percent-encoded as sent, e.g. <c>/ocm/shares</c>.</summary>
    public string? Path { get; set; }

    /// <summary>The query including its leading <c>?</c>, still percent-encoded as sent; null when there is none.</summary>
    public string? Query { get; set; }

    /// <summary>
    /// The request-target exactly as on the request line (RFC 9421 §2.2.5), when it differs from
    /// <see cref="Path"/> + <see cref="Query"/> (absolute-form, authority-form, asterisk-form).
    /// </summary>
    public string? RequestTarget { get; set; }

    /// <summary>The status code of a response; null for a request.</summary>
    public int? StatusCode { get; set; }

    /// <summary>The reason phrase of a response (informational only).</summary>
    public string? ReasonPhrase { get; set; }

    /// <summary>The header fields in the order received; repeated lines are kept apart (the <c>bs</c> parameter needs them).</summary>
    public HttpFieldCollection Headers { get; } = new();

    /// <summary>The trailer fields (signed with the <c>tr</c> parameter, RFC 9421 §2.1.4).</summary>
    public HttpFieldCollection Trailers { get; } = new();

    /// <summary>The content (after removing transfer coding); null when the message has no body.</summary>
    public ReadOnlyMemory<byte>? Body { get; set; }

    /// <summary>For a response: the request it answers, used for components with the <c>req</c> parameter.</summary>
    public HttpMessage? RelatedRequest { get; set; }

    /// <summary>The absolute target URI (scheme, authority, path and query) of a request; null when incomplete.</summary>
    public Uri? TargetUri => TryGetTargetUri(out var text) ? new Uri(text, UriKind.Absolute) : null;

    /// <summary>The effective authority: <see cref="Authority"/>, else the <c>Host</c> header normalized.</summary>
    public string? EffectiveAuthority =>
        Authority ?? (Headers.TryGetCombinedValue("Host", out var host) ? NormalizeAuthority(Scheme, host) : null);

    /// <summary>Creates a request for an absolute URI.</summary>
    public static HttpMessage CreateRequest(string method, Uri targetUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(targetUri);
        if (!targetUri.IsAbsoluteUri)
        {
            throw new ArgumentException("The target URI must be absolute.", nameof(targetUri));
        }

        var authority = targetUri.IsDefaultPort
            ? targetUri.IdnHost
            : targetUri.IdnHost + ":" + targetUri.Port.ToString(CultureInfo.InvariantCulture);
        if (targetUri.HostNameType == UriHostNameType.IPv6 && !authority.StartsWith('['))
        {
            authority = "[" + targetUri.IdnHost + "]" + (targetUri.IsDefaultPort ? string.Empty : ":" + targetUri.Port.ToString(CultureInfo.InvariantCulture));
        }

        var path = targetUri.AbsolutePath;
        var query = targetUri.Query;
        return CreateRequest(method, targetUri.Scheme, authority, path.Length == 0 ? "/" : path, query.Length == 0 ? null : query);
    }

    /// <summary>Creates a request from the parts of its target URI (as they appear on the wire).</summary>
    /// <param name="method">The method, e.g. <c>POST</c>.</param>
    /// <param name="scheme">The scheme, e.g. <c>https</c>.</param>
    /// <param name="authority">host[:port]; normalized to lowercase without the scheme's default port.</param>
    /// <param name="path">The absolute path, percent-encoded.</param>
    /// <param name="query">The query with its leading "?" (a missing "?" is added), or null.</param>
    public static HttpMessage CreateRequest(string method, string scheme, string authority, string path, string? query = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentException.ThrowIfNullOrEmpty(authority);
        ArgumentNullException.ThrowIfNull(path);
        var lowerScheme = AsciiCase.Lower(scheme);
        return new HttpMessage
        {
            Method = method,
            Scheme = lowerScheme,
            Authority = NormalizeAuthority(lowerScheme, authority),
            Path = path.Length == 0 ? "/" : path,
            Query = query is null ? null : query.StartsWith('?') ? query : "?" + query,
        };
    }

    /// <summary>Creates a response, optionally bound to the request it answers.</summary>
    public static HttpMessage CreateResponse(int statusCode, HttpMessage? relatedRequest = null)
    {
        if (statusCode is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "A status code has three digits.");
        }

        if (relatedRequest is not null && !relatedRequest.IsRequest)
        {
            throw new ArgumentException("The related message must be a request.", nameof(relatedRequest));
        }

        return new HttpMessage { StatusCode = statusCode, RelatedRequest = relatedRequest };
    }

    internal static HttpMessage CreateEmpty() => new();

    /// <summary>
    /// Normalizes an authority for comparison and for <c>@authority</c>: lowercase, the scheme's default port
    /// (80 for http, 443 for https) removed.
    /// </summary>
    public static string NormalizeAuthority(string? scheme, string authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var lower = AsciiCase.Lower(authority.Trim());
        var defaultPort = scheme switch
        {
            "https" or "wss" => ":443",
            "http" or "ws" => ":80",
            _ => null,
        };
        if (defaultPort is not null && lower.EndsWith(defaultPort, StringComparison.Ordinal) && !lower.EndsWith(']'))
        {
            lower = lower[..^defaultPort.Length];
        }

        return lower;
    }

    internal bool TryGetTargetUri(out string value)
    {
        var authority = EffectiveAuthority;
        if (Scheme is null || authority is null || Path is null)
        {
            value = string.Empty;
            return false;
        }

        value = string.Concat(Scheme, "://", authority, Path, Query);
        return true;
    }

    /// <summary>Writes the message as HTTP/1.1 text (see <see cref="HttpMessageWriter"/>).</summary>
    public override string ToString() => HttpMessageWriter.ToText(this);
}

/// <summary>ASCII-only case mapping (HTTP names and schemes are ASCII; culture must not matter).</summary>
internal static class AsciiCase
{
    public static string Lower(string value)
    {
        var span = value.AsSpan();
        var i = 0;
        while (i < span.Length && !(span[i] is >= 'A' and <= 'Z'))
        {
            i++;
        }

        if (i == span.Length)
        {
            return value;
        }

        return string.Create(value.Length, value, static (dest, source) =>
        {
            for (var j = 0; j < source.Length; j++)
            {
                var c = source[j];
                dest[j] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
            }
        });
    }
}
