using System.Collections.Concurrent;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>
/// Group commit of file writes on SQLite, which has one writer at a time. Each upload receives and flushes its content
/// on its own; only the short metadata commit is queued here. One dedicated thread takes everything that is waiting
/// (up to <see cref="MaxBatch"/>) and applies it in one transaction: one turn of the write gate, one commit and one
/// WAL flush for the lot, instead of a gate hand-off through the busy thread pool and a flush per upload. Measured with
/// 8 concurrent 4 KiB uploads, the hand-offs alone left the gate idle about half the time.
/// <para>
/// Each write re-reads and re-checks the tree inside the transaction exactly as it would alone, so a batch gives the
/// same results as the same writes one after another. If one of them throws, the transaction is rolled back and every
/// write of the batch is applied again alone, so the error reaches only the upload that caused it.
/// </para>
/// </summary>
internal sealed partial class FileWriteBatcher(IServiceScopeFactory scopes, DatabaseWriteGate gate, ILogger<FileWriteBatcher> logger)
    : IDisposable
{
    private const int MaxBatch = 64;

    private readonly BlockingCollection<PendingWrite> _queue = [];
    private readonly Lock _startLock = new();
    private Thread? _writer;

    /// <summary>Queues a write whose content is already stored; completes when it is committed (or refused).</summary>
    public Task<AppliedWrite> CommitAsync(FileWrite request, StoredContent content)
    {
        EnsureStarted();
        var pending = new PendingWrite(request, content, new TaskCompletionSource<AppliedWrite>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(pending);
        return pending.Done.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _writer?.Join(TimeSpan.FromSeconds(10));
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _writer) is not null)
        {
            return;
        }

        lock (_startLock)
        {
            if (_writer is null)
            {
                // A thread of its own, not the thread pool: the next batch starts as soon as the last one ends, instead of
                // waiting in the pool's queue behind the uploads that are still receiving.
                var thread = new Thread(Run) { IsBackground = true, Name = "ocm file-write commits" };
                thread.Start();
                Volatile.Write(ref _writer, thread);
            }
        }
    }

    private void Run()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Add(first);
            while (batch.Count < MaxBatch && _queue.TryTake(out var next))
            {
                batch.Add(next);
            }

            // Database calls on SQLite complete synchronously, so blocking this one thread on them costs nothing extra.
            CommitAsync(batch).GetAwaiter().GetResult();
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        using var turn = gate.Enter();
        try
        {
            var results = await ApplyInOneTransactionAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }

            return;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            Log.BatchFailed(logger, batch.Count, ex);
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
            return;
        }

        foreach (var write in batch)
        {
            try
            {
                var result = await ApplyInOneTransactionAsync([write]);
                write.Done.TrySetResult(result[0]);
            }
            catch (Exception ex)
            {
                write.Done.TrySetException(ex);
            }
        }
    }

    private async Task<AppliedWrite[]> ApplyInOneTransactionAsync(IReadOnlyList<PendingWrite> writes)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tree = scope.ServiceProvider.GetRequiredService<FileTree>();
        return await tree.ApplyWritesAsync(writes);
    }

    private static partial class Log
    {
        [LoggerMessage(2310, LogLevel.Warning, "A commit of {Count} file writes failed; applying them one by one")]
        public static partial void BatchFailed(ILogger logger, int count, Exception exception);
    }
}

/// <summary>Content already in the store (or none, for an empty file), about to become a file's content.</summary>
internal sealed record StoredContent(string? BlobId, long Length, string Sha1, string Sha256);

/// <summary>What a committed write did, and the content it replaced (to delete once committed).</summary>
internal sealed record AppliedWrite(WriteResult Result, string? ReplacedBlob);

internal sealed record PendingWrite(FileWrite Request, StoredContent Content, TaskCompletionSource<AppliedWrite> Done);
