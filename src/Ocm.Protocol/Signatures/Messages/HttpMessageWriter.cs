using System.Globalization;
using System.Text;

namespace Ocm.Protocol.Signatures.Messages;

/// <summary>Writes an <see cref="HttpMessage"/> as HTTP/1.1 text (start line, field lines, empty line, body).</summary>
public static class HttpMessageWriter
{
    /// <summary>
    /// The message as text; the body is decoded as ISO-8859-1 so that bytes survive a round trip through
    /// <see cref="HttpMessageParser"/>. Trailers are not written (use a chunked body for those).
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="newLine">The line ending: CRLF as on the wire, or LF for files.</param>
    public static string ToText(HttpMessage message, string newLine = "\r\n")
    {
        ArgumentNullException.ThrowIfNull(message);
        var sb = new StringBuilder();
        if (message.IsRequest)
        {
            var target = message.RequestTarget ?? (message.Path ?? "/") + message.Query;
            sb.Append(message.Method).Append(' ').Append(target).Append(" HTTP/1.1").Append(newLine);
        }
        else
        {
            sb.Append("HTTP/1.1 ").Append(message.StatusCode!.Value.ToString("000", CultureInfo.InvariantCulture));
            if (!string.IsNullOrEmpty(message.ReasonPhrase))
            {
                sb.Append(' ').Append(message.ReasonPhrase);
            }

            sb.Append(newLine);
        }

        if (message.IsRequest && !message.Headers.Contains("Host") && message.EffectiveAuthority is { } authority)
        {
            sb.Append("Host: ").Append(authority).Append(newLine);
        }

        foreach (var field in message.Headers)
        {
            sb.Append(field.Name).Append(": ").Append(field.Value).Append(newLine);
        }

        sb.Append(newLine);
        if (message.Body is { } body)
        {
            sb.Append(Encoding.Latin1.GetString(body.Span));
        }

        return sb.ToString();
    }

    /// <summary>The message as bytes (see <see cref="ToText"/>).</summary>
    public static byte[] ToBytes(HttpMessage message, string newLine = "\r\n") => Encoding.Latin1.GetBytes(ToText(message, newLine));
}
