using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>Settings for <see cref="JwksCache"/>.</summary>
public sealed record JwksCacheOptions
{
    /// <summary>How long a fetched JWK Set is used before it is fetched again (default 1 h, like Nextcloud).</summary>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Minimum time between two fetches of the same URI: an unknown <c>kid</c> triggers at most one re-fetch per
    /// interval (a peer that rotated its key is noticed, a flood of unknown kids is not), and a failed fetch is not retried sooner (default 30 s).
    /// </summary>
    public TimeSpan MinimumRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted JWK Set document in bytes (default 64 KiB).</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Most JWK Set URIs kept (default 1,000); beyond it, sets not used within <see cref="TimeToLive"/> are dropped,
    /// so that claims of many different signers cannot grow the cache without bound.
    /// </summary>
    public int MaxEntries { get; init; } = 1000;

    /// <summary>Time limit of one fetch, independent of the callers' cancellation (default 10 s).</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Algorithm for JWKs without <c>alg</c>; null (default) rejects them as OCM §Keys and Algorithms requires <c>alg</c>.
    /// </summary>
    public Func<JsonWebKey, HttpSignatureAlgorithm?>? DefaultAlgorithm { get; init; }
}

/// <summary>
/// Caches peers' JWK Sets per URI: entries live for <see cref="JwksCacheOptions.TimeToLive"/>; an unknown key id
/// causes at most one re-fetch per <see cref="JwksCacheOptions.MinimumRefreshInterval"/>; concurrent requests for the
/// same URI share one fetch; documents larger than <see cref="JwksCacheOptions.MaxResponseBytes"/> are refused;
/// when a refresh fails, the previous set keeps being used. The fetch delegate does the HTTP (SSRF guard, redirects,
/// size-limited reading are the host's job). Thread-safe.
/// </summary>
public sealed class JwksCache
{
    private readonly Func<Uri, CancellationToken, Task<byte[]>> _fetch;
    private readonly JwksCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Uri, Entry> _entries = new();
    private int _fetchCount;

    /// <summary>Creates a cache over a fetch function (URI → response body).</summary>
    public JwksCache(Func<Uri, CancellationToken, Task<byte[]>> fetch, JwksCacheOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        _fetch = fetch;
        _options = options ?? new JwksCacheOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Number of JWK Set URIs currently cached.</summary>
    public int Count => _entries.Count;

    /// <summary>Number of fetches started so far (for diagnostics and tests).</summary>
    public int FetchCount => Volatile.Read(ref _fetchCount);

    /// <summary>The JWK Set at <paramref name="jwksUri"/>, from the cache when fresh.</summary>
    /// <exception cref="HttpSignatureException">The set could not be fetched or parsed
    /// (<see cref="SignatureFailure.KeyResolutionFailed"/>).</exception>
    public async ValueTask<JsonWebKeySet> GetKeySetAsync(Uri jwksUri, CancellationToken cancellationToken = default)
    {
        var snapshot = await GetSnapshotAsync(jwksUri, forceRefreshIfAllowed: false, cancellationToken).ConfigureAwait(false);
        return snapshot.Set;
    }

    /// <summary>
    /// The verification key with <c>kid</c> = <paramref name="keyId"/> from the set at <paramref name="jwksUri"/>, or null
    /// when the set (re-fetched at most once per interval) has no such key.
    /// </summary>
    /// <exception cref="HttpSignatureException">The set could not be obtained
    /// (<see cref="SignatureFailure.KeyResolutionFailed"/>) or the JWK is unusable
    /// (<see cref="SignatureFailure.KeyRejected"/>, e.g. no <c>alg</c>).</exception>
    public async ValueTask<VerificationKey?> GetKeyAsync(Uri jwksUri, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        var snapshot = await GetSnapshotAsync(jwksUri, forceRefreshIfAllowed: false, cancellationToken).ConfigureAwait(false);
        if (!snapshot.Keys.ContainsKey(keyId))
        {
            snapshot = await GetSnapshotAsync(jwksUri, forceRefreshIfAllowed: true, cancellationToken).ConfigureAwait(false);
        }

        if (!snapshot.Keys.TryGetValue(keyId, out var entry))
        {
            return null;
        }

        return entry.Key ?? throw new HttpSignatureException(SignatureFailure.KeyRejected, $"JWK '{keyId}' at {jwksUri} is unusable: {entry.Problem}");
    }

    /// <summary>Forgets the cached set of <paramref name="jwksUri"/>.</summary>
    public void Invalidate(Uri jwksUri)
    {
        ArgumentNullException.ThrowIfNull(jwksUri);
        _entries.TryRemove(jwksUri, out _);
    }

    private async ValueTask<Snapshot> GetSnapshotAsync(Uri uri, bool forceRefreshIfAllowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var now = _time.GetUtcNow();
        if (!_entries.TryGetValue(uri, out var entry))
        {
            if (_entries.Count >= _options.MaxEntries)
            {
                Trim(now);
            }

            entry = _entries.GetOrAdd(uri, static _ => new Entry());
        }

        Task<Snapshot> pending;
        lock (entry)
        {
            entry.LastUsed = now;
            var current = entry.Current;
            var fresh = current is not null && now - current.FetchedAt < _options.TimeToLive;
            var mayFetch = entry.LastAttempt is null || now - entry.LastAttempt.Value >= _options.MinimumRefreshInterval;
            if (current is not null && (fresh || !mayFetch) && !(forceRefreshIfAllowed && mayFetch))
            {
                return current;
            }

            if (entry.InFlight is null)
            {
                if (!mayFetch && entry.LastError is { } last)
                {
                    throw new HttpSignatureException(last.Failure, $"{last.Message} (not retried before {_options.MinimumRefreshInterval.TotalSeconds} s have passed)", last);
                }

                entry.LastAttempt = now;
                entry.InFlight = FetchAsync(uri, entry);
            }

            pending = entry.InFlight;
        }

        return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Snapshot> FetchAsync(Uri uri, Entry entry)
    {
        await Task.Yield(); // leave the lock before doing I/O
        Interlocked.Increment(ref _fetchCount);
        try
        {
            byte[] body;
            using (var timeout = new CancellationTokenSource(_options.FetchTimeout, _time))
            {
                try
                {
                    body = await _fetch(uri, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not HttpSignatureException)
                {
                    throw new HttpSignatureException(SignatureFailure.KeyResolutionFailed, $"Fetching the JWK Set {uri} failed: {ex.Message}", ex);
                }
            }

            if (body.Length > _options.MaxResponseBytes)
            {
                throw new HttpSignatureException(
                    SignatureFailure.KeyResolutionFailed,
                    $"The JWK Set {uri} has {body.Length} bytes, more than the limit of {_options.MaxResponseBytes}.");
            }

            JsonWebKeySet set;
            try
            {
                set = JsonWebKeySet.Parse(body);
            }
            catch (FormatException ex)
            {
                throw new HttpSignatureException(SignatureFailure.KeyResolutionFailed, $"{uri} is not a JWK Set: {ex.Message}", ex);
            }

            var snapshot = new Snapshot(set, ConvertKeys(set), _time.GetUtcNow());
            lock (entry)
            {
                entry.Current = snapshot;
                entry.LastError = null;
            }

            return snapshot;
        }
        catch (HttpSignatureException ex)
        {
            lock (entry)
            {
                entry.LastError = ex;
                if (entry.Current is { } stale)
                {
                    // Keep serving the previous set while the peer is unreachable (stale-if-error).
                    return stale;
                }
            }

            throw;
        }
        finally
        {
            lock (entry)
            {
                entry.InFlight = null;
            }
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (uri, entry) in _entries)
        {
            if (entry.InFlight is null && now - entry.LastUsed > _options.TimeToLive)
            {
                _entries.TryRemove(uri, out _);
            }
        }

        // Still full: drop the least recently used half.
        if (_entries.Count >= _options.MaxEntries)
        {
            foreach (var (uri, _) in _entries.OrderBy(e => e.Value.LastUsed).Take(_entries.Count / 2).ToList())
            {
                _entries.TryRemove(uri, out _);
            }
        }
    }

    private Dictionary<string, KeySlot> ConvertKeys(JsonWebKeySet set)
    {
        var keys = new Dictionary<string, KeySlot>(StringComparer.Ordinal);
        foreach (var jwk in set.Keys)
        {
            if (jwk.Kid is null || keys.ContainsKey(jwk.Kid))
            {
                continue;
            }

            try
            {
                keys[jwk.Kid] = new KeySlot(jwk.ToVerificationKey(jwk.Alg is null ? _options.DefaultAlgorithm?.Invoke(jwk) : null), null);
            }
            catch (CryptographicException ex)
            {
                keys[jwk.Kid] = new KeySlot(null, ex.Message);
            }
        }

        return keys;
    }

    private sealed record KeySlot(VerificationKey? Key, string? Problem);

    private sealed record Snapshot(JsonWebKeySet Set, Dictionary<string, KeySlot> Keys, DateTimeOffset FetchedAt);

    private sealed class Entry
    {
        public Snapshot? Current { get; set; }

        public DateTimeOffset? LastAttempt { get; set; }

        public HttpSignatureException? LastError { get; set; }

        public Task<Snapshot>? InFlight { get; set; }

        public DateTimeOffset LastUsed { get; set; }
    }
}
