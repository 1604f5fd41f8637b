using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Json;
using Ocm.Trust;

namespace Ocm.Delivery;

/// <summary>
/// Delivers <see cref="OutboxMessage"/>s: per peer in order, peers in parallel, transient failures (timeouts,
/// connection errors, 5xx, 429/503 with Retry-After) retried with exponential backoff until the deadline, permanent
/// ones (other 4xx, and whatever our own trust or outbound policy forbids) failed at once with the reason, never
/// retried. An open circuit for a peer defers its messages without spending a request. A peer that could not be
/// reached is probed every <see cref="OutboxOptions.ProbeSeconds"/>; when it answers — to a probe, or by any other
/// contact the <see cref="PeerCircuitBreaker"/> hears of — what waits for it is due at once.
/// Across the nodes of a cluster, a peer's lane is a <see cref="Lease"/> in the database: one node at a time delivers to
/// a peer (so per-peer order holds cluster-wide), renews the lease while it works, and records a result only under the
/// fencing token it acquired the lane with — a node that lost its lane (paused, cut off, lease run out and taken over)
/// cannot record anything, and the node that took over finds the message still pending.
/// </summary>
internal sealed partial class OutboxWorker(
    IServiceScopeFactory scopes,
    OutboxSignal signal,
    OutboxOptions options,
    PeerCircuitBreaker breaker,
    PeerClient peers,
    TrustPolicy trust,
    TimeProvider time,
    DatabaseLeases leases,
    DatabaseWriteGate writeGate,
    IEnumerable<IOutboxListener> listeners,
    Hosting.OcmServerInfo server,
    ILogger<OutboxWorker> logger) : BackgroundService
{
    private const string LanePrefix = "outbox-lane:";

    private readonly Dictionary<OutboxMessageKind, IOutboxListener> _listeners = listeners.ToDictionary(l => l.Kind);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _parallelPeers = new(options.MaxParallelPeers);

    /// <summary>Peers heard from since the last pass whose waiting messages are to be made due.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _reachable = new(StringComparer.OrdinalIgnoreCase);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _recoveredDuringLane = new(StringComparer.OrdinalIgnoreCase);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _lastProbe = new(StringComparer.OrdinalIgnoreCase);
    private int _probes;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        breaker.Recovered += OnPeerRecovered;
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the passes, then waits for the lanes and probes still running beside them: they see the stop, release their
    /// leases and end, before <see cref="Dispose"/> takes away what they use.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Task.WhenAll(_inFlight.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: what is left is ended with the process (a lease runs out by itself).
        }
    }

    public override void Dispose()
    {
        breaker.Recovered -= OnPeerRecovered;
        _parallelPeers.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Contact with a peer that was failing. While a lane serves or probes that peer it only counts once the lane has
    /// really got through (a delivery or a probe succeeded): a success inside a delivery that then fails (its
    /// discovery answered, its request did not) must not make that very delivery due again and again.
    /// </summary>
    private void OnPeerRecovered(string peer)
    {
        if (_inFlight.ContainsKey(peer))
        {
            _recoveredDuringLane[peer] = 0;
        }
        else
        {
            MarkReachable(peer);
        }
    }

    private void MarkReachable(string peer)
    {
        _reachable[peer] = 0;
        signal.Wake();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                Log.WorkerError(logger, ex);
            }

            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(options.PollSeconds), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Starts delivery for every peer with due messages that is not already being served. Peers are served
    /// independently: a slow or dead peer holds only its own lane, never the pass.
    /// </summary>
    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<(long Id, string Peer, DateTimeOffset NextAttemptAt)> pending;
        HashSet<string> elsewhere;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            await ReleaseReachablePeersAsync(db, now, cancellationToken);
            pending = (await db.Set<OutboxMessage>()
                    .Where(m => m.State == OutboxState.Pending)
                    .OrderBy(m => m.Id)
                    .Select(m => new { m.Id, m.Peer, m.NextAttemptAt })
                    .Take(1000)
                    .ToListAsync(cancellationToken))
                .Select(m => (m.Id, m.Peer, m.NextAttemptAt))
                .ToList();
            elsewhere = await leases.HeldElsewhereAsync(db, LanePrefix, cancellationToken);
        }

        foreach (var group in pending.GroupBy(m => m.Peer, StringComparer.OrdinalIgnoreCase))
        {
            if (_inFlight.ContainsKey(group.Key) || elsewhere.Contains(LaneName(group.Key)))
            {
                continue; // served here already, or by another node
            }

            if (group.First().NextAttemptAt > now || breaker.IsOpen(group.Key, out _))
            {
                // Waiting (back-off or open circuit) for a peer that could not be reached at all: ask it, cheaply,
                // whether it is back. A peer that answered slowly or with an error keeps its back-off and Retry-After.
                if (breaker.IsUnreachable(group.Key))
                {
                    StartProbe(group.Key, now, cancellationToken);
                }

                continue;
            }

            var ids = group.Select(m => (m.Id, m.NextAttemptAt)).ToList();
            var lane = new TaskCompletionSource();
            if (!_inFlight.TryAdd(group.Key, lane.Task))
            {
                continue;
            }

            _ = Task.Run(async () =>
            {
                var delivered = false;
                try
                {
                    delivered = await ServePeerAsync(group.Key, ids, now, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.WorkerError(logger, ex);
                }
                finally
                {
                    if (_recoveredDuringLane.TryRemove(group.Key, out _) && delivered)
                    {
                        MarkReachable(group.Key); // what waited behind the lane's snapshot goes out too
                    }

                    _inFlight.TryRemove(group.Key, out _);
                    lane.SetResult();
                    signal.Wake();
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>
    /// Makes due what waits for peers that were heard from: messages that failed for want of an answer (no HTTP status),
    /// not those the peer answered with a temporary error, whose back-off and Retry-After stand.
    /// </summary>
    private async Task ReleaseReachablePeersAsync(OcmDb db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var peer in _reachable.Keys)
        {
            if (!_reachable.TryRemove(peer, out _))
            {
                continue;
            }

            var released = await db.Set<OutboxMessage>()
                .Where(m => m.Peer == peer && m.State == OutboxState.Pending && m.NextAttemptAt > now && m.LastStatus == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
            if (released > 0)
            {
                Log.PeerReachable(logger, peer, released);
            }
        }
    }

    /// <summary>
    /// The half-open trial for a peer that could not be reached: one fresh discovery, at most every
    /// <see cref="OutboxOptions.ProbeSeconds"/> per peer, outside the delivery slots (a dead peer must not hold them).
    /// </summary>
    private void StartProbe(string peer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_lastProbe.TryGetValue(peer, out var last) && now - last < TimeSpan.FromSeconds(options.ProbeSeconds))
        {
            return;
        }

        foreach (var (other, at) in _lastProbe)
        {
            if (now - at >= TimeSpan.FromSeconds(options.ProbeSeconds))
            {
                _lastProbe.TryRemove(new KeyValuePair<string, DateTimeOffset>(other, at)); // only the recent ones matter
            }
        }

        if (Volatile.Read(ref _probes) >= options.MaxParallelPeers)
        {
            return;
        }

        var lane = new TaskCompletionSource();
        if (!_inFlight.TryAdd(peer, lane.Task))
        {
            return;
        }

        _lastProbe[peer] = now;
        Interlocked.Increment(ref _probes);
        _ = Task.Run(async () =>
        {
            try
            {
                if (await peers.ProbeAsync(peer, TimeSpan.FromSeconds(options.ProbeTimeoutSeconds), cancellationToken))
                {
                    MarkReachable(peer);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.WorkerError(logger, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _probes);
                _recoveredDuringLane.TryRemove(peer, out _);
                _inFlight.TryRemove(peer, out _);
                lane.SetResult();
            }
        }, CancellationToken.None);
    }

    private static string LaneName(string peer) => LanePrefix + peer.ToLowerInvariant();

    /// <summary>How long a lane is held without renewal: one delivery request plus the discovery before it.</summary>
    private TimeSpan LaneLease => TimeSpan.FromSeconds(options.RequestTimeoutSeconds + options.DiscoveryAllowanceSeconds);

    /// <summary>
    /// Delivers the peer's due messages in order, holding the peer's lane; true when at least one was delivered.
    /// Nothing happens when another node holds the lane.
    /// </summary>
    private async Task<bool> ServePeerAsync(string peer, List<(long Id, DateTimeOffset NextAttemptAt)> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _parallelPeers.WaitAsync(cancellationToken);
        var delivered = false;
        try
        {
            HeldLease? lane;
            await using (var scope = scopes.CreateAsyncScope())
            {
                lane = await leases.TryAcquireAsync(scope.ServiceProvider.GetRequiredService<OcmDb>(), LaneName(peer), LaneLease, cancellationToken);
            }

            if (lane is null)
            {
                return false; // another node serves this peer now
            }

            using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var stopRenewing = new CancellationTokenSource();
            var renewing = KeepLaneAsync(lane, lost, stopRenewing.Token);
            try
            {
                // In order per peer: a notification about a share never overtakes the share itself.
                foreach (var (id, nextAttemptAt) in messages)
                {
                    var outcome = nextAttemptAt > now ? null : await DeliverAsync(id, lane, lost, cancellationToken);
                    delivered |= outcome == OutcomeKind.Delivered;
                    if (outcome is null or OutcomeKind.Transient or OutcomeKind.LaneLost)
                    {
                        break;
                    }
                }
            }
            finally
            {
                await stopRenewing.CancelAsync();
                await renewing;
                if (!lost.IsCancellationRequested)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    try
                    {
                        await leases.ReleaseAsync(scope.ServiceProvider.GetRequiredService<OcmDb>(), lane, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
                    {
                        Log.WorkerError(logger, ex); // the lease runs out by itself
                    }
                }
            }

            return delivered;
        }
        finally
        {
            _parallelPeers.Release();
        }
    }

    /// <summary>
    /// Renews the lane every third of its lease while the lane works; when another node has taken it over, cancels
    /// <paramref name="lost"/>, which ends a request in flight (its result could not be recorded anyway).
    /// </summary>
    private async Task KeepLaneAsync(HeldLease lane, CancellationTokenSource lost, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(LaneLease / 3, time, stop);
                await using var scope = scopes.CreateAsyncScope();
                if (!await leases.RenewAsync(scope.ServiceProvider.GetRequiredService<OcmDb>(), lane, LaneLease, stop))
                {
                    Log.LaneLost(logger, lane.Name, lane.Fence);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                // The database did not answer: try again; if the lease runs out meanwhile, the fence refuses the result.
                Log.WorkerError(logger, ex);
            }
        }
    }

    /// <summary>
    /// Delivers one message under the peer's lane; null when it is not due (the peer's later messages then wait) and
    /// <see cref="OutcomeKind.Skipped"/> when another node has dealt with it meanwhile.
    /// </summary>
    private async Task<OutcomeKind?> DeliverAsync(long id, HeldLease lane, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();

        // Read again under the lane: the pass's list was read before the lane was acquired.
        var message = await db.Set<OutboxMessage>().SingleAsync(m => m.Id == id, cancellationToken);
        if (message.State != OutboxState.Pending)
        {
            return OutcomeKind.Skipped;
        }

        if (message.NextAttemptAt > time.GetUtcNow())
        {
            return null;
        }

        message.Attempts++;
        Outcome outcome;
        try
        {
            outcome = await SendAsync(db, message, lost.Token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return OutcomeKind.LaneLost; // taken over: the new owner sends it
        }

        message.LastStatus = outcome.Status;
        switch (outcome.Kind)
        {
            case OutcomeKind.Delivered:
                message.State = OutboxState.Delivered;
                message.DeliveredAt = time.GetUtcNow();
                message.LastError = null;
                if (_listeners.TryGetValue(message.Kind, out var onDelivered))
                {
                    await onDelivered.OnDeliveredAsync(db, message, outcome.Body, cancellationToken);
                }

                break;
            case OutcomeKind.Permanent:
                if (!outcome.Counted)
                {
                    breaker.OnSuccess(message.Peer); // nothing says the peer is down
                }

                await FailAsync(db, message, outcome.Error!, cancellationToken);
                break;
            default:
                if (!outcome.Counted)
                {
                    breaker.OnFailure(message.Peer, outcome.Unreachable);
                }

                message.LastError = Truncate(outcome.Error!);
                var retryAt = NextAttempt(message.Attempts, outcome.RetryAfter);
                if (retryAt > message.Deadline)
                {
                    await FailAsync(db, message, $"gave up after {message.Attempts} attempts: {outcome.Error}", cancellationToken);
                }
                else
                {
                    message.NextAttemptAt = retryAt;
                }

                break;
        }

        if (!await RecordUnderLaneAsync(db, lane))
        {
            Log.LaneLost(logger, lane.Name, lane.Fence);
            return OutcomeKind.LaneLost;
        }

        switch (outcome.Kind)
        {
            case OutcomeKind.Delivered:
                Log.Delivered(logger, Log.What(message), message.Id, message.Peer, message.Attempts);
                break;
            case OutcomeKind.Transient when message.State == OutboxState.Pending:
                Log.WillRetry(logger, Log.What(message), message.Id, message.Peer, message.Attempts, outcome.Error!, message.NextAttemptAt);
                break;
            default:
                Log.Failed(logger, Log.What(message), message.Id, message.Peer, message.LastError!);
                break;
        }

        return outcome.Kind;
    }

    /// <summary>
    /// Saves the attempt's result in one transaction with the fence check (the lane renewed under this node's token),
    /// so a node that lost the lane records nothing.
    /// </summary>
    private async Task<bool> RecordUnderLaneAsync(OcmDb db, HeldLease lane)
    {
        using var turn = await writeGate.EnterAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        if (!await leases.RenewAsync(db, lane, LaneLease, CancellationToken.None))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }

        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return true;
    }

    private async Task FailAsync(OcmDb db, OutboxMessage message, string reason, CancellationToken cancellationToken)
    {
        message.State = OutboxState.Failed;
        message.LastError = Truncate(reason);
        if (_listeners.TryGetValue(message.Kind, out var onFailed))
        {
            await onFailed.OnFailedAsync(db, message, cancellationToken);
        }
    }

    private DateTimeOffset NextAttempt(int attempts, TimeSpan? retryAfter)
    {
        var backoff = Math.Min(options.MaxRetrySeconds, options.InitialRetrySeconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        var delay = TimeSpan.FromSeconds(backoff);
        if (retryAfter is { } after && after > delay)
        {
            delay = after < TimeSpan.FromSeconds(options.MaxRetrySeconds) ? after : TimeSpan.FromSeconds(options.MaxRetrySeconds);
        }

        return time.GetUtcNow() + delay;
    }

    private async Task<Outcome> SendAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken)
    {
        // Our own policy may have changed since the message was written: what it forbids now is never retried.
        var trusted = trust.EvaluatePeer(message.Peer);
        if (!trusted.Allowed)
        {
            return Outcome.Permanent(trusted.Reason!, null);
        }

        DiscoveredServer peer;
        try
        {
            peer = await peers.DiscoverAsync(message.Peer, cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            // Blocked by our outbound policy: retrying cannot help until an operator changes it. Anything else about the
            // peer (down, unknown name, a maintenance page) may be mended on its side: retried until the deadline.
            return ex.Failure == DiscoveryFailure.Blocked
                ? Outcome.Permanent(ex.Summary, null)
                : Outcome.Transient(ex.Summary, null, unreachable: ex.Failure is DiscoveryFailure.Unreachable or DiscoveryFailure.UnknownHost);
        }

        if (peer.Document.GetEndPointUri() is not { } endPoint)
        {
            return Outcome.Permanent($"the peer's discovery document has no usable endPoint ('{peer.Document.EndPoint}')", null);
        }

        if (message.Body is null)
        {
            // Composed now, for the peer as it answered this very attempt.
            var (body, refusal) = _listeners.TryGetValue(message.Kind, out var composer)
                ? await composer.BuildBodyAsync(db, message, peer, cancellationToken)
                : (null, "nothing composes this kind of message");
            if (body is null)
            {
                return Outcome.Permanent(refusal ?? "nothing to send", null);
            }

            message.Body = body;
        }

        // Notifications to a peer that speaks OCM 1.5 [1.5?] name this server in senderDomain; older peers get them as written.
        var sent = message.Kind != OutboxMessageKind.Share && Protocol.Notifications.Ocm15Notifications.Speaks15(peer.Document.ApiVersion)
            ? Protocol.Notifications.Ocm15Notifications.WithSenderDomain(message.Body, server.Authority)
            : message.Body;
        var url = new Uri(endPoint, message.Endpoint);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(sent) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        PeerResponse response;
        try
        {
            // The answer is read up to 64 KiB: a share's answer is a few hundred bytes, and a longer one is not needed.
            response = await peers.SendAsync(peer, request, TimeSpan.FromSeconds(options.RequestTimeoutSeconds), cancellationToken, maxResponseBytes: 64 * 1024);
        }
        catch (PeerCallException ex)
        {
            return ex.Failure switch
            {
                PeerFailure.Blocked => Outcome.Permanent(ex.Message, null, counted: true),
                PeerFailure.CircuitOpen => Outcome.Transient(ex.Message, null, ex.RetryAt - time.GetUtcNow(), breaker.IsUnreachable(message.Peer), counted: true),
                _ => Outcome.Transient(ex.Message, null, unreachable: ex.Failure == PeerFailure.Unreachable, counted: true),
            };
        }

        if (response.IsSuccess)
        {
            return Outcome.Delivered(response.Status, response.Body);
        }

        var reason = $"{url.GetLeftPart(UriPartial.Path)} answered {response.Status} {response.ReasonPhrase}{PeerMessage(response.Body)}";
        return response.Status is 408 or 429 or >= 500
            ? Outcome.Transient(reason, response.Status, response.RetryAfterFrom(time.GetUtcNow()), counted: true)
            : Outcome.Permanent(reason, response.Status, counted: true);
    }

    private static string PeerMessage(byte[] body)
    {
        if (body.Length == 0)
        {
            return "";
        }

        try
        {
            var error = OcmJson.ReadError(body);
            var details = error.ValidationErrors is { Count: > 0 } v ? " (" + string.Join(", ", v.Select(e => $"{e.Name}: {e.Message}")) + ")" : "";
            return $": {error.Message}{details}";
        }
        catch (Exception ex) when (ex is Protocol.Errors.OcmFormatException or System.Text.Json.JsonException)
        {
            return "";
        }
    }

    private static string Truncate(string text) => text.Length > 2000 ? text[..2000] : text;

    private enum OutcomeKind
    {
        Delivered,
        Transient,
        Permanent,

        /// <summary>Another node delivered or failed the message meanwhile.</summary>
        Skipped,

        /// <summary>Another node took the peer's lane over: this node stops serving the peer.</summary>
        LaneLost,
    }

    /// <summary>
    /// What one attempt came to. <c>Unreachable</c> (transient only): the peer could not be reached at all.
    /// <c>Counted</c>: the <see cref="PeerClient"/> call already told the peer's circuit breaker how it went.
    /// </summary>
    private sealed record Outcome(OutcomeKind Kind, int? Status, byte[] Body, string? Error, TimeSpan? RetryAfter, bool Unreachable = false, bool Counted = false)
    {
        public static Outcome Delivered(int status, byte[] body) => new(OutcomeKind.Delivered, status, body, null, null, Counted: true);

        public static Outcome Transient(string error, int? status, TimeSpan? retryAfter = null, bool unreachable = false, bool counted = false) =>
            new(OutcomeKind.Transient, status, [], error, retryAfter, unreachable, counted);

        public static Outcome Permanent(string error, int? status, bool counted = false) => new(OutcomeKind.Permanent, status, [], error, null, Counted: counted);
    }

    /// <summary>
    /// Deliveries are named as users see them: the share by the id <c>ocm share list</c> and the API show, the message
    /// by its number on the admin outbox page.
    /// </summary>
    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Delivered {What} to {Peer} (outbox #{Id}, attempt {Attempts})")]
        public static partial void Delivered(ILogger logger, string what, long id, string peer, int attempts);

        [LoggerMessage(1201, LogLevel.Warning, "Delivery of {What} to {Peer} failed (outbox #{Id}, attempt {Attempts}): {Reason}; retrying at {RetryAt:O}")]
        public static partial void WillRetry(ILogger logger, string what, long id, string peer, int attempts, string reason, DateTimeOffset retryAt);

        [LoggerMessage(1202, LogLevel.Warning, "Delivery of {What} to {Peer} failed for good (outbox #{Id}): {Reason}")]
        public static partial void Failed(ILogger logger, string what, long id, string peer, string reason);

        public static string What(OutboxMessage message) => message.SubjectId is not long share
            ? message.Kind.Name()
            : message.Kind == OutboxMessageKind.Share ? $"share {share}" : $"{message.Kind.Name()} about share {share}";

        [LoggerMessage(1203, LogLevel.Error, "Outbox worker pass failed")]
        public static partial void WorkerError(ILogger logger, Exception exception);

        [LoggerMessage(1204, LogLevel.Information, "{Peer} is reachable again: {Count} waiting deliveries are due now")]
        public static partial void PeerReachable(ILogger logger, string peer, int count);

        [LoggerMessage(1205, LogLevel.Warning, "Lost {Lane} (fencing token {Fence}) to another node; it delivers from there, nothing is recorded here")]
        public static partial void LaneLost(ILogger logger, string lane, long fence);
    }
}
