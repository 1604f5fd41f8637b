using System.Collections.Concurrent;
using System.Net;

namespace Ocm.Users;

/// <summary>
/// Counts failed sign-ins per user name and per client IP in a sliding window (in memory; a restart forgives).
/// Once either count reaches its limit, sign-ins for that name or from that address are refused without running the KDF
/// until the oldest failure leaves the window, which also keeps a password-guessing client from burning CPU.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time, UsersOptions options)
{
    private const int PruneThreshold = 10_000;

    private readonly ConcurrentDictionary<string, FailureLog> _failures = new(StringComparer.Ordinal);

    private TimeSpan Window => TimeSpan.FromSeconds(options.FailureWindowSeconds);

    /// <summary>How long until a sign-in for <paramref name="userName"/> from <paramref name="address"/> may be tried, or null if it may be tried now.</summary>
    public TimeSpan? RetryAfter(string userName, IPAddress? address)
    {
        var now = time.GetUtcNow();
        var byUser = Check(UserKey(userName), options.MaxFailuresPerUser, now);
        var byAddress = address is null ? null : Check(AddressKey(address), options.MaxFailuresPerIp, now);
        return (byUser, byAddress) switch
        {
            (null, null) => null,
            (TimeSpan u, null) => u,
            (null, TimeSpan a) => a,
            (TimeSpan u, TimeSpan a) => u > a ? u : a,
        };
    }

    public void RecordFailure(string userName, IPAddress? address)
    {
        var now = time.GetUtcNow();
        Record(UserKey(userName), options.MaxFailuresPerUser, now);
        if (address is not null)
        {
            Record(AddressKey(address), options.MaxFailuresPerIp, now);
        }

        if (_failures.Count > PruneThreshold)
        {
            Prune(now);
        }
    }

    /// <summary>A successful sign-in forgives the user name's failures (the address keeps its count).</summary>
    public void RecordSuccess(string userName) => _failures.TryRemove(UserKey(userName), out _);

    private static string UserKey(string userName) => "u:" + User.Normalize(userName);

    private static string AddressKey(IPAddress address)
    {
        // An IPv6 client controls its whole /64, so it is counted as one address.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return "a:" + address;
    }

    private TimeSpan? Check(string key, int limit, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var log))
        {
            return null;
        }

        lock (log)
        {
            log.Expire(now - Window);
            if (log.Times.Count < limit)
            {
                return null;
            }

            // The oldest of the last `limit` failures decides when the count drops below the limit again.
            var oldest = log.Times.ElementAt(log.Times.Count - limit);
            var wait = oldest + Window - now;
            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    private void Record(string key, int limit, DateTimeOffset now)
    {
        var log = _failures.GetOrAdd(key, _ => new FailureLog());
        lock (log)
        {
            log.Expire(now - Window);
            log.Times.Enqueue(now);
            while (log.Times.Count > limit)
            {
                log.Times.Dequeue();
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, log) in _failures)
        {
            lock (log)
            {
                log.Expire(now - Window);
                if (log.Times.Count == 0)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class FailureLog
    {
        public Queue<DateTimeOffset> Times { get; } = new();

        public void Expire(DateTimeOffset before)
        {
            while (Times.Count > 0 && Times.Peek() <= before)
            {
                Times.Dequeue();
            }
        }
    }
}
