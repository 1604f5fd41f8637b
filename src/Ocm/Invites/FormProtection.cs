using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Ocm.Hosting;
using Ocm.Protocol.Validation;

namespace Ocm.Invites;

/// <summary>
/// Anti-forgery tokens for the HTML forms (the accept dialog). Browsers send cached Basic credentials with any
/// cross-site form POST, so a form must prove it was rendered by us for this user: the token is an HMAC-SHA256 over
/// purpose, user, issue time and the form's fixed fields, with a key kept in the data directory (mode 0600, so it
/// survives restarts and is shared by processes on the same data directory). Valid for two hours.
/// </summary>
internal sealed class FormProtection(OcmServerInfo server, RandomNumberGenerator random, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);
    private readonly Lock _gate = new();
    private byte[]? _key;

    public string Issue(long userId, string purpose, params string[] fields)
    {
        var issued = time.GetUtcNow().ToUnixTimeSeconds();
        var token = new byte[8 + 32];
        BinaryPrimitives.WriteInt64BigEndian(token, issued);
        Mac(userId, purpose, issued, fields).CopyTo(token, 8);
        return Base64Url.EncodeToString(token);
    }

    public bool Validate(string? token, long userId, string purpose, params string[] fields)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != 40)
        {
            return false;
        }

        var issued = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(issued, 0, UnixTime.MaxSeconds));
        if (age > Lifetime || age < TimeSpan.FromMinutes(-5))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(bytes.AsSpan(8), Mac(userId, purpose, issued, fields));
    }

    private byte[] Mac(long userId, string purpose, long issued, string[] fields)
    {
        var text = new StringBuilder().Append(purpose).Append('\n').Append(userId).Append('\n').Append(issued);
        foreach (var field in fields)
        {
            text.Append('\n').Append(field.Length).Append(':').Append(field);
        }

        return HMACSHA256.HashData(Key(), Encoding.UTF8.GetBytes(text.ToString()));
    }

    private byte[] Key()
    {
        lock (_gate)
        {
            return _key ??= LoadOrCreateKey();
        }
    }

    private byte[] LoadOrCreateKey()
    {
        var path = Path.Combine(server.DataDir, "form-protection.key");
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32)
            {
                return existing;
            }
        }

        var key = new byte[32];
        random.GetBytes(key);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new FileStream(path, options);
            file.Write(key);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first (or a short file was left behind): use what is there when complete.
            var existing = File.ReadAllBytes(path);
            return existing.Length == 32 ? existing : key;
        }
    }
}
