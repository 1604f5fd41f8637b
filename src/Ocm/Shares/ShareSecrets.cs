using System.Security.Cryptography;
using System.Text;
using Ocm.Hosting;

namespace Ocm.Shares;

/// <summary>Secrets we issue (shared secrets, access tokens): 256 bits from a CSPRNG, stored only as SHA-256.</summary>
internal sealed class ShareSecrets(RandomNumberGenerator random)
{
    public string NewSecret()
    {
        Span<byte> bytes = stackalloc byte[32];
        random.GetBytes(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>High-entropy secrets need no slow KDF: a plain hash is enough to make a stolen database useless.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

/// <summary>
/// Encrypts secrets we must be able to read back (the shared secrets of received shares, needed to access the
/// sender) with AES-256-GCM under a key in <c>{DataDir}/keys/secrets.key</c> (mode 0600), so the database alone —
/// a backup, a PostgreSQL dump — does not give access to anyone's shares.
/// </summary>
internal sealed class SecretProtector
{
    private readonly byte[] _key;

    public SecretProtector(OcmServerInfo server, RandomNumberGenerator random)
    {
        var directory = Path.Combine(server.DataDir, "keys");
        var path = Path.Combine(directory, "secrets.key");
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (!File.Exists(path))
        {
            var key = new byte[32];
            random.GetBytes(key);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, options);
                stream.Write(key);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        _key = File.ReadAllBytes(path);
        if (_key.Length != 32)
        {
            throw new InvalidOperationException($"{path} is not a 32-byte key; restore it from backup or remove it (received shares then need to be re-shared).");
        }
    }

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(_key, 16))
        {
            aes.Encrypt(nonce, plain, cipher, tag);
        }

        return "v1:" + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    /// <summary>
    /// The shared secret of one of our outgoing shares, derived from its random providerId under the server's secret
    /// key (HMAC-SHA256, 256 bits). The database keeps only its hash, yet the secret can be reproduced for legacy peers
    /// that authenticate notifications with <c>notification.sharedSecret</c>.
    /// </summary>
    public string DeriveShareSecret(string providerId)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("ocm-share-secret:" + providerId));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public string Unprotect(string protectedSecret)
    {
        if (!protectedSecret.StartsWith("v1:", StringComparison.Ordinal))
        {
            throw new CryptographicException("Unknown protected secret format.");
        }

        var data = Convert.FromBase64String(protectedSecret[3..]);
        var plain = new byte[data.Length - 28];
        using (var aes = new AesGcm(_key, 16))
        {
            aes.Decrypt(data.AsSpan(0, 12), data.AsSpan(28), data.AsSpan(12, 16), plain);
        }

        return Encoding.UTF8.GetString(plain);
    }
}
