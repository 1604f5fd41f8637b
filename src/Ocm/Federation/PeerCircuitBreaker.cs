using System.Collections.Concurrent;

namespace Ocm.Federation;

/// <summary>
/// Per-peer circuit breaker shared by everything that calls other servers: after a few consecutive failures a peer
/// is skipped for a cool-down (doubling up to a cap) so one dead server never costs local users or other peers a
/// timeout per request; one trial call is let through when the cool-down ends. Any success with a peer that had
/// failures — a delivery, a fresh discovery, a request it signed, a probe — closes its circuit at once and is
/// announced through <see cref="Recovered"/>, so what waits for that peer need not wait for its back-off.
/// Peers are keyed by their normalised authority (<c>host[:port]</c> as discovery uses it). Only peers with failures
/// are held; a success forgets the peer, and failures long past are dropped when many peers failed.
/// </summary>
internal sealed class PeerCircuitBreaker(TimeProvider time, int threshold = 3, double breakSeconds = 30, double maxBreakSeconds = 600)
{
    /// <summary>Peers held before failures older than the longest break are dropped.</summary>
    private const int MaxCircuits = 10_000;

    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Raised with the peer's authority when a success follows failures (outside any lock).</summary>
    public event Action<string>? Recovered;

    /// <summary>True when calls to <paramref name="peer"/> should not be attempted now.</summary>
    public bool IsOpen(string peer, out DateTimeOffset retryAt)
    {
        retryAt = default;
        if (!_circuits.TryGetValue(Key(peer), out var circuit))
        {
            return false;
        }

        lock (circuit)
        {
            if (circuit.OpenUntil is { } until && until > time.GetUtcNow())
            {
                retryAt = until;
                return true;
            }

            return false;
        }
    }

    public void OnSuccess(string peer)
    {
        var key = Key(peer);
        if (!_circuits.TryGetValue(key, out var circuit))
        {
            return;
        }

        bool recovered;
        lock (circuit)
        {
            recovered = circuit.ConsecutiveFailures > 0 || circuit.OpenUntil is not null || circuit.Unreachable;
            circuit.ConsecutiveFailures = 0;
            circuit.OpenUntil = null;
            circuit.Breaks = 0;
            circuit.Unreachable = false;
            _circuits.TryRemove(new KeyValuePair<string, Circuit>(key, circuit));
        }

        if (recovered)
        {
            Recovered?.Invoke(key);
        }
    }

    /// <param name="peer">The peer's authority.</param>
    /// <param name="unreachable">
    /// The peer could not be reached at all (no discovery, no connection), as opposed to answering badly or too slowly:
    /// then asking it again whether it is back (<see cref="IsUnreachable"/>) is cheap and tells the truth.
    /// </param>
    public void OnFailure(string peer, bool unreachable = false)
    {
        var key = Key(peer);
        if (_circuits.Count >= MaxCircuits && !_circuits.ContainsKey(key))
        {
            Trim();
        }

        var circuit = _circuits.GetOrAdd(key, _ => new Circuit());
        lock (circuit)
        {
            circuit.LastFailure = time.GetUtcNow();
            circuit.Unreachable = unreachable;
            circuit.ConsecutiveFailures++;
            if (circuit.ConsecutiveFailures >= threshold)
            {
                var seconds = Math.Min(maxBreakSeconds, breakSeconds * Math.Pow(2, circuit.Breaks));
                circuit.OpenUntil = time.GetUtcNow().AddSeconds(seconds);
                circuit.Breaks++;
                circuit.ConsecutiveFailures = threshold - 1; // the trial call after the break decides again
            }
        }
    }

    /// <summary>True when the last failure with <paramref name="peer"/> was that it could not be reached at all.</summary>
    public bool IsUnreachable(string peer)
    {
        if (!_circuits.TryGetValue(Key(peer), out var circuit))
        {
            return false;
        }

        lock (circuit)
        {
            return circuit.Unreachable;
        }
    }

    /// <summary>State for operators: open circuits and their consecutive failures.</summary>
    public IReadOnlyDictionary<string, (int Failures, DateTimeOffset? OpenUntil)> Snapshot() =>
        _circuits.ToDictionary(c => c.Key, c =>
        {
            lock (c.Value)
            {
                return (c.Value.ConsecutiveFailures, c.Value.OpenUntil);
            }
        }, StringComparer.OrdinalIgnoreCase);

    /// <summary>Drops peers whose circuit is closed and whose last failure is older than the longest break.</summary>
    private void Trim()
    {
        var now = time.GetUtcNow();
        var before = now.AddSeconds(-maxBreakSeconds);
        foreach (var (key, circuit) in _circuits)
        {
            lock (circuit)
            {
                if (!(circuit.OpenUntil > now) && circuit.LastFailure < before)
                {
                    _circuits.TryRemove(new KeyValuePair<string, Circuit>(key, circuit));
                }
            }
        }
    }

    /// <summary>One spelling per peer: <c>Host:443</c>, <c>https://host/</c> and <c>host</c> share one circuit.</summary>
    private static string Key(string peer) =>
        Protocol.Discovery.Client.DiscoveryTarget.TryParse(peer, out var target, out _) ? target.Authority : peer;

    private sealed class Circuit
    {
        public int ConsecutiveFailures { get; set; }

        public DateTimeOffset? OpenUntil { get; set; }

        public int Breaks { get; set; }

        public bool Unreachable { get; set; }

        public DateTimeOffset LastFailure { get; set; }
    }
}
