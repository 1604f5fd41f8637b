using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.SyncClients;

/// <summary>
/// Removes chunked uploads nobody finished: at start, then every <see cref="SyncClientsOptions.UploadSweepIntervalSeconds"/>
/// (on the injected clock), those idle longer than <see cref="SyncClientsOptions.AbandonedUploadSeconds"/>. One node of a
/// cluster at a time (<see cref="ClusterTask.ChunkSweep"/>); each node still gets its turn, for chunks on its own disk.
/// </summary>
internal sealed partial class ChunkSweep(IChunkStore store, SyncClientsOptions options, TimeProvider time, ClusterLocks locks, ILogger<ChunkSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.UploadSweepIntervalSeconds), time);
        do
        {
            try
            {
                await using var turn = await locks.AcquireAsync(ClusterTask.ChunkSweep, stoppingToken);
                await store.SweepAbandonedAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                Log.SweepFailed(logger, ex);
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(2510, LogLevel.Warning, "Looking for abandoned chunked uploads failed; the next sweep retries")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
