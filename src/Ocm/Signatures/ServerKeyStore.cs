using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Hosting;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Signatures;

/// <summary>Where a signing key is in its life: published before use, used, then kept published until old signatures expired.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServerKeyState>))]
internal enum ServerKeyState
{
    Pending,
    Active,
    Retired,
}

/// <summary>What peers see of a key and what the server needs to use it. The private key stays in its own file.</summary>
internal sealed record ServerKeyInfo
{
    /// <summary>
    /// The key's local name (e.g. <c>ed25519-20261128-1a2b3c4d</c>). The published <c>kid</c> is
    /// <c>{authority}#{name}</c>, so it names this server and follows a change of public URL.
    /// </summary>
    public required string KeyId { get; init; }

    /// <summary>RFC 9421 / our algorithm name, e.g. <c>ed25519</c>.</summary>
    public required string Algorithm { get; init; }

    public required ServerKeyState State { get; init; }

    /// <summary><c>rfc9421</c> for the JWK Set, <c>cavage</c> for the legacy discovery <c>publicKey</c>.</summary>
    public string Purpose { get; init; } = ServerKeyStore.PurposeRfc9421;

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Activated { get; init; }

    public DateTimeOffset? Retired { get; init; }

    /// <summary>File name of the PEM private key inside the keys directory.</summary>
    public required string File { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<ServerKeyInfo>))]
internal sealed partial class ServerKeysJsonContext : JsonSerializerContext;

/// <summary>
/// The server's own signing keys under <c>{DataDir}/keys</c> (directory 0700, private keys 0600, an index
/// <c>keys.json</c>). Generated on first use: an Ed25519 key for RFC 9421 and an RSA-2048 key for the legacy
/// draft-cavage <c>publicKey</c> Nextcloud still uses. Rotation without breaking peers: <c>add</c> publishes a pending
/// key, <c>activate</c> switches signing to it (the previous one is retired), <c>retire</c> stops using a key but
/// keeps it published for <see cref="RetiredKeyGrace"/> so signatures made just before still verify.
/// Safe to use from the admin commands while the server runs: the server re-reads the index when it changes.
/// </summary>
internal sealed class ServerKeyStore(OcmServerInfo server, TimeProvider time)
{
    public const string PurposeRfc9421 = "rfc9421";
    public const string PurposeCavage = "cavage";

    /// <summary>Longer than any verifier's freshness window (300 s by default) plus clock skew.</summary>
    public static readonly TimeSpan RetiredKeyGrace = TimeSpan.FromMinutes(15);

    private readonly Lock _lock = new();
    private Snapshot? _snapshot;

    private string Directory => Path.Combine(server.DataDir, "keys");

    private string IndexPath => Path.Combine(Directory, "keys.json");

    /// <summary>Every key in the index, newest first.</summary>
    public IReadOnlyList<ServerKeyInfo> List() => Load().Keys;

    /// <summary>The <c>kid</c> a key is published and used under.</summary>
    public string PublishedKeyId(ServerKeyInfo key) => key.Purpose == PurposeCavage
        ? CavageSigner.NextcloudKeyId(server.Url("ocm"))
        : $"{server.Authority}#{key.KeyId}";

    /// <summary>The key RFC 9421 signatures are made with.</summary>
    public SigningKey ActiveSigningKey => Load().Active;

    /// <summary>The RSA key for draft-cavage signatures, and its <c>keyId</c> as published in discovery.</summary>
    public (SigningKey Key, string KeyId) CavageKey
    {
        get
        {
            var snapshot = Load();
            return (snapshot.Cavage, snapshot.CavageKeyId);
        }
    }

    /// <summary>The JWK Set to publish: pending, active and recently retired RFC 9421 keys.</summary>
    public JsonWebKeySet PublishedKeySet => Load().Published;

    /// <summary>Makes sure the active and the legacy key exist (first start).</summary>
    public void EnsureInitialized() => Load();

    /// <summary>Generates a key and publishes it as pending; returns its info.</summary>
    public ServerKeyInfo Add(HttpSignatureAlgorithm algorithm)
    {
        lock (_lock)
        {
            var keys = ReadIndex();
            var info = Generate(algorithm, ServerKeyState.Pending, PurposeRfc9421);
            keys.Add(info);
            WriteIndex(keys);
            _snapshot = null;
            return info;
        }
    }

    /// <summary>Switches signing to <paramref name="keyId"/>; the previously active key is retired (still published for a while).</summary>
    public ServerKeyInfo Activate(string keyId)
    {
        lock (_lock)
        {
            var keys = ReadIndex();
            var target = keys.SingleOrDefault(k => k.KeyId == keyId && k.Purpose == PurposeRfc9421)
                ?? throw new KeyNotFoundException($"No signing key '{keyId}'. See 'ocm keys list'.");
            if (target.State == ServerKeyState.Retired)
            {
                throw new InvalidOperationException($"Key '{keyId}' is retired; add a new key instead of reviving an old one.");
            }

            var now = time.GetUtcNow();
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i].Purpose == PurposeRfc9421 && keys[i].State == ServerKeyState.Active && keys[i].KeyId != keyId)
                {
                    keys[i] = keys[i] with { State = ServerKeyState.Retired, Retired = now };
                }
            }

            var activated = target with { State = ServerKeyState.Active, Activated = now };
            keys[keys.IndexOf(target)] = activated;
            WriteIndex(keys);
            _snapshot = null;
            return activated;
        }
    }

    /// <summary>Stops using a pending key or retires an active one (only when another key can take over).</summary>
    public ServerKeyInfo Retire(string keyId)
    {
        lock (_lock)
        {
            var keys = ReadIndex();
            var target = keys.SingleOrDefault(k => k.KeyId == keyId && k.Purpose == PurposeRfc9421)
                ?? throw new KeyNotFoundException($"No signing key '{keyId}'. See 'ocm keys list'.");
            if (target.State == ServerKeyState.Active)
            {
                throw new InvalidOperationException($"Key '{keyId}' is the active signing key; activate another key first (that retires this one).");
            }

            var retired = target with { State = ServerKeyState.Retired, Retired = target.Retired ?? time.GetUtcNow() };
            keys[keys.IndexOf(target)] = retired;
            WriteIndex(keys);
            _snapshot = null;
            return retired;
        }
    }

    private Snapshot Load()
    {
        var stamp = File.Exists(IndexPath) ? File.GetLastWriteTimeUtc(IndexPath) : DateTime.MinValue;
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Stamp == stamp && snapshot.Authority == server.Authority && !snapshot.HasExpiringKeys(time.GetUtcNow()))
        {
            return snapshot;
        }

        lock (_lock)
        {
            var keys = ReadIndex();
            var changed = false;
            if (!keys.Any(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active))
            {
                keys.Add(Generate(HttpSignatureAlgorithm.Ed25519, ServerKeyState.Active, PurposeRfc9421));
                changed = true;
            }

            if (!keys.Any(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active))
            {
                keys.Add(Generate(HttpSignatureAlgorithm.RsaV15Sha256, ServerKeyState.Active, PurposeCavage));
                changed = true;
            }

            if (changed)
            {
                WriteIndex(keys);
            }

            _snapshot = BuildSnapshot(keys, File.GetLastWriteTimeUtc(IndexPath));
            return _snapshot;
        }
    }

    private Snapshot BuildSnapshot(List<ServerKeyInfo> keys, DateTime stamp)
    {
        var now = time.GetUtcNow();
        var active = keys.Single(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active);
        var cavage = keys.First(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active);
        var published = keys
            .Where(k => k.Purpose == PurposeRfc9421)
            .Where(k => k.State != ServerKeyState.Retired || (k.Retired is { } retired && retired + RetiredKeyGrace > now))
            .Select(k =>
            {
                using var key = ReadKey(k);
                return key.ExportPublicJwk();
            })
            .ToList();
        return new Snapshot(
            keys.OrderByDescending(k => k.Created).ToList(),
            ReadKey(active),
            ReadKey(cavage),
            PublishedKeyId(cavage),
            new JsonWebKeySet(published),
            stamp,
            server.Authority,
            keys.Where(k => k.State == ServerKeyState.Retired && k.Retired is { } r && r + RetiredKeyGrace > now)
                .Select(k => k.Retired!.Value + RetiredKeyGrace)
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min());
    }

    private ServerKeyInfo Generate(HttpSignatureAlgorithm algorithm, ServerKeyState state, string purpose)
    {
        var now = time.GetUtcNow();
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var name = algorithm.GetRfc9421Name() ?? algorithm.ToString().ToLowerInvariant();
        var keyId = purpose == PurposeCavage
            ? $"cavage-rsa-{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{suffix}"
            : $"{name}-{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{suffix}";
        var file = $"{purpose}-{name}-{now:yyyyMMddHHmmss}-{suffix}.pem";
        using var key = SigningKey.Generate(algorithm, keyId);
        EnsureDirectory();
        WriteSecretFile(Path.Combine(Directory, file), key.ExportPrivateKeyPem());
        return new ServerKeyInfo
        {
            KeyId = keyId,
            Algorithm = name,
            State = state,
            Purpose = purpose,
            Created = now,
            Activated = state == ServerKeyState.Active ? now : null,
            File = file,
        };
    }

    private SigningKey ReadKey(ServerKeyInfo info)
    {
        var pem = File.ReadAllText(Path.Combine(Directory, info.File));
        if (!HttpSignatureAlgorithms.TryParse(info.Algorithm, out var algorithm))
        {
            throw new InvalidOperationException($"Key '{info.KeyId}' has an unknown algorithm '{info.Algorithm}' in keys.json.");
        }

        return SigningKey.ImportPem(pem, algorithm, PublishedKeyId(info));
    }

    private List<ServerKeyInfo> ReadIndex()
    {
        if (!File.Exists(IndexPath))
        {
            return [];
        }

        using var stream = File.OpenRead(IndexPath);
        return JsonSerializer.Deserialize(stream, ServerKeysJsonContext.Default.ListServerKeyInfo) ?? [];
    }

    private void WriteIndex(List<ServerKeyInfo> keys)
    {
        EnsureDirectory();
        var temp = IndexPath + ".tmp";
        WriteSecretFile(temp, JsonSerializer.Serialize(keys, ServerKeysJsonContext.Default.ListServerKeyInfo));
        File.Move(temp, IndexPath, overwrite: true);
    }

    private void EnsureDirectory()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    /// <summary>Creates the file readable and writable by the server user only before any secret is written to it.</summary>
    private static void WriteSecretFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private sealed record Snapshot(
        IReadOnlyList<ServerKeyInfo> Keys,
        SigningKey Active,
        SigningKey Cavage,
        string CavageKeyId,
        JsonWebKeySet Published,
        DateTime Stamp,
        string Authority,
        DateTimeOffset NextExpiry)
    {
        public bool HasExpiringKeys(DateTimeOffset now) => NextExpiry <= now;
    }
}
