using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures;

/// <summary>
/// Remembers accepted signatures until they would be stale anyway, so that a captured request cannot be replayed
/// within the freshness window (OCM §Verification Requirements: <c>created</c> alone is no replay protection inside it). Implement it over a shared store when several server instances
/// accept requests.
/// </summary>
public interface ISignatureReplayCache
{
    /// <summary>
    /// Records a signature; returns false when the same signature was already recorded and has not yet expired.
    /// </summary>
    /// <param name="signature">The signature bytes.</param>
    /// <param name="expiresAt">When the record may be forgotten (the signature is rejected as stale after that).</param>
    bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset expiresAt);

    /// <summary>
    /// <see cref="TryAdd"/> for a store that answers over the network (a database shared by several server instances).
    /// The default calls <see cref="TryAdd"/>.
    /// </summary>
    /// <param name="signature">The signature bytes.</param>
    /// <param name="expiresAt">When the record may be forgotten (the signature is rejected as stale after that).</param>
    /// <param name="cancellationToken">Cancels the store's I/O.</param>
    ValueTask<bool> TryAddAsync(ReadOnlyMemory<byte> signature, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryAdd(signature.Span, expiresAt));
}

/// <summary>
/// An in-process <see cref="ISignatureReplayCache"/>: 128-bit fingerprints (SHA-256 prefix) of signatures with their
/// expiry, purged as it grows. Thread-safe.
/// </summary>
public sealed class MemorySignatureReplayCache : ISignatureReplayCache
{
    private readonly ConcurrentDictionary<UInt128, long> _seen = new();
    private readonly TimeProvider _time;
    private readonly int _purgeThreshold;
    private int _addsSincePurge;

    /// <summary>An empty cache held in this process's memory (one server instance; share a store between several).</summary>
    /// <param name="timeProvider">The clock that decides when an entry has expired; the system clock when null.</param>
    /// <param name="purgeThreshold">Expired entries are purged every this many additions.</param>
    public MemorySignatureReplayCache(TimeProvider? timeProvider = null, int purgeThreshold = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(purgeThreshold, 1);
        _time = timeProvider ?? TimeProvider.System;
        _purgeThreshold = purgeThreshold;
    }

    /// <summary>Number of remembered signatures (including expired ones not yet purged).</summary>
    public int Count => _seen.Count;

    /// <inheritdoc />
    public bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset expiresAt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(signature, hash);
        var key = new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
        var now = _time.GetUtcNow().UtcTicks;
        var expiry = expiresAt.UtcTicks;

        if (Interlocked.Increment(ref _addsSincePurge) >= _purgeThreshold)
        {
            Interlocked.Exchange(ref _addsSincePurge, 0);
            Purge(now);
        }

        while (true)
        {
            if (_seen.TryAdd(key, expiry))
            {
                return true;
            }

            if (!_seen.TryGetValue(key, out var existing))
            {
                continue;
            }

            if (existing > now)
            {
                return false;
            }

            // An expired record of the same signature: replace it (only one caller wins).
            if (_seen.TryUpdate(key, expiry, existing))
            {
                return true;
            }
        }
    }

    private void Purge(long now)
    {
        foreach (var (key, expiry) in _seen)
        {
            if (expiry <= now)
            {
                _seen.TryRemove(new KeyValuePair<UInt128, long>(key, expiry));
            }
        }
    }
}
