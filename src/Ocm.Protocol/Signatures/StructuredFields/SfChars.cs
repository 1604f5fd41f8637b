namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>Character classes of RFC 9651 and RFC 9110 §5.6.2 (tchar).</summary>
internal static class SfChars
{
    public static bool IsAlpha(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    public static bool IsLcAlpha(char c) => (uint)(c - 'a') <= 'z' - 'a';

    /// <summary>tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.</summary>
    public static bool IsTchar(char c) => IsAlpha(c) || IsDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*'
        or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>Characters allowed after the first character of a token: tchar / ":" / "/".</summary>
    public static bool IsTokenChar(char c) => IsTchar(c) || c is ':' or '/';

    /// <summary>Characters allowed after the first character of a key: lcalpha / DIGIT / "_" / "-" / "." / "*".</summary>
    public static bool IsKeyChar(char c) => IsLcAlpha(c) || IsDigit(c) || c is '_' or '-' or '.' or '*';

    public static bool IsValidKey(string key)
    {
        if (key.Length == 0 || !(IsLcAlpha(key[0]) || key[0] == '*'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!IsKeyChar(c))
            {
                return false;
            }
        }

        return true;
    }
}
