namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>
/// Base64 decoding for byte sequences (RFC 9651 §4.2.7): the standard alphabet; "=" padding may be omitted
/// (parsers SHOULD NOT fail on missing padding), but when present it must be exactly right.
/// </summary>
internal static class Base64Lenient
{
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes, out string problem)
    {
        bytes = [];
        var padding = 0;
        while (padding < text.Length && text[text.Length - 1 - padding] == '=')
        {
            padding++;
        }

        var data = text[..^padding];
        foreach (var c in data)
        {
            if (!(SfChars.IsAlpha(c) || SfChars.IsDigit(c) || c is '+' or '/'))
            {
                problem = c == '=' ? "'=' inside the data" : $"character '{c}' is not in the base64 alphabet";
                return false;
            }
        }

        var remainder = data.Length % 4;
        if (remainder == 1)
        {
            problem = "truncated base64 data";
            return false;
        }

        var needed = remainder == 0 ? 0 : 4 - remainder;
        if (padding != 0 && padding != needed)
        {
            problem = $"wrong padding ({padding} '=' where {needed} expected)";
            return false;
        }

        Span<char> padded = data.Length + needed <= 512 ? stackalloc char[data.Length + needed] : new char[data.Length + needed];
        data.CopyTo(padded);
        padded[data.Length..].Fill('=');
        var buffer = new byte[(padded.Length / 4) * 3];
        if (!Convert.TryFromBase64Chars(padded, buffer, out var written))
        {
            problem = "undecodable base64";
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer[..written];
        problem = string.Empty;
        return true;
    }
}
