using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.Files;

/// <summary>
/// Which versions expire. The shape is Nextcloud's: the older a version, the sparser they are kept — every 2 seconds
/// for the first 10 seconds, every 10 seconds for the first minute, one a minute for the first hour, one an hour for
/// the first day, one a day for the first 30 days, one a week after that. Then <see cref="VersionsOptions.MaxAgeDays"/>,
/// then space: while a user's versions take more than <see cref="VersionsOptions.QuotaPercent"/> of their quota, the
/// oldest go first. A named version (<see cref="FileVersion.Label"/>) never expires by any of these.
/// </summary>
internal static class VersionExpiry
{
    private static readonly (TimeSpan Until, TimeSpan Step)[] Bands =
    [
        (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)),
        (TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)),
        (TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)),
        (TimeSpan.FromDays(1), TimeSpan.FromHours(1)),
        (TimeSpan.FromDays(30), TimeSpan.FromDays(1)),
        (TimeSpan.MaxValue, TimeSpan.FromDays(7)),
    ];

    /// <summary>The versions of one owner (all their files) that expire at <paramref name="now"/>.</summary>
    public static List<FileVersion> Doomed(IReadOnlyList<FileVersion> versions, DateTimeOffset now, long? quotaBytes, VersionsOptions options)
    {
        var doomed = new List<FileVersion>();
        foreach (var file in versions.GroupBy(v => v.FileId))
        {
            // Newest first: each kept version must be at least its band's step older than the one kept before it.
            DateTimeOffset? lastKept = null;
            foreach (var version in file.OrderByDescending(v => v.Modified).ThenByDescending(v => v.Id))
            {
                var age = now - version.Modified;
                if (version.Label is not null)
                {
                    lastKept = version.Modified;
                    continue;
                }

                var tooOld = options.MaxAgeDays > 0 && age > TimeSpan.FromDays(options.MaxAgeDays);
                var tooClose = lastKept is { } kept && kept - version.Modified < StepFor(age);
                if (tooOld || tooClose)
                {
                    doomed.Add(version);
                }
                else
                {
                    lastKept = version.Modified;
                }
            }
        }

        if (quotaBytes is long quota)
        {
            var allowed = quota * options.QuotaPercent / 100;
            var gone = doomed.Select(v => v.Id).ToHashSet();
            var remaining = versions.Where(v => !gone.Contains(v.Id)).ToList();
            var used = remaining.Sum(v => v.Size);
            foreach (var version in remaining.Where(v => v.Label is null).OrderBy(v => v.Modified).ThenBy(v => v.Id))
            {
                if (used <= allowed)
                {
                    break;
                }

                doomed.Add(version);
                used -= version.Size;
            }
        }

        return doomed;
    }

    private static TimeSpan StepFor(TimeSpan age) => Array.Find(Bands, b => age <= b.Until).Step;
}

/// <summary>
/// Expires versions (<see cref="VersionExpiry"/>) of every user who has any: at start, then every
/// <see cref="VersionsOptions.ExpiryIntervalSeconds"/> on the injected clock; one node of a cluster at a time
/// (<see cref="ClusterTask.VersionExpiry"/>).
/// </summary>
internal sealed partial class VersionHousekeeping(
    IServiceScopeFactory scopes, VersionsOptions options, TimeProvider time, ClusterLocks locks, ILogger<VersionHousekeeping> logger) : BackgroundService
{
    /// <summary>One pass over every user with versions; returns how many versions expired.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var turn = await locks.AcquireAsync(ClusterTask.VersionExpiry, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var files = scope.ServiceProvider.GetRequiredService<FileTree>();
        var owners = await db.Set<User>().AsNoTracking()
            .Where(u => db.Set<FileVersion>().Any(v => v.OwnerId == u.Id))
            .Select(u => new { u.Id, u.QuotaBytes })
            .ToListAsync(cancellationToken);
        var removed = 0;
        foreach (var owner in owners)
        {
            removed += await files.ExpireVersionsAsync(owner.Id, owner.QuotaBytes, time.GetUtcNow(), cancellationToken);
        }

        if (removed > 0)
        {
            Log.Expired(logger, removed);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ExpiryIntervalSeconds), time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or DbUpdateException or System.Data.Common.DbException)
            {
                Log.ExpiryFailed(logger, ex);
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(2360, LogLevel.Information, "Expired {Count} file versions")]
        public static partial void Expired(ILogger logger, int count);

        [LoggerMessage(2361, LogLevel.Warning, "Expiring file versions failed; the next run retries")]
        public static partial void ExpiryFailed(ILogger logger, Exception exception);
    }
}
