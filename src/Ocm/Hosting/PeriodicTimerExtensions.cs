namespace Ocm.Hosting;

internal static class PeriodicTimerExtensions
{
    /// <summary>Waits for the next tick of a background job's timer: false when the job should stop (host shutting down or timer disposed).</summary>
    public static async Task<bool> NextTickAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
