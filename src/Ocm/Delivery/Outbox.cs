using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Discovery.Client;

namespace Ocm.Delivery;

/// <summary>Enqueues messages to other servers; call before <c>SaveChangesAsync</c> so they commit with the change.</summary>
internal sealed class Outbox(OcmDb db, TimeProvider time, OutboxOptions options, OutboxSignal signal, PeerCircuitBreaker breaker)
{
    public OutboxMessage Enqueue(string peer, string endpoint, string kind, long? subjectId, byte[] body)
    {
        var now = time.GetUtcNow();
        var message = new OutboxMessage
        {
            // One spelling per peer (ASCII host, no default port), so that everything waiting for a peer is found by it.
            Peer = DiscoveryTarget.TryParse(peer, out var target, out _) ? target.Authority : peer,
            Endpoint = endpoint,
            Kind = kind,
            SubjectId = subjectId,
            Body = body,
            State = OutboxState.Pending,
            Created = now,
            NextAttemptAt = now,
            Deadline = now.AddSeconds(options.DeadlineSeconds),
        };
        db.Add(message);
        signal.WakeAfterCommit(db);
        return message;
    }

    /// <summary>
    /// Enqueues a message whose peer was just found unreachable (e.g. by the discovery that preceded it): that counts as
    /// its first attempt, so the message waits for the first retry — or for the peer to be reachable again — and its
    /// <see cref="OutboxMessage.LastError"/> says why from the start.
    /// </summary>
    public OutboxMessage EnqueueUnreachable(string peer, string endpoint, string kind, long? subjectId, byte[] body, string reason)
    {
        var message = Enqueue(peer, endpoint, kind, subjectId, body);
        message.Attempts = 1;
        message.LastError = reason.Length > 2000 ? reason[..2000] : reason;
        message.NextAttemptAt = message.Created.AddSeconds(options.InitialRetrySeconds);
        breaker.OnFailure(message.Peer, unreachable: true);
        return message;
    }
}

/// <summary>
/// Wakes the worker right after a transaction with new messages commits, instead of at the next poll. Not before: a
/// worker woken while the transaction is still open reads the database without the new message and sleeps until the
/// poll (on SQLite with WAL, and on PostgreSQL, readers see only committed rows). So a message enqueued inside an
/// explicit transaction wakes the worker when that transaction commits (<see cref="OutboxCommitInterceptor"/>), one
/// enqueued outside one when <c>SaveChanges</c> has committed it.
/// </summary>
internal sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    // Contexts whose open transaction holds new messages. Weak: a context dropped with its transaction rolled back
    // must not be kept alive by this (a pooled one that comes back merely causes one harmless extra wake).
    private readonly ConditionalWeakTable<DbContext, object> _untilCommit = [];

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public void WakeAfterCommit(OcmDb db)
    {
        void Handler(object? sender, SavedChangesEventArgs e)
        {
            db.SavedChanges -= Handler;
            if (db.Database.CurrentTransaction is not null)
            {
                // Saved inside the caller's transaction: not committed yet.
                _untilCommit.AddOrUpdate(db, this);
                return;
            }

            Wake();
        }

        db.SavedChanges += Handler;
    }

    internal void Committed(DbContext? context)
    {
        if (context is not null && _untilCommit.Remove(context))
        {
            Wake();
        }
    }

    internal void RolledBack(DbContext? context)
    {
        if (context is not null)
        {
            _untilCommit.Remove(context);
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}

/// <summary>Tells the <see cref="OutboxSignal"/> when a context's transaction ends (registered on every context).</summary>
internal sealed class OutboxCommitInterceptor(OutboxSignal signal) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        signal.Committed(eventData.Context);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        signal.Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) =>
        signal.RolledBack(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        signal.RolledBack(eventData.Context);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Told what became of a message of its <see cref="Kind"/>, inside the worker's database scope (e.g. the shares
/// feature moves a share to <c>delivered</c> or <c>failed: reason</c>).
/// </summary>
internal interface IOutboxListener
{
    string Kind { get; }

    /// <summary>
    /// For messages enqueued without a body: builds it at delivery time, when the peer's discovery is known (a share
    /// is phrased in the dialect the peer speaks then, and a peer that was down when the share was made is served
    /// once it is back). Returns the body, or a reason to fail the message for good.
    /// </summary>
    Task<(byte[]? Body, string? Refusal)> BuildBodyAsync(OcmDb db, OutboxMessage message, Protocol.Discovery.Client.DiscoveredServer peer, CancellationToken cancellationToken) =>
        Task.FromResult<(byte[]?, string?)>((message.Body, null));

    Task OnDeliveredAsync(OcmDb db, OutboxMessage message, byte[] responseBody, CancellationToken cancellationToken);

    Task OnFailedAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken);
}
