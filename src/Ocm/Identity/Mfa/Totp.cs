using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Ocm.Identity.Mfa;

/// <summary>
/// Time-based one-time passwords as authenticator apps compute them: RFC 6238 with its defaults (HMAC-SHA1, 30-second
/// steps from the Unix epoch, 6 digits) over RFC 4226's dynamic truncation, and the Base32 (RFC 4648 §6) form of the
/// secret that apps read from <c>otpauth://</c> URIs.
/// </summary>
internal static class Totp
{
    public const int StepSeconds = 30;
    public const int Digits = 6;

    /// <summary>The RFC 6238 time step T = floor(unix time / 30).</summary>
    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The 6-digit code of <paramref name="step"/> (RFC 4226 §5.3, zero-padded on the left).</summary>
    public static string Code(ReadOnlySpan<byte> key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
        // HMAC-SHA1 is RFC 6238's default and the only algorithm every authenticator app supports; HMAC's security
        // does not rest on SHA-1's collision resistance (RFC 4226 Appendix A.2).
#pragma warning disable CA5350
        HMACSHA1.HashData(key, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff) % 1_000_000;
        return binary.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The step among <paramref name="now"/>'s and its two neighbours (RFC 6238 §5.2: one step of clock drift either
    /// way) whose code is <paramref name="code"/>, compared in constant time; null if none.
    /// </summary>
    public static long? MatchingStep(ReadOnlySpan<byte> key, string code, DateTimeOffset now)
    {
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = StepAt(now);
        long? found = null;
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Code(key, step)), Encoding.ASCII.GetBytes(code)))
            {
                found ??= step;
            }
        }

        return found;
    }

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>Base32 without padding, as the Key Uri Format of authenticator apps expects.</summary>
    public static string ToBase32(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    /// <summary>The secret shown in groups of four, easier to type into an app by hand.</summary>
    public static string Grouped(string base32) => string.Join(' ', base32.Chunk(4).Select(c => new string(c)));
}
