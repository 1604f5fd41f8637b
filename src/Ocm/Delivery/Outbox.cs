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
    /// <summary>Enqueues <paramref name="body"/> for <paramref name="peer"/>, to be posted where its kind goes.</summary>
    public OutboxMessage Enqueue(string peer, OutboxMessageKind kind, long? subjectId, byte[] body) => Add(peer, kind, subjectId, body);

    /// <summary>
    /// Enqueues a message whose body the kind's <see cref="IOutboxListener"/> composes at delivery, once the peer's
    /// discovery is known (a share is phrased in the dialect the peer speaks then, and a peer that was down when the
    /// share was made is served once it is back). With <paramref name="unreachable"/>, the peer was just found
    /// unreachable (e.g. by the discovery that preceded this): that counts as the first attempt, so the message waits for
    /// the first retry — or for the peer to be reachable again — and its <see cref="OutboxMessage.LastError"/> says why
    /// from the start.
    /// </summary>
    public OutboxMessage EnqueueComposedAtDelivery(string peer, OutboxMessageKind kind, long subjectId, string? unreachable = null)
    {
        var message = Add(peer, kind, subjectId, body: null);
        if (unreachable is not null)
        {
            message.Attempts = 1;
            message.LastError = unreachable.Length > 2000 ? unreachable[..2000] : unreachable;
            message.NextAttemptAt = message.Created.AddSeconds(options.InitialRetrySeconds);
            breaker.OnFailure(message.Peer, unreachable: true);
        }

        return message;
    }

    private OutboxMessage Add(string peer, OutboxMessageKind kind, long? subjectId, byte[]? body)
    {
        var now = time.GetUtcNow();
        var message = new OutboxMessage
        {
            // One spelling per peer (ASCII host, no default port), so that everything waiting for a peer is found by it.
            Peer = DiscoveryTarget.TryParse(peer, out var target, out _) ? target.Authority : peer,
            Endpoint = kind.Endpoint(),
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
    OutboxMessageKind Kind { get; }

    /// <summary>
    /// For messages enqueued with <see cref="Outbox.EnqueueComposedAtDelivery"/>: composes the body at delivery time,
    /// when the peer's discovery is known. Returns the body, or a reason to fail the message for good.
    /// </summary>
    Task<(byte[]? Body, string? Refusal)> BuildBodyAsync(OcmDb db, OutboxMessage message, Protocol.Discovery.Client.DiscoveredServer peer, CancellationToken cancellationToken) =>
        Task.FromResult<(byte[]?, string?)>((null, "nothing composes this kind of message"));

    Task OnDeliveredAsync(OcmDb db, OutboxMessage message, byte[] responseBody, CancellationToken cancellationToken);

    Task OnFailedAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken);
}
