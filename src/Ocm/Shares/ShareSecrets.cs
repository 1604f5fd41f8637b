using System.Security.Cryptography;
using System.Text;
using Ocm.Data;
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
/// sender) with AES-256-GCM under a key kept in the database (<see cref="ServerSecret"/> <c>share-secrets</c>) sealed
/// with the <see cref="DeploymentSecret"/>, so every node uses the same key while the database alone — a backup, a
/// PostgreSQL dump — does not give access to anyone's shares. An older data directory's <c>keys/secrets.key</c> is
/// imported on the first start, so shares made before keep working.
/// </summary>
internal sealed class SecretProtector(IServiceScopeFactory scopes, DeploymentSecret deployment, OcmServerInfo server, RandomNumberGenerator random)
    : IOcmDataInitializer
{
    private const string Name = "share-secrets";

    private byte[]? _loaded;

    private byte[] Key => _loaded ?? throw new InvalidOperationException("The share-secret key is not loaded yet (IOcmDataInitializer did not run).");

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var legacy = Path.Combine(server.DataDir, "keys", "secrets.key");
        var key = await ServerSecret.GetOrCreateAsync(scopes, deployment, Name, () =>
        {
            if (File.Exists(legacy))
            {
                var bytes = File.ReadAllBytes(legacy);
                return bytes.Length == 32
                    ? bytes
                    : throw new OcmStartupException($"{legacy} is not a 32-byte key; restore it from backup or remove it (received shares then need to be re-shared).", StartupFailures.ExitEnvironment);
            }

            var fresh = new byte[32];
            random.GetBytes(fresh);
            return fresh;
        }, cancellationToken);
        _loaded = key.Length == 32 ? key : throw new OcmStartupException("the share-secret key in the database is not 32 bytes long.", StartupFailures.ExitEnvironment);
    }

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(Key, 16))
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
        var mac = HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("ocm-share-secret:" + providerId));
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
        using (var aes = new AesGcm(Key, 16))
        {
            aes.Decrypt(data.AsSpan(0, 12), data.AsSpan(28), data.AsSpan(12, 16), plain);
        }

        return Encoding.UTF8.GetString(plain);
    }
}
