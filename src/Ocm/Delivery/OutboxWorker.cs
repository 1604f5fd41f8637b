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
/// </summary>
internal sealed partial class OutboxWorker(
    IServiceScopeFactory scopes,
    OutboxSignal signal,
    OutboxOptions options,
    PeerCircuitBreaker breaker,
    PeerClient peers,
    TrustPolicy trust,
    TimeProvider time,
    IEnumerable<IOutboxListener> listeners,
    ILogger<OutboxWorker> logger) : BackgroundService
{
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
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            await ReleaseReachablePeersAsync(db, now, cancellationToken);
            pending = (await db.Set<OutboxMessage>()
                    .Where(m => m.State == OutboxState.Pending)
                    .OrderBy(m => m.Id)
                    .Select(m => new { m.Id, m.Peer, m.NextAttemptAt, m.LeaseUntil })
                    .Take(1000)
                    .ToListAsync(cancellationToken))
                .Where(m => m.LeaseUntil is null || m.LeaseUntil < now)
                .Select(m => (m.Id, m.Peer, m.NextAttemptAt))
                .ToList();
        }

        foreach (var group in pending.GroupBy(m => m.Peer, StringComparer.OrdinalIgnoreCase))
        {
            if (_inFlight.ContainsKey(group.Key))
            {
                continue;
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
                    delivered = await ServePeerAsync(ids, now, cancellationToken);
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

    /// <summary>Delivers the peer's due messages in order; true when at least one was delivered.</summary>
    private async Task<bool> ServePeerAsync(List<(long Id, DateTimeOffset NextAttemptAt)> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _parallelPeers.WaitAsync(cancellationToken);
        var delivered = false;
        try
        {
            // In order per peer: a notification about a share never overtakes the share itself.
            foreach (var (id, nextAttemptAt) in messages)
            {
                var outcome = nextAttemptAt > now ? null : await DeliverAsync(id, cancellationToken);
                delivered |= outcome == OutcomeKind.Delivered;
                if (outcome is null or OutcomeKind.Transient)
                {
                    break;
                }
            }

            return delivered;
        }
        finally
        {
            _parallelPeers.Release();
        }
    }

    /// <summary>Claims and delivers one message; null when another worker has it (the peer's later messages then wait).</summary>
    private async Task<OutcomeKind?> DeliverAsync(long id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var now = time.GetUtcNow();
        var lease = now.AddSeconds(options.RequestTimeoutSeconds + options.DiscoveryAllowanceSeconds);
        var claimed = await db.Set<OutboxMessage>()
            .Where(m => m.Id == id && m.State == OutboxState.Pending && (m.LeaseUntil == null || m.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseUntil, lease), cancellationToken);
        if (claimed == 0)
        {
            return null; // another worker has it
        }

        var message = await db.Set<OutboxMessage>().SingleAsync(m => m.Id == id, cancellationToken);
        message.Attempts++;
        var outcome = await SendAsync(db, message, cancellationToken);
        message.LeaseUntil = null;
        message.LastStatus = outcome.Status;
        switch (outcome.Kind)
        {
            case OutcomeKind.Delivered:
                message.State = OutboxState.Delivered;
                message.DeliveredAt = time.GetUtcNow();
                message.LastError = null;
                Log.Delivered(logger, Log.What(message), message.Id, message.Peer, message.Attempts);
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
                    Log.WillRetry(logger, Log.What(message), message.Id, message.Peer, message.Attempts, outcome.Error!, retryAt);
                }

                break;
        }

        await db.SaveChangesAsync(CancellationToken.None);
        return outcome.Kind;
    }

    private async Task FailAsync(OcmDb db, OutboxMessage message, string reason, CancellationToken cancellationToken)
    {
        message.State = OutboxState.Failed;
        message.LastError = Truncate(reason);
        Log.Failed(logger, Log.What(message), message.Id, message.Peer, reason);
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

        var url = new Uri(endPoint, message.Endpoint);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(message.Body) };
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
    }
}
