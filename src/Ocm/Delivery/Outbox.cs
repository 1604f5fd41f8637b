using Ocm.Data;

namespace Ocm.Delivery;

/// <summary>Enqueues messages to other servers; call before <c>SaveChangesAsync</c> so they commit with the change.</summary>
internal sealed class Outbox(OcmDb db, TimeProvider time, OutboxOptions options, OutboxSignal signal)
{
    public OutboxMessage Enqueue(string peer, string endpoint, string kind, long? subjectId, byte[] body)
    {
        var now = time.GetUtcNow();
        var message = new OutboxMessage
        {
            Peer = peer,
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
}

/// <summary>Wakes the worker right after a transaction with new messages commits, instead of at the next poll.</summary>
internal sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

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
        void Handler(object? sender, Microsoft.EntityFrameworkCore.SavedChangesEventArgs e)
        {
            db.SavedChanges -= Handler;
            Wake();
        }

        db.SavedChanges += Handler;
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
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
