using System.Globalization;
using System.Text;

namespace Ocm.Protocol.Signatures.Messages;

/// <summary>
/// Reads a raw HTTP/1.1 message (request line or status line, header lines, an empty line, the body) as used by
/// the test vectors and the <c>ocm sig</c> command line. Lines may end in CRLF or LF; obsolete line folding is
/// joined with one space; a chunked body is decoded and its trailer fields are kept. Header bytes are read as
/// ISO-8859-1 so that every octet survives unchanged.
/// </summary>
public static class HttpMessageParser
{
    /// <summary>Parses a message from text (each char must be a byte, i.e. ≤ U+00FF).</summary>
    /// <param name="text">The message.</param>
    /// <param name="defaultScheme">The scheme of the target URI for origin-form requests (the wire does not carry it).</param>
    public static HttpMessage Parse(string text, string defaultScheme = "https")
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.Latin1.GetBytes(text), defaultScheme);
    }

    /// <summary>Parses a message from bytes.</summary>
    /// <param name="data">The message.</param>
    /// <param name="defaultScheme">The scheme of the target URI for origin-form requests.</param>
    /// <exception cref="FormatException">The start line or a header line is malformed.</exception>
    public static HttpMessage Parse(ReadOnlySpan<byte> data, string defaultScheme = "https")
    {
        ArgumentException.ThrowIfNullOrEmpty(defaultScheme);
        var (headEnd, bodyStart) = FindHeaderEnd(data);
        var head = Encoding.Latin1.GetString(data[..headEnd]);
        var lines = SplitLines(head);
        if (lines.Count == 0 || lines[0].Length == 0)
        {
            throw new FormatException("The message has no start line.");
        }

        var message = ParseStartLine(lines[0], AsciiCase.Lower(defaultScheme));
        ParseFieldLines(lines, 1, message.Headers);

        var rest = bodyStart < 0 ? [] : data[bodyStart..];
        if (IsChunked(message))
        {
            message.Body = DecodeChunked(rest, message.Trailers);
        }
        else if (bodyStart >= 0 && (rest.Length > 0 || message.Headers.Contains("Content-Length")))
        {
            message.Body = rest.ToArray();
        }

        if (message.IsRequest && message.Authority is null && message.Headers.TryGetCombinedValue("Host", out var host))
        {
            message.Authority = HttpMessage.NormalizeAuthority(message.Scheme, host);
        }

        return message;
    }

    /// <summary>Reads a file and parses it (see <see cref="Parse(ReadOnlySpan{byte}, string)"/>).</summary>
    public static async Task<HttpMessage> ParseFileAsync(string path, string defaultScheme = "https", CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, defaultScheme);
    }

    private static (int HeadEnd, int BodyStart) FindHeaderEnd(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)'\n')
            {
                continue;
            }

            if (i + 1 < data.Length && data[i + 1] == (byte)'\n')
            {
                return (i, i + 2);
            }

            if (i + 2 < data.Length && data[i + 1] == (byte)'\r' && data[i + 2] == (byte)'\n')
            {
                return (i, i + 3);
            }
        }

        // No empty line: headers only (trim a final line break).
        var end = data.Length;
        while (end > 0 && data[end - 1] is (byte)'\n' or (byte)'\r')
        {
            end--;
        }

        return (end, -1);
    }

    private static List<string> SplitLines(string head)
    {
        var lines = new List<string>();
        foreach (var line in head.Split('\n'))
        {
            lines.Add(line.EndsWith('\r') ? line[..^1] : line);
        }

        return lines;
    }

    private static HttpMessage ParseStartLine(string line, string defaultScheme)
    {
        if (line.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            // status-line = HTTP-version SP status-code SP [ reason-phrase ]
            var parts = line.Split(' ', 3);
            if (parts.Length < 2 || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                throw new FormatException($"Malformed status line '{line}'.");
            }

            var response = HttpMessage.CreateResponse(status);
            response.ReasonPhrase = parts.Length > 2 ? parts[2] : null;
            return response;
        }

        // request-line = method SP request-target SP HTTP-version
        var pieces = line.Split(' ');
        if (pieces.Length != 3 || pieces[0].Length == 0 || pieces[1].Length == 0 || !pieces[2].StartsWith("HTTP/", StringComparison.Ordinal))
        {
            throw new FormatException($"Malformed request line '{line}'.");
        }

        var message = HttpMessage.CreateEmpty();
        message.Method = pieces[0];
        message.Scheme = defaultScheme;
        var target = pieces[1];
        if (target.StartsWith('/'))
        {
            SplitPathAndQuery(message, target);
        }
        else if (target == "*")
        {
            message.RequestTarget = target;
        }
        else if (target.Contains("://", StringComparison.Ordinal))
        {
            // absolute-form (RFC 9112 §3.2.2)
            var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
            message.Scheme = AsciiCase.Lower(target[..schemeEnd]);
            var rest = target[(schemeEnd + 3)..];
            var pathStart = rest.IndexOfAny(['/', '?']);
            message.Authority = HttpMessage.NormalizeAuthority(message.Scheme, pathStart < 0 ? rest : rest[..pathStart]);
            SplitPathAndQuery(message, pathStart < 0 ? "/" : rest[pathStart..]);
            if (message.Path!.Length == 0)
            {
                message.Path = "/";
            }

            message.RequestTarget = target;
        }
        else
        {
            // authority-form (CONNECT)
            message.Authority = HttpMessage.NormalizeAuthority(message.Scheme, target);
            message.RequestTarget = target;
        }

        return message;
    }

    private static void SplitPathAndQuery(HttpMessage message, string target)
    {
        var q = target.IndexOf('?', StringComparison.Ordinal);
        message.Path = q < 0 ? target : target[..q];
        message.Query = q < 0 ? null : target[q..];
    }

    private static void ParseFieldLines(List<string> lines, int start, HttpFieldCollection fields)
    {
        string? name = null;
        StringBuilder? value = null;
        for (var i = start; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                // obs-fold (RFC 9112 §5.2): replace with a single SP.
                if (value is null)
                {
                    throw new FormatException("A continuation line precedes the first field line.");
                }

                value.Append(' ').Append(line.AsSpan().Trim(" \t"));
                continue;
            }

            Flush(fields, name, value);
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"Malformed field line '{line}'.");
            }

            name = line[..colon];
            foreach (var c in name)
            {
                if (!StructuredFields.SfChars.IsTchar(c))
                {
                    throw new FormatException($"Invalid field name '{name}'.");
                }
            }

            value = new StringBuilder().Append(line.AsSpan(colon + 1).Trim(" \t"));
        }

        Flush(fields, name, value);

        static void Flush(HttpFieldCollection fields, string? name, StringBuilder? value)
        {
            if (name is not null && value is not null)
            {
                fields.AddUnchecked(name, value.ToString());
            }
        }
    }

    private static bool IsChunked(HttpMessage message) =>
        message.Headers.TryGetCombinedValue("Transfer-Encoding", out var te)
        && te.Split(',').Select(s => s.Trim()).LastOrDefault() is { } last
        && last.Equals("chunked", StringComparison.OrdinalIgnoreCase);

    // RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... last-chunk trailer-section CRLF.
    private static byte[] DecodeChunked(ReadOnlySpan<byte> data, HttpFieldCollection trailers)
    {
        var body = new List<byte>();
        var pos = 0;
        while (true)
        {
            var lineEnd = data[pos..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                throw new FormatException("Truncated chunked body.");
            }

            var sizeLine = Encoding.Latin1.GetString(data.Slice(pos, lineEnd)).TrimEnd('\r');
            var ext = sizeLine.IndexOf(';', StringComparison.Ordinal);
            var sizeText = (ext < 0 ? sizeLine : sizeLine[..ext]).Trim();
            if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new FormatException($"Malformed chunk size '{sizeLine}'.");
            }

            pos += lineEnd + 1;
            if (size == 0)
            {
                break;
            }

            if ((long)pos + size > data.Length)
            {
                throw new FormatException("Truncated chunk.");
            }

            body.AddRange(data.Slice(pos, size));
            pos += size;
            if (pos < data.Length && data[pos] == (byte)'\r')
            {
                pos++;
            }

            if (pos < data.Length && data[pos] == (byte)'\n')
            {
                pos++;
            }
        }

        var trailerText = Encoding.Latin1.GetString(data[pos..]);
        ParseFieldLines(SplitLines(trailerText.TrimEnd('\r', '\n')), 0, trailers);
        return [.. body];
    }
}
