using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Protocol.Discovery.Client;

namespace Ocm.Federation;

/// <summary>
/// Discovery as the server uses it: the cached, SSRF-guarded discovery client, plus a record of every peer seen
/// (dialect, version, capabilities, last success or failure) for operators. A fresh answer from a peer counts as
/// contact for the <see cref="PeerCircuitBreaker"/>: a peer that was failing is reachable again.
/// </summary>
internal sealed partial class PeerDirectory(
    IOcmDiscoveryClient discovery,
    DiscoveryClientOptions options,
    IServiceScopeFactory scopes,
    PeerCircuitBreaker breaker,
    TimeProvider time,
    ILogger<PeerDirectory> logger)
{
    /// <summary>
    /// The discovery fetch last recorded per peer: a cached answer is not written to the database again. Entries older
    /// than the discovery cache are of no use (the next answer is a fresh fetch) and are dropped.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _recorded = new(StringComparer.OrdinalIgnoreCase);

    public async Task<DiscoveredServer> DiscoverAsync(string target, CancellationToken cancellationToken)
    {
        try
        {
            var server = await discovery.DiscoverAsync(target, cancellationToken);
            if (_recorded.TryGetValue(server.Authority, out var recorded) && recorded == server.FetchedAt)
            {
                return server;
            }

            TrimRecorded(server.FetchedAt - options.CacheTtl);
            _recorded[server.Authority] = server.FetchedAt;
            breaker.OnSuccess(server.Authority);
            await RecordAsync(server.Authority, peer =>
            {
                peer.Provider = server.Document.Provider;
                peer.ApiVersion = server.Document.ApiVersion;
                peer.Dialect = server.Dialect;
                peer.Capabilities = string.Join(' ', server.Document.Capabilities);
                peer.Criteria = string.Join(' ', server.Document.Criteria);
                peer.EndPoint = server.Document.EndPoint;
                peer.LastDiscovered = server.FetchedAt;
            }, cancellationToken);
            return server;
        }
        catch (OcmDiscoveryException ex)
        {
            _recorded.TryRemove(ex.Target, out _);
            await RecordAsync(ex.Target, peer =>
            {
                peer.LastFailure = time.GetUtcNow();
                peer.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
            }, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Asks <paramref name="authority"/> again, past the discovery cache (a failure is remembered for a while), within
    /// <paramref name="timeout"/>: its answer when it answered as an OCM server, else null. The half-open trial of a
    /// failing peer.
    /// </summary>
    public async Task<DiscoveredServer?> ProbeAsync(string authority, TimeSpan timeout, CancellationToken cancellationToken)
    {
        discovery.Invalidate(authority);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await DiscoverAsync(authority, limit.Token);
        }
        catch (OcmDiscoveryException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // the fetch goes on detached and caches its outcome for the next caller
        }
    }

    /// <summary>
    /// Keeps <see cref="_recorded"/> within the discovery cache's bound: entries older than <paramref name="before"/>
    /// go first; if that is not enough, all of them (the cost is one more database write per peer).
    /// </summary>
    private void TrimRecorded(DateTimeOffset before)
    {
        if (_recorded.Count < 64)
        {
            return;
        }

        foreach (var (authority, fetched) in _recorded)
        {
            if (fetched < before)
            {
                _recorded.TryRemove(new KeyValuePair<string, DateTimeOffset>(authority, fetched));
            }
        }

        if (_recorded.Count >= options.MaxEntries)
        {
            _recorded.Clear();
        }
    }

    private async Task RecordAsync(string authority, Action<Peer> update, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authority))
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var peer = await db.Set<Peer>().SingleOrDefaultAsync(p => p.Host == authority, cancellationToken);
            if (peer is null)
            {
                peer = new Peer { Host = authority, FirstSeen = time.GetUtcNow() };
                db.Add(peer);
            }

            update(peer);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            // Two first contacts raced on the unique host; the other one recorded it. Bookkeeping must never fail a call.
            Log.RecordFailed(logger, authority, ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Debug, "Could not record peer {Authority}: {Reason}")]
        public static partial void RecordFailed(ILogger logger, string authority, string reason);
    }
}
