using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
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

/// <summary>What peers see of a key and what the server needs to use it (the private key is in <see cref="ServerKeyRecord"/>).</summary>
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

/// <summary>
/// The server's own signing keys, in the database so that every node signs with the same keys and publishes the same
/// JWK Set: an Ed25519 key for RFC 9421 and an RSA-2048 key for the legacy draft-cavage <c>publicKey</c> Nextcloud still
/// uses, generated on the first start (or imported once from the <c>keys/</c> folder of an older data directory).
/// Private keys are sealed with the <see cref="DeploymentSecret"/>. Rotation without breaking peers: <c>add</c>
/// publishes a pending key, <c>activate</c> switches signing to it (the previous one is retired), <c>retire</c> stops
/// using a key but keeps it published for <see cref="RetiredKeyGrace"/> so signatures made just before still verify.
/// Every change bumps the version of <see cref="ServerKeyRing"/>, whose row update is also the lock writers on all
/// nodes queue on; each node re-reads the keys when that version changed (<see cref="ServerKeyRefresher"/> looks every
/// <see cref="RefreshInterval"/>, the JWK Set endpoint on every request). A key ring that cannot be read never takes a
/// running server down: it keeps the keys it had and logs why.
/// </summary>
internal sealed partial class ServerKeyStore(
    IServiceScopeFactory scopes,
    DeploymentSecret secret,
    DatabaseWriteGate writeGate,
    OcmServerInfo server,
    TimeProvider time,
    ILogger<ServerKeyStore> logger) : IOcmDataInitializer, IDisposable
{
    public const SignatureScheme PurposeRfc9421 = SignatureScheme.Rfc9421;
    public const SignatureScheme PurposeCavage = SignatureScheme.Cavage;

    /// <summary>Longer than any verifier's freshness window (300 s by default) plus clock skew.</summary>
    public static readonly TimeSpan RetiredKeyGrace = TimeSpan.FromMinutes(15);

    /// <summary>How often a node looks whether another node (or an <c>ocm keys</c> command) changed the keys.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    /// <summary>The purpose private keys are sealed for (see <see cref="DeploymentSecret.Seal(string, string, string)"/>).</summary>
    internal const string SealPurpose = "signing keys";

    private readonly SemaphoreSlim _reload = new(1, 1);
    private Snapshot? _snapshot;

    public void Dispose() => _reload.Dispose();

    /// <summary>Every key, newest first.</summary>
    public IReadOnlyList<ServerKeyInfo> List() => Current.Keys;

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

    /// <summary>True once the keys are loaded (at start, before requests are served).</summary>
    public bool IsLoaded => Volatile.Read(ref _snapshot) is not null;

    /// <summary>The key RFC 9421 signatures are made with.</summary>
    public SigningKey ActiveSigningKey => Current.Active;

    /// <summary>The RSA key for draft-cavage signatures, and its <c>keyId</c> as published in discovery.</summary>
    public (SigningKey Key, string KeyId) CavageKey
    {
        get
        {
            var snapshot = Current;
            return (snapshot.Cavage, snapshot.CavageKeyId);
        }
    }

    /// <summary>The JWK Set to publish: pending, active and recently retired RFC 9421 keys.</summary>
    public JsonWebKeySet PublishedKeySet
    {
        get
        {
            var snapshot = Current;
            var now = time.GetUtcNow();
            return new JsonWebKeySet(snapshot.Keys
                .Where(k => k.Purpose == PurposeRfc9421 && (PublishedUntil(k) is not { } until || until > now))
                .Select(k => snapshot.PublicKeys[k.KeyId])
                .ToList());
        }
    }

    private Snapshot Current
    {
        get
        {
            var snapshot = Volatile.Read(ref _snapshot) ?? throw new InvalidOperationException("The signing keys are not loaded yet (IOcmDataInitializer did not run).");
            if (snapshot.Authority != server.Authority)
            {
                // The kids contain the public authority, which is known only once the server listens.
                snapshot = Build(snapshot.Records, snapshot.Version);
                Volatile.Write(ref _snapshot, snapshot);
            }

            return snapshot;
        }
    }

    /// <summary>Loads the keys; on a database without keys imports an older data directory's, or generates the first ones.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
                var records = await db.Set<ServerKeyRecord>().AsNoTracking().ToListAsync(cancellationToken);
                if (LacksInitialKeys(records.Select(r => r.ToInfo()).ToList()))
                {
                    await ChangeAsync(keys =>
                    {
                        // Another node may have won the race to here: then there is nothing left to do.
                        var changed = false;
                        if (keys.Count == 0 && LegacyKeys.Read(server.DataDir) is { Count: > 0 } legacy)
                        {
                            keys.AddRange(legacy);
                            Log.Imported(logger, legacy.Count);
                            changed = true;
                        }

                        if (LacksInitialKeys(keys.Select(k => k.Info).ToList()))
                        {
                            AddInitialKeys(keys);
                            changed = true;
                        }

                        return changed;
                    }, cancellationToken);
                }
            }

            await RefreshAsync(force: true, cancellationToken);
        }
        catch (DeploymentSecretMismatchException ex)
        {
            throw new OcmStartupException("cannot read the signing keys: " + ex.Message, StartupFailures.ExitConfiguration, ex);
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or CryptographicException)
        {
            throw new OcmStartupException($"cannot load the signing keys: {StartupFailures.OneLine(ex.Message).TrimEnd('.')}", StartupFailures.ExitEnvironment, ex);
        }
    }

    /// <summary>Re-reads the keys when another node or command changed them (one primary-key read when nothing changed).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => RefreshAsync(force: false, cancellationToken);

    /// <summary>Generates a key and publishes it as pending; returns its info.</summary>
    public async Task<ServerKeyInfo> AddAsync(HttpSignatureAlgorithm algorithm, CancellationToken cancellationToken)
    {
        if (algorithm.IsSymmetric())
        {
            throw new ServerKeyException($"{algorithm} is a shared-secret algorithm; OCM allows only asymmetric keys.");
        }

        ServerKeyInfo? added = null;
        await ChangeAsync(keys =>
        {
            var key = Generate(algorithm, ServerKeyState.Pending, PurposeRfc9421);
            keys.Add(key);
            added = key.Info;
            return true;
        }, cancellationToken);
        return added!;
    }

    /// <summary>Switches signing to <paramref name="nameOrKeyId"/>; the previously active key is retired (still published for a while).</summary>
    public async Task<ServerKeyInfo> ActivateAsync(string nameOrKeyId, CancellationToken cancellationToken)
    {
        ServerKeyInfo? result = null;
        await ChangeAsync(keys =>
        {
            var target = FindSigningKey(keys, nameOrKeyId);
            switch (target.Info.State)
            {
                case ServerKeyState.Active:
                    result = target.Info;
                    return false;
                case ServerKeyState.Retired:
                    throw new ServerKeyException($"Key '{target.Info.KeyId}' is retired; add a new key instead of reviving an old one.");
            }

            var now = time.GetUtcNow();
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i].Info.Purpose == PurposeRfc9421 && keys[i].Info.State == ServerKeyState.Active)
                {
                    keys[i] = keys[i] with { Info = keys[i].Info with { State = ServerKeyState.Retired, Retired = now } };
                }
            }

            var activated = target with { Info = target.Info with { State = ServerKeyState.Active, Activated = now } };
            keys[keys.IndexOf(target)] = activated;
            result = activated.Info;
            return true;
        }, cancellationToken);
        return result!;
    }

    /// <summary>Stops using a pending key (the active one can only be replaced, by activating another key).</summary>
    public async Task<ServerKeyInfo> RetireAsync(string nameOrKeyId, CancellationToken cancellationToken)
    {
        ServerKeyInfo? result = null;
        await ChangeAsync(keys =>
        {
            var target = FindSigningKey(keys, nameOrKeyId);
            switch (target.Info.State)
            {
                case ServerKeyState.Active:
                    throw new ServerKeyException($"Key '{target.Info.KeyId}' is the active signing key; activate another key first (that retires this one).");
                case ServerKeyState.Retired:
                    result = target.Info;
                    return false;
            }

            var retired = target with { Info = target.Info with { State = ServerKeyState.Retired, Retired = time.GetUtcNow() } };
            keys[keys.IndexOf(target)] = retired;
            result = retired.Info;
            return true;
        }, cancellationToken);
        return result!;
    }

    /// <summary>
    /// One read-modify-write of the key ring under the ring's row lock (PostgreSQL row lock, SQLite's write lock): nodes
    /// and commands changing keys at once queue instead of overwriting each other. <paramref name="change"/> returns
    /// false when nothing changed.
    /// </summary>
    private async Task ChangeAsync(Func<List<PlainKey>, bool> change, CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            using var turn = await writeGate.EnterAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Set<ServerKeyRing>().Where(r => r.Id == ServerKeyRing.SingletonId)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);
            var records = await db.Set<ServerKeyRecord>().ToListAsync(cancellationToken);
            var keys = records.Select(r => new PlainKey(r.ToInfo(), secret.OpenString(SealPurpose, r.KeyId, r.PrivateKey))).ToList();
            if (!change(keys))
            {
                return; // rolled back: the version stays
            }

            foreach (var key in keys)
            {
                var record = records.FirstOrDefault(r => r.KeyId == key.Info.KeyId);
                if (record is null)
                {
                    record = new ServerKeyRecord { KeyId = key.Info.KeyId, PrivateKey = secret.Seal(SealPurpose, key.Info.KeyId, key.Pem) };
                    db.Add(record);
                }

                record.Update(key.Info);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await RefreshAsync(force: true, cancellationToken);
    }

    private async Task RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var version = await db.Set<ServerKeyRing>().Where(r => r.Id == ServerKeyRing.SingletonId).Select(r => r.Version).FirstOrDefaultAsync(cancellationToken);
            var current = Volatile.Read(ref _snapshot);
            if (!force && current is not null && current.Version == version)
            {
                return;
            }

            var records = await db.Set<ServerKeyRecord>().AsNoTracking().ToListAsync(cancellationToken);
            var plain = records.Select(r => new PlainKey(r.ToInfo(), secret.OpenString(SealPurpose, r.KeyId, r.PrivateKey))).ToList();
            var snapshot = Build(plain, version);
            Volatile.Write(ref _snapshot, snapshot);
            if (current is not null && current.Version != version)
            {
                Log.Reloaded(logger, snapshot.Active.KeyId ?? "", snapshot.Keys.Count(IsPublished));
            }
        }
        catch (Exception ex) when (Volatile.Read(ref _snapshot) is not null && ex is not OperationCanceledException)
        {
            // Keep signing with the keys we had; the next refresh tries again.
            Log.ReloadFailed(logger, ex.GetType().Name, ex.Message);
        }
        finally
        {
            _reload.Release();
        }
    }

    private static bool LacksInitialKeys(List<ServerKeyInfo> keys) =>
        !keys.Any(k => k.Purpose == PurposeRfc9421 && k.State == ServerKeyState.Active)
        || !keys.Any(k => k.Purpose == PurposeCavage && k.State == ServerKeyState.Active);

    private void AddInitialKeys(List<PlainKey> keys)
    {
        if (!keys.Any(k => k.Info.Purpose == PurposeRfc9421 && k.Info.State == ServerKeyState.Active))
        {
            keys.Add(Generate(HttpSignatureAlgorithm.Ed25519, ServerKeyState.Active, PurposeRfc9421));
        }

        if (!keys.Any(k => k.Info.Purpose == PurposeCavage && k.Info.State == ServerKeyState.Active))
        {
            keys.Add(Generate(HttpSignatureAlgorithm.RsaV15Sha256, ServerKeyState.Active, PurposeCavage));
        }
    }

    /// <summary>
    /// The key named <paramref name="nameOrKeyId"/>: its local name (<c>ed25519-20261128-1a2b3c4d</c>) or its
    /// published <c>kid</c> (<c>files.example.net#ed25519-…</c>, with whatever authority the caller knows it under).
    /// </summary>
    private PlainKey FindSigningKey(List<PlainKey> keys, string nameOrKeyId)
    {
        var key = keys.FirstOrDefault(k => k.Info.KeyId == nameOrKeyId)
            ?? keys.FirstOrDefault(k => PublishedKeyId(k.Info) == nameOrKeyId)
            ?? keys.FirstOrDefault(k => k.Info.Purpose == PurposeRfc9421 && nameOrKeyId.EndsWith("#" + k.Info.KeyId, StringComparison.Ordinal))
            ?? throw new ServerKeyException($"No key '{nameOrKeyId}'. See 'ocm keys list'.");
        return key.Info.Purpose == PurposeRfc9421
            ? key
            : throw new ServerKeyException($"Key '{key.Info.KeyId}' is the legacy draft-cavage key published in discovery; it is not rotated with activate/retire.");
    }

    private Snapshot Build(IReadOnlyList<PlainKey> keys, long version)
    {
        if (LacksInitialKeys(keys.Select(k => k.Info).ToList()))
        {
            throw new InvalidDataException("The key ring in the database has no active RFC 9421 or draft-cavage key.");
        }

        // Normally one active key per purpose; after a hand edit with several, the most recently activated one signs.
        var active = keys.Where(k => k.Info.Purpose == PurposeRfc9421 && k.Info.State == ServerKeyState.Active)
            .OrderByDescending(k => k.Info.Activated ?? k.Info.Created).ThenBy(k => k.Info.KeyId, StringComparer.Ordinal).First();
        var cavage = keys.Where(k => k.Info.Purpose == PurposeCavage && k.Info.State == ServerKeyState.Active)
            .OrderByDescending(k => k.Info.Activated ?? k.Info.Created).ThenBy(k => k.Info.KeyId, StringComparer.Ordinal).First();
        var publicKeys = new Dictionary<string, JsonWebKey>(StringComparer.Ordinal);
        foreach (var key in keys.Where(k => k.Info.Purpose == PurposeRfc9421))
        {
            using var signing = Import(key);
            publicKeys[key.Info.KeyId] = signing.ExportPublicJwk();
        }

        return new Snapshot(
            keys.Select(k => k.Info).OrderByDescending(k => k.Created).ToList(),
            keys,
            Import(active),
            Import(cavage),
            PublishedKeyId(cavage.Info),
            publicKeys,
            version,
            server.Authority);
    }

    private SigningKey Import(PlainKey key)
    {
        if (!HttpSignatureAlgorithms.TryParse(key.Info.Algorithm, out var algorithm) || algorithm.IsSymmetric())
        {
            throw new InvalidDataException($"Key '{key.Info.KeyId}' has an unknown or unusable algorithm '{key.Info.Algorithm}'.");
        }

        return SigningKey.ImportPem(key.Pem, algorithm, PublishedKeyId(key.Info));
    }

    private PlainKey Generate(HttpSignatureAlgorithm algorithm, ServerKeyState state, SignatureScheme purpose)
    {
        var now = time.GetUtcNow();
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var name = algorithm.GetRfc9421Name() ?? algorithm.ToString().ToLowerInvariant();
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var keyId = purpose == PurposeCavage ? $"cavage-rsa-{day}-{suffix}" : $"{name}-{day}-{suffix}";
        using var key = SigningKey.Generate(algorithm, keyId);
        return new PlainKey(
            new ServerKeyInfo
            {
                KeyId = keyId,
                Algorithm = name,
                State = state,
                Purpose = purpose,
                Created = now,
                Activated = state == ServerKeyState.Active ? now : null,
            },
            key.ExportPrivateKeyPem());
    }

    /// <summary>A key with its private key in PEM, only ever in memory.</summary>
    internal sealed record PlainKey(ServerKeyInfo Info, string Pem);

    private sealed record Snapshot(
        IReadOnlyList<ServerKeyInfo> Keys,
        IReadOnlyList<PlainKey> Records,
        SigningKey Active,
        SigningKey Cavage,
        string CavageKeyId,
        IReadOnlyDictionary<string, JsonWebKey> PublicKeys,
        long Version,
        string Authority);

    private static partial class Log
    {
        [LoggerMessage(1920, LogLevel.Information, "Signing keys reloaded: signing with {KeyId}, {Published} key(s) published")]
        public static partial void Reloaded(ILogger logger, string keyId, int published);

        [LoggerMessage(1921, LogLevel.Error, "The signing keys could not be reloaded ({Error}: {Reason}); still using the previous keys")]
        public static partial void ReloadFailed(ILogger logger, string error, string reason);

        [LoggerMessage(1922, LogLevel.Information, "Imported {Count} signing key(s) from the data directory's keys/keys.json into the database; the keys folder is no longer read")]
        public static partial void Imported(ILogger logger, int count);
    }
}

/// <summary>
/// The keys of a data directory from before the keys moved to the database: <c>keys/keys.json</c> naming one PEM
/// file per key beside it. Read once, on the first start against a database without keys.
/// </summary>
internal static class LegacyKeys
{
    public static List<ServerKeyStore.PlainKey>? Read(string dataDir)
    {
        var directory = Path.Combine(dataDir, "keys");
        var index = Path.Combine(directory, "keys.json");
        if (!File.Exists(index))
        {
            return null;
        }

        using var stream = File.OpenRead(index);
        var entries = JsonSerializer.Deserialize(stream, LegacyKeysJsonContext.Default.ListLegacyKeyEntry) ?? [];
        var keys = new List<ServerKeyStore.PlainKey>();
        foreach (var entry in entries)
        {
            // The index names a file inside the keys directory, never a path elsewhere.
            if (entry.File.Length == 0 || Path.GetFileName(entry.File) != entry.File)
            {
                throw new InvalidDataException($"Key '{entry.KeyId}' in {index} names the file '{entry.File}', which is not a plain file name.");
            }

            var info = new ServerKeyInfo
            {
                KeyId = entry.KeyId,
                Algorithm = entry.Algorithm,
                State = entry.State,
                Purpose = entry.Purpose,
                Created = entry.Created,
                Activated = entry.Activated,
                Retired = entry.Retired,
            };
            keys.Add(new ServerKeyStore.PlainKey(info, File.ReadAllText(Path.Combine(directory, entry.File))));
        }

        return keys;
    }
}

/// <summary>One entry of an old <c>keys/keys.json</c>.</summary>
internal sealed record LegacyKeyEntry
{
    public required string KeyId { get; init; }

    public required string Algorithm { get; init; }

    public required ServerKeyState State { get; init; }

    public SignatureScheme Purpose { get; init; } = ServerKeyStore.PurposeRfc9421;

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Activated { get; init; }

    public DateTimeOffset? Retired { get; init; }

    public required string File { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<LegacyKeyEntry>))]
internal sealed partial class LegacyKeysJsonContext : JsonSerializerContext;

/// <summary>Looks every <see cref="ServerKeyStore.RefreshInterval"/> whether the keys changed elsewhere.</summary>
internal sealed class ServerKeyRefresher(ServerKeyStore keys, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ServerKeyStore.RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await keys.RefreshAsync(stoppingToken);
        }
    }
}
