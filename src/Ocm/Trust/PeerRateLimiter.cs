using System.Collections.Concurrent;

namespace Ocm.Trust;

/// <summary>
/// A token bucket per peer (the verified signer's host, else the client address) for OCM endpoints that put prompts
/// in front of users, such as <c>/request-share</c> (OCM §Request for a Share: each request can put a prompt before a user). A peer may send
/// <c>burst</c> requests at once, then one per <c>1 / perHour</c> hours; a refused request learns when to retry.
/// Time comes from the injected <see cref="TimeProvider"/>, so tests need not wait.
/// </summary>
internal sealed class PeerRateLimiter
{
    private const int PurgeThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _tokensPerSecond;

    public PeerRateLimiter(TimeProvider time, int burst, int perHour)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perHour, 1);
        _time = time;
        _capacity = burst;
        _tokensPerSecond = perHour / 3600.0;
    }

    /// <summary>Takes one token for <paramref name="peer"/>; when none is left, returns false and how long to wait.</summary>
    public bool TryAcquire(string peer, out TimeSpan retryAfter)
    {
        var now = _time.GetTimestamp();
        if (_buckets.Count > PurgeThreshold)
        {
            Purge(now);
        }

        var bucket = _buckets.GetOrAdd(peer, _ => new Bucket(_capacity, now));
        lock (bucket)
        {
            bucket.Refill(now, _time, _capacity, _tokensPerSecond);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds(Math.Ceiling((1 - bucket.Tokens) / _tokensPerSecond));
            return false;
        }
    }

    /// <summary>Forgets peers whose bucket is full again (they are indistinguishable from new peers).</summary>
    private void Purge(long now)
    {
        foreach (var (peer, bucket) in _buckets)
        {
            lock (bucket)
            {
                bucket.Refill(now, _time, _capacity, _tokensPerSecond);
                if (bucket.Tokens >= _capacity)
                {
                    _buckets.TryRemove(peer, out _);
                }
            }
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens { get; set; } = tokens;

        public long Updated { get; private set; } = updated;

        public void Refill(long now, TimeProvider time, double capacity, double tokensPerSecond)
        {
            var elapsed = time.GetElapsedTime(Updated, now).TotalSeconds;
            if (elapsed > 0)
            {
                Tokens = Math.Min(capacity, Tokens + (elapsed * tokensPerSecond));
                Updated = now;
            }
        }
    }
}
