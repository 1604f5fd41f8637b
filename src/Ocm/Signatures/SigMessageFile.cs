using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Signatures;

/// <summary>
/// A raw HTTP/1.1 message file for <c>ocm sig</c> (start line, header lines, an empty line, the body; <c>-</c> reads
/// standard input). Remembers its line ending so that a signed copy looks like the original.
/// </summary>
internal sealed class SigMessageFile
{
    private SigMessageFile(HttpMessage message, string newLine)
    {
        Message = message;
        NewLine = newLine;
    }

    public HttpMessage Message { get; }

    /// <summary>CRLF when the file's header block used it, else LF.</summary>
    public string NewLine { get; }

    /// <summary>Reads and parses a message file.</summary>
    /// <param name="path">The file, or <c>-</c> for standard input.</param>
    /// <param name="scheme">The scheme of <c>@target-uri</c> (the request line does not carry it).</param>
    /// <param name="what">How the file is named in error messages (<c>MESSAGE</c>, <c>--request</c>).</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <exception cref="SigUsageException">The file cannot be read or is not an HTTP/1.1 message.</exception>
    public static async Task<SigMessageFile> ReadAsync(string path, string scheme, string what, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            if (path == "-")
            {
                await using var stdin = Console.OpenStandardInput();
                using var buffer = new MemoryStream();
                await stdin.CopyToAsync(buffer, cancellationToken);
                bytes = buffer.ToArray();
            }
            else
            {
                bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SigUsageException($"cannot read {what} '{path}': {ex.Message}");
        }

        if (bytes.Length == 0)
        {
            throw new SigUsageException($"{what} '{path}' is empty; expected an HTTP/1.1 message (request line or status line, headers, empty line, body).");
        }

        HttpMessage message;
        try
        {
            message = HttpMessageParser.Parse(bytes, scheme);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or HttpSignatureException)
        {
            throw new SigUsageException($"{what} '{path}' is not an HTTP/1.1 message: {ex.Message}");
        }

        var headEnd = bytes.AsSpan().IndexOf("\n\n"u8);
        var crlfHeadEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        var usesCrlf = crlfHeadEnd >= 0 && (headEnd < 0 || crlfHeadEnd < headEnd);
        return new SigMessageFile(message, usesCrlf ? "\r\n" : "\n");
    }

    /// <summary>Writes the (possibly signed) message to standard output, byte for byte.</summary>
    public async Task WriteToStandardOutputAsync(CancellationToken cancellationToken)
    {
        var bytes = HttpMessageWriter.ToBytes(Message, NewLine);
        await using var stdout = Console.OpenStandardOutput();
        await stdout.WriteAsync(bytes, cancellationToken);
        await stdout.FlushAsync(cancellationToken);
    }
}
