using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Ocm.Files;

/// <summary>
/// A canonical path inside one user's file tree: segments joined by <c>/</c>, no leading or trailing slash, the empty
/// string for the root. Instances only come from <see cref="StoragePath.TryParse"/> /
/// <see cref="StoragePath.TryParseUrl"/> (the one canonicalizer every URL, header and API path goes through) or from
/// <see cref="Append"/> with a checked name, so a <see cref="StoragePath"/> can never name anything outside its tree.
/// Names never become file-system paths either: contents are stored under ids (see <see cref="LocalFileStore"/>).
/// </summary>
internal readonly struct StoragePath : IEquatable<StoragePath>
{
    /// <summary>Longest name in UTF-8 bytes, as on common file systems (sync clients mirror names to disk).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest path in UTF-8 bytes (Linux PATH_MAX).</summary>
    public const int MaxPathBytes = 4096;

    public static readonly StoragePath Root = new("");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string? _value;

    private StoragePath(string value) => _value = value;

    public string Value => _value ?? "";

    public bool IsRoot => Value.Length == 0;

    /// <summary>The last segment; empty for the root.</summary>
    public string Name => Value[(Value.LastIndexOf('/') + 1)..];

    /// <summary>The parent path; the root's parent is the root.</summary>
    public StoragePath Parent
    {
        get
        {
            var slash = Value.LastIndexOf('/');
            return slash < 0 ? Root : new StoragePath(Value[..slash]);
        }
    }

    /// <summary>A stable 64-bit digest of the path, indexed in the database so lookups do not depend on path length.</summary>
    public long Hash => HashOf(Value);

    /// <summary>The parent, its parent, … up to and including the root. Empty for the root.</summary>
    public IEnumerable<StoragePath> Ancestors()
    {
        var current = this;
        while (!current.IsRoot)
        {
            current = current.Parent;
            yield return current;
        }
    }

    /// <summary>The child <paramref name="name"/>; null when the name is not allowed.</summary>
    public StoragePath? Append(string name)
    {
        if (CheckName(name) != PathError.None)
        {
            return null;
        }

        var value = IsRoot ? name : Value + "/" + name;
        return Encoding.UTF8.GetByteCount(value) > MaxPathBytes ? null : new StoragePath(value);
    }

    /// <summary>True when <paramref name="other"/> lies strictly below this path.</summary>
    public bool IsAncestorOf(StoragePath other) =>
        IsRoot ? !other.IsRoot : other.Value.Length > Value.Length && other.Value[Value.Length] == '/' && other.Value.StartsWith(Value, StringComparison.Ordinal);

    public bool IsSelfOrAncestorOf(StoragePath other) => Equals(other) || IsAncestorOf(other);

    /// <summary>This path moved from below <paramref name="from"/> to below <paramref name="to"/>.</summary>
    public StoragePath Rebase(StoragePath from, StoragePath to)
    {
        if (!from.IsSelfOrAncestorOf(this))
        {
            throw new ArgumentException("The path is not below the old base.", nameof(from));
        }

        var rest = Value[from.Value.Length..].TrimStart('/');
        return new StoragePath(to.IsRoot ? rest : rest.Length == 0 ? to.Value : to.Value + "/" + rest);
    }

    /// <summary>The path percent-encoded segment by segment for use in a URL, without leading slash.</summary>
    public string ToUrlPath()
    {
        if (IsRoot)
        {
            return "";
        }

        var builder = new StringBuilder(Value.Length + 16);
        foreach (var segment in Value.Split('/'))
        {
            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(Uri.EscapeDataString(segment));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Canonicalizes a decoded path such as <c>/a/b/c.txt</c> or <c>a//b/</c>: empty segments collapse, everything else
    /// must be a valid name (no <c>.</c>/<c>..</c>, no <c>\</c>, no NUL or control characters, at most 255 bytes).
    /// </summary>
    public static PathError TryParse(string? path, out StoragePath result)
    {
        result = Root;
        if (path is null)
        {
            return PathError.Malformed;
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var error = CheckName(segment);
            if (error != PathError.None)
            {
                return error;
            }

            segments.Add(segment);
        }

        return Build(segments, out result);
    }

    /// <summary>
    /// Canonicalizes the percent-encoded path of a URL (what follows the mount point, without query or fragment):
    /// each segment is decoded on its own, as strict UTF-8, so an encoded <c>%2F</c> cannot split a name and an encoded
    /// <c>%2e%2e</c> is the name <c>..</c>, which is refused like a literal one.
    /// </summary>
    public static PathError TryParseUrl(ReadOnlySpan<char> encodedPath, out StoragePath result)
    {
        result = Root;
        var segments = new List<string>();
        foreach (var range in encodedPath.Split('/'))
        {
            var raw = encodedPath[range];
            if (raw.IsEmpty)
            {
                continue;
            }

            var decodeError = TryDecodeSegment(raw, out var segment);
            if (decodeError != PathError.None)
            {
                return decodeError;
            }

            var error = CheckName(segment);
            if (error != PathError.None)
            {
                return error;
            }

            segments.Add(segment);
        }

        return Build(segments, out result);
    }

    /// <summary>Why a name is refused, or <see cref="PathError.None"/>.</summary>
    public static PathError CheckName(string name)
    {
        if (name.Length == 0)
        {
            return PathError.Malformed;
        }

        if (name is "." or "..")
        {
            return PathError.DotSegment;
        }

        foreach (var c in name)
        {
            if (c is '/' or '\\' || char.IsControl(c))
            {
                return PathError.ForbiddenCharacter;
            }
        }

        // Lone surrogates cannot be stored as UTF-8.
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return PathError.Malformed;
            }
        }

        return Encoding.UTF8.GetByteCount(name) > MaxNameBytes ? PathError.TooLong : PathError.None;
    }

    public static long HashOf(string value)
    {
        Span<byte> utf8 = value.Length <= 512 ? stackalloc byte[value.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(utf8[..length], digest);
        return BinaryPrimitives.ReadInt64LittleEndian(digest);
    }

    public bool Equals(StoragePath other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is StoragePath other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => "/" + Value;

    public static bool operator ==(StoragePath left, StoragePath right) => left.Equals(right);

    public static bool operator !=(StoragePath left, StoragePath right) => !left.Equals(right);

    private static PathError Build(List<string> segments, out StoragePath result)
    {
        var value = string.Join('/', segments);
        if (Encoding.UTF8.GetByteCount(value) > MaxPathBytes)
        {
            result = Root;
            return PathError.TooLong;
        }

        result = new StoragePath(value);
        return PathError.None;
    }

    private static PathError TryDecodeSegment(ReadOnlySpan<char> raw, out string segment)
    {
        segment = "";
        if (raw.IndexOf('%') < 0)
        {
            segment = raw.ToString();
            return PathError.None;
        }

        if (raw.Length > MaxPathBytes * 3)
        {
            return PathError.TooLong;
        }

        var bytes = new byte[raw.Length];
        var count = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
                {
                    return PathError.Malformed;
                }

                bytes[count++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                // A raw non-ASCII character next to escapes: re-encode it as UTF-8 so both spellings decode alike.
                var rune = char.IsHighSurrogate(c) && i + 1 < raw.Length ? raw.Slice(i, 2) : raw.Slice(i, 1);
                var needed = Encoding.UTF8.GetByteCount(rune);
                if (count + needed > bytes.Length)
                {
                    Array.Resize(ref bytes, bytes.Length + needed + 8);
                }

                count += Encoding.UTF8.GetBytes(rune, bytes.AsSpan(count));
                i += rune.Length - 1;
            }
        }

        try
        {
            segment = StrictUtf8.GetString(bytes, 0, count);
            return PathError.None;
        }
        catch (DecoderFallbackException)
        {
            return PathError.Malformed;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/// <summary>Why a path was refused. Every value but <see cref="None"/> is a client error (400).</summary>
internal enum PathError
{
    None,
    Malformed,
    DotSegment,
    ForbiddenCharacter,
    TooLong,
}
