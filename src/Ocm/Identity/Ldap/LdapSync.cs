using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.Identity.Ldap;

/// <summary>
/// Runs <see cref="LdapAccounts.SyncAsync"/> every <see cref="LdapOptions.SyncIntervalMinutes"/> (on the injected clock),
/// first one interval after start. One node of a cluster at a time (<see cref="ClusterTask.DirectorySync"/>): a node
/// that finds another at it skips its turn.
/// </summary>
internal sealed partial class LdapSync(IServiceScopeFactory scopes, LdapOptions options, TimeProvider time, ClusterLocks locks, ILogger<LdapSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled || options.SyncIntervalMinutes == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.SyncIntervalMinutes), time);
        while (await timer.NextTickAsync(stoppingToken))
        {
            try
            {
                await using var turn = await locks.TryAcquireAsync(ClusterTask.DirectorySync, stoppingToken);
                if (turn is null)
                {
                    continue;
                }

                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<LdapAccounts>().SyncAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DirectoryUnavailableException or System.Data.Common.DbException)
            {
                Log.SyncFailed(logger, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2830, LogLevel.Warning, "LDAP sync failed; the next one retries: {Problem}")]
        public static partial void SyncFailed(ILogger logger, string problem);
    }
}
