namespace Ocm.Data;

/// <summary>
/// Queues this process's write transactions on SQLite, which allows one writer at a time: a writer that finds the
/// database locked is retried by the driver with a sleep on its thread, so under concurrent uploads most of the time
/// went to sleeping threads. Here the waiters queue without holding a thread and enter in order. PostgreSQL takes
/// row locks and needs no queue. Another process (an <c>ocm user …</c> command) still meets the driver's retry.
/// </summary>
internal sealed class DatabaseWriteGate(bool serialize)
{
    private readonly SemaphoreSlim? _gate = serialize ? new SemaphoreSlim(1, 1) : null;

    /// <summary>Whether writers queue here (SQLite), i.e. a transaction, once begun, is the only writer.</summary>
    public bool Serializes => _gate is not null;

    /// <summary>Waits for the turn to write; dispose the result to let the next writer in.</summary>
    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is null)
        {
            return default;
        }

        await _gate.WaitAsync(cancellationToken);
        return new Turn(_gate);
    }

    /// <summary>Waits for the turn on this thread (for a thread of its own, not the thread pool).</summary>
    public Turn Enter()
    {
        _gate?.Wait();
        return new Turn(_gate);
    }

    internal readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
