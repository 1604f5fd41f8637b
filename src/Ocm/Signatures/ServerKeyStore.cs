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

    /// <summary>
    /// The scheme the key signs for: RFC 9421 (published in the JWK Set) or draft-cavage (the legacy discovery
    /// <c>publicKey</c>); stored as <c>rfc9421</c> or <c>cavage</c>.
    /// </summary>
    public SignatureScheme Purpose { get; init; } = ServerKeyStore.PurposeRfc9421;

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Activated { get; init; }

    public DateTimeOffset? Retired { get; init; }

    /// <summary>File name of the PEM private key inside the keys directory.</summary>
    public required string File { get; init; }
}

/// <summary>A key operation the operator asked for cannot be done (unknown key, wrong state); the message says why.</summary>
internal sealed class ServerKeyException : Exception
{
    public ServerKeyException()
    {
    }

    public ServerKeyException(string message)
        : base(message)
    {
    }

    public ServerKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<ServerKeyInfo>))]
internal sealed partial class ServerKeysJsonContext : JsonSerializerContext;

/// <summary>
/// The server's own signing keys under <c>{DataDir}/keys</c> (directory 0700, private keys and index 0600, an index
/// <c>keys.json</c>). Generated on first use: an Ed25519 key for RFC 9421 and an RSA-2048 key for the legacy
/// draft-cavage <c>publicKey</c> Nextcloud still uses. Rotation without breaking peers: <c>add</c> publishes
/// a pending key, <c>activate</c> switches signing to it (the previous one is retired), <c>retire</c> stops using a
/// key but keeps it published for <see cref="RetiredKeyGrace"/> so signatures made just before still verify.
/// Safe to use from the admin commands while the server runs: writers take an exclusive lock file
/// (<c>keys.lock</c>) and replace the index atomically, and the server re-reads the index when its modification
/// time or size changes. A broken index never takes the server down: it keeps the keys it had and logs why.
/// </summary>
internal sealed partial class ServerKeyStore(OcmServerInfo server, TimeProvider time, ILogger<ServerKeyStore> logger)
{
    public const SignatureScheme PurposeRfc9421 = SignatureScheme.Rfc9421;
    public const SignatureScheme PurposeCavage = SignatureScheme.Cavage;

    /// <summary>Longer than any verifier's freshness window (300 s by default) plus clock skew.</summary>
    public static readonly TimeSpan RetiredKeyGrace = TimeSpan.FromMinutes(15);

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SecretFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How long a writer waits for another process (the server or an admin command) to finish its change.</summary>
    private static readonly TimeSpan FileLockTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private Snapshot? _snapshot;
    private IndexStamp _ownWrite;

    private string Directory => Path.Combine(server.DataDir, "keys");

    private string IndexPath => Path.Combine(Directory, "keys.json");

    private string LockPath => Path.Combine(Directory, "keys.lock");

    /// <summary>Every key in the index, newest first.</summary>
    public IReadOnlyList<ServerKeyInfo> List() => Load().Keys;

    /// <summary>The <c>kid</c> a key is published and used under.</summary>
    public string PublishedKeyId(ServerKeyInfo key) => key.Purpose == PurposeCavage
        ? CavageSigner.NextcloudKeyId(server.Url("ocm"))
        : $"{server.Authority}#{key.KeyId}";

    /// <summary>
    /// Until when a key stays in the JWK Set: null while it is pending or active (no end), its retirement plus
    /// <see cref="RetiredKeyGrace"/> once retired. The cavage key is published in discovery while active.
    /// </summary>
    public static DateTimeOffset? PublishedUntil(ServerKeyInfo key) =>
        key.State == ServerKeyState.Retired ? (key.Retired ?? DateTimeOffset.MinValue) + RetiredKeyGrace : null;

    /// <summary>True when peers can still find the key (JWK Set, or discovery for the cavage key).</summary>
    public bool IsPublished(ServerKeyInfo key) => key.Purpose == PurposeCavage
        ? key.State == ServerKeyState.Active
        : PublishedUntil(key) is not { } until || until > time.GetUtcNow();

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
        if (algorithm.IsSymmetric())
        {
            throw new ServerKeyException($"{algorithm} is a shared-secret algorithm; OCM allows only asymmetric keys.");
        }

        Load(); // a first 'add' on a fresh data directory creates the initial keys too
        lock (_lock)
        {
            using var fileLock = AcquireFileLock();
            var keys = ReadIndex();
            var info = Generate(algorithm, ServerKeyState.Pending, PurposeRfc9421);
            keys.Add(info);
            WriteIndex(keys);
            Invalidate();
            return info;
        }
    }

    /// <summary>Switches signing to <paramref name="nameOrKeyId"/>; the previously active key is retired (still published for a while).</summary>
    public ServerKeyInfo Activate(string nameOrKeyId)
    {
        Load();
        lock (_lock)
        {
            using var fileLock = AcquireFileLock();
            var keys = ReadIndex();
            var target = FindSigningKey(keys, nameOrKeyId);
            switch (target.State)
            {
                case ServerKeyState.Active:
                    return target;
                case ServerKeyState.Retired:
                    throw new ServerKeyException($"Key '{target.KeyId}' is retired; add a new key instead of reviving an old one.");
            }

            var now = time.GetUtcNow();
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i].Purpose == PurposeRfc9421 && keys[i].State == ServerKeyState.Active)
                {
                    keys[i] = keys[i] with { State = ServerKeyState.Retired, Retired = now };
                }
            }

            var activated = target with { State = ServerKeyState.Active, Activated = now };
            keys[keys.IndexOf(target)] = activated;
            WriteIndex(keys);
            Invalidate();
            return activated;
        }
    }

    /// <summary>Stops using a pending key (the active one can only be replaced, by activating another key).</summary>
    public ServerKeyInfo Retire(string nameOrKeyId)
    {
        Load();
        lock (_lock)
        {
            using var fileLock = AcquireFileLock();
            var keys = ReadIndex();
            var target = FindSigningKey(keys, nameOrKeyId);
            switch (target.State)
            {
                case ServerKeyState.Active:
                    throw new ServerKeyException($"Key '{target.KeyId}' is the active signing key; activate another key first (that retires this one).");
                case ServerKeyState.Retired:
                    return target;
            }

            var retired = target with { State = ServerKeyState.Retired, Retired = time.GetUtcNow() };
            keys[keys.IndexOf(target)] = retired;
            WriteIndex(keys);
            Invalidate();
            return retired;
        }
    }

    /// <summary>Forces a reload on next use, keeping the current keys as the fallback should the reload fail.</summary>
    private void Invalidate()
    {
        if (_snapshot is { } current)
        {
            Volatile.Write(ref _snapshot, current with { NextExpiry = DateTimeOffset.MinValue });
        }
    }

    /// <summary>
    /// The key named <paramref name="nameOrKeyId"/>: its local name (<c>ed25519-20261128-1a2b3c4d</c>) or its
    /// published <c>kid</c> (<c>files.example.net#ed25519-…</c>, with whatever authority the caller knows it under).
    /// </summary>
    private ServerKeyInfo? Find(IEnumerable<ServerKeyInfo> keys, string nameOrKeyId)
    {
        var candidates = keys.ToList();
        return candidates.FirstOrDefault(k => k.KeyId == nameOrKeyId)
            ?? candidates.FirstOrDefault(k => PublishedKeyId(k) == nameOrKeyId)
            ?? candidates.FirstOrDefault(k => k.Purpose == PurposeRfc9421 && nameOrKeyId.EndsWith("#" + k.KeyId, StringComparison.Ordinal));
    }

    private ServerKeyInfo FindSigningKey(List<ServerKeyInfo> keys, string nameOrKeyId)
    {
        var key = Find(keys, nameOrKeyId) ?? throw new ServerKeyException($"No key '{nameOrKeyId}'. See 'ocm keys list'.");
        return key.Purpose == PurposeRfc9421
            ? key
            : throw new ServerKeyException($"Key '{key.KeyId}' is the legacy draft-cavage key published in discovery; it is not rotated with activate/retire.");
    }

    private Snapshot Load()
    {
        var stamp = ReadStamp();
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.IsCurrent(stamp, server.Authority, time.GetUtcNow()))
        {
            return snapshot;
        }

        lock (_lock)
        {
            // Read the stamp before the content: a change in between only causes one more reload.
            stamp = ReadStamp();
            snapshot = _snapshot;
            if (snapshot is not null && snapshot.IsCurrent(stamp, server.Authority, time.GetUtcNow()))
            {
                return snapshot;
            }

            try
            {
                var keys = ReadIndex();
                if (LacksInitialKeys(keys))
                {
                    using var fileLock = AcquireFileLock();
                    keys = ReadIndex();
                    if (LacksInitialKeys(keys))
                    {
                        AddInitialKeys(keys);
                        WriteIndex(keys);
                    }

                    stamp = ReadStamp();
                }

                EnsureDirectory();
                snapshot = BuildSnapshot(keys, stamp);
                if (_snapshot is not null && _snapshot.Stamp != stamp && stamp != _ownWrite)
                {
                    // Changed by another process (an 'ocm keys' command while the server runs).
                    Log.Reloaded(logger, snapshot.ActiveKeyId, snapshot.Published.Keys.Count);
                }
            }
            catch (Exception ex) when (snapshot is not null && ex is IOException or UnauthorizedAccessException or JsonException
                or CryptographicException or ServerKeyException or InvalidDataException)
            {
                // Keep signing with the keys we had; try again when the index changes.
                Log.ReloadFailed(logger, ex.GetType().Name, ex.Message);
                snapshot = snapshot with { Stamp = stamp, NextExpiry = DateTimeOffset.MaxValue };
            }

            Volatile.Write(ref _snapshot, snapshot);
            return snapshot;
        }
    }

    private static bool LacksInitialKeys(List<ServerKeyInfo> keys) =>
        !keys.Any(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active)
        || !keys.Any(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active);

    private void AddInitialKeys(List<ServerKeyInfo> keys)
    {
        if (!keys.Any(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active))
        {
            keys.Add(Generate(HttpSignatureAlgorithm.Ed25519, ServerKeyState.Active, PurposeRfc9421));
        }

        if (!keys.Any(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active))
        {
            keys.Add(Generate(HttpSignatureAlgorithm.RsaV15Sha256, ServerKeyState.Active, PurposeCavage));
        }
    }

    private Snapshot BuildSnapshot(List<ServerKeyInfo> keys, IndexStamp stamp)
    {
        var now = time.GetUtcNow();

        // Normally one active key per purpose; after a hand edit with several, the most recently activated one signs.
        var active = keys.Where(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active)
            .OrderByDescending(k => k.Activated ?? k.Created).First();
        var cavage = keys.Where(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active)
            .OrderByDescending(k => k.Activated ?? k.Created).First();
        var published = keys
            .Where(k => k.Purpose == PurposeRfc9421 && (PublishedUntil(k) is not { } until || until > now))
            .Select(k =>
            {
                using var key = ReadKey(k);
                return key.ExportPublicJwk();
            })
            .ToList();
        var nextExpiry = keys
            .Select(PublishedUntil)
            .Where(until => until > now)
            .Select(until => until!.Value)
            .DefaultIfEmpty(DateTimeOffset.MaxValue)
            .Min();
        return new Snapshot(
            keys.OrderByDescending(k => k.Created).ToList(),
            ReadKey(active),
            ReadKey(cavage),
            PublishedKeyId(active),
            PublishedKeyId(cavage),
            new JsonWebKeySet(published),
            stamp,
            server.Authority,
            nextExpiry);
    }

    private ServerKeyInfo Generate(HttpSignatureAlgorithm algorithm, ServerKeyState state, SignatureScheme purpose)
    {
        var now = time.GetUtcNow();
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var name = algorithm.GetRfc9421Name() ?? algorithm.ToString().ToLowerInvariant();
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var keyId = purpose == PurposeCavage ? $"cavage-rsa-{day}-{suffix}" : $"{name}-{day}-{suffix}";
        var file = $"{purpose}-{name}-{now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}-{suffix}.pem";
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
        // The index names a file inside the keys directory, never a path elsewhere.
        if (info.File.Length == 0 || Path.GetFileName(info.File) != info.File)
        {
            throw new InvalidDataException($"Key '{info.KeyId}' in keys.json names the file '{info.File}', which is not a plain file name.");
        }

        if (!HttpSignatureAlgorithms.TryParse(info.Algorithm, out var algorithm) || algorithm.IsSymmetric())
        {
            throw new InvalidDataException($"Key '{info.KeyId}' has an unknown or unusable algorithm '{info.Algorithm}' in keys.json.");
        }

        var path = Path.Combine(Directory, info.File);
        RestrictMode(path, SecretFileMode);
        return SigningKey.ImportPem(File.ReadAllText(path), algorithm, PublishedKeyId(info));
    }

    private IndexStamp ReadStamp()
    {
        var file = new FileInfo(IndexPath);
        return file.Exists ? new IndexStamp(file.LastWriteTimeUtc, file.Length) : default;
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
        _ownWrite = ReadStamp();
    }

    /// <summary>
    /// An exclusive lock shared with other processes on the same data directory (.NET takes an advisory
    /// <c>flock</c> for <see cref="FileShare.None"/>), held for one read-modify-write of the index.
    /// </summary>
    private FileStream AcquireFileLock()
    {
        EnsureDirectory();
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = SecretFileMode;
        }

        var deadline = Environment.TickCount64 + (long)FileLockTimeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, options);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(25);
            }
            catch (IOException ex)
            {
                throw new IOException($"The keys directory is locked by another process (the server or another 'ocm keys' command) for more than {FileLockTimeout.TotalSeconds} s.", ex);
            }
        }
    }

    /// <summary>The keys directory is 0700 — also when it already existed with a looser mode (a restored backup).</summary>
    private void EnsureDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
            return;
        }

        if (!System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.CreateDirectory(Directory, DirectoryMode);
        }

        RestrictMode(Directory, DirectoryMode);
        if (File.Exists(IndexPath))
        {
            RestrictMode(IndexPath, SecretFileMode);
        }
    }

    private static void RestrictMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != mode)
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Creates the file readable and writable by the server user only before any secret is written to it.</summary>
    private static void WriteSecretFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = SecretFileMode;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        RestrictMode(path, SecretFileMode);
    }

    /// <summary>What identifies one version of keys.json: written by another process → new time or size.</summary>
    private readonly record struct IndexStamp(DateTime WriteTimeUtc, long Length);

    private sealed record Snapshot(
        IReadOnlyList<ServerKeyInfo> Keys,
        SigningKey Active,
        SigningKey Cavage,
        string ActiveKeyId,
        string CavageKeyId,
        JsonWebKeySet Published,
        IndexStamp Stamp,
        string Authority,
        DateTimeOffset NextExpiry)
    {
        /// <summary>Still right: same index, same public authority (the kids contain it), no retired key has expired since.</summary>
        public bool IsCurrent(IndexStamp stamp, string authority, DateTimeOffset now) =>
            Stamp == stamp && Authority == authority && NextExpiry > now;
    }

    private static partial class Log
    {
        [LoggerMessage(1920, LogLevel.Information, "Signing keys reloaded: signing with {KeyId}, {Published} key(s) published")]
        public static partial void Reloaded(ILogger logger, string keyId, int published);

        [LoggerMessage(1921, LogLevel.Error, "keys.json could not be loaded ({Error}: {Reason}); still using the previous keys")]
        public static partial void ReloadFailed(ILogger logger, string error, string reason);
    }
}
