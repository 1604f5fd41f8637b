using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Signatures;

namespace Ocm.Hosting;

/// <summary>
/// Whether this node can serve requests now (<c>GET /readyz</c>): its start finished (database migrated, keys loaded,
/// background services running), the database answers, and the file store takes writes (local disk, or the S3 bucket).
/// Each check is bounded by <see cref="CheckTimeout"/>, so a store that hangs makes the node not ready instead of making
/// the probe hang; one result serves every probe within <see cref="Reuse"/>, so many balancers cost one round trip.
/// The answer names only states; what went wrong (an address, an error) goes to the log, once per change.
/// </summary>
internal sealed partial class Readiness(
    OcmStartup startup,
    IServiceScopeFactory scopes,
    IFileStore files,
    ServerKeyStore keys,
    TimeProvider time,
    ILogger<Readiness> logger) : IDisposable
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _checking = new(1, 1);
    private ReadinessReport? _last;
    private long _lastAt;
    private string? _lastProblems = string.Empty;

    public void Dispose() => _checking.Dispose();

    /// <summary>True for the two probe paths, which are answered also while the node is still starting.</summary>
    public static bool IsProbe(PathString path) => path == LivenessPath || path == ReadinessPath;

    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return ReadinessReport.Starting;
        }

        await _checking.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } recent && time.GetElapsedTime(_lastAt) < Reuse)
            {
                return recent;
            }

            var database = ProbeAsync(CheckDatabaseAsync, cancellationToken);
            var storage = ProbeAsync(files.CheckAsync, cancellationToken);
            var (databaseProblem, storageProblem) = (await database, await storage);
            var keysLoaded = keys.IsLoaded;

            var report = new ReadinessReport(
                databaseProblem is null && storageProblem is null && keysLoaded ? "ready" : "not ready",
                databaseProblem is null ? "up" : "down",
                storageProblem is null ? "up" : "down",
                keysLoaded ? "loaded" : "missing",
                "done");
            Remember(report, databaseProblem, storageProblem, keysLoaded);
            return report;
        }
        finally
        {
            _checking.Release();
        }
    }

    private async Task CheckDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            throw new IOException("the database does not accept connections");
        }
    }

    /// <summary>Runs one check within <see cref="CheckTimeout"/>; null when it passed, else what went wrong.</summary>
    private static async Task<string?> ProbeAsync(Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            await check(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {CheckTimeout.TotalSeconds:0} s";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return StartupFailures.OneLine(ex.Message);
        }
    }

    private void Remember(ReadinessReport report, string? databaseProblem, string? storageProblem, bool keysLoaded)
    {
        _last = report;
        _lastAt = time.GetTimestamp();
        var problems = string.Join("; ", new[]
        {
            databaseProblem is null ? null : "database: " + databaseProblem,
            storageProblem is null ? null : "file store: " + storageProblem,
            keysLoaded ? null : "signing keys: not loaded",
        }.Where(p => p is not null));
        if (problems == _lastProblems)
        {
            return;
        }

        if (problems.Length > 0)
        {
            Log.NotReady(logger, problems);
        }
        else if (_lastProblems is { Length: > 0 })
        {
            Log.ReadyAgain(logger);
        }

        _lastProblems = problems;
    }

    private static partial class Log
    {
        [LoggerMessage(1020, LogLevel.Warning, "Not ready (GET /readyz answers 503): {Problems}")]
        public static partial void NotReady(ILogger logger, string problems);

        [LoggerMessage(1021, LogLevel.Information, "Ready again (GET /readyz answers 200)")]
        public static partial void ReadyAgain(ILogger logger);
    }
}

/// <summary>The body of <c>GET /readyz</c>: <c>status</c> is <c>ready</c>, <c>not ready</c> or <c>starting</c>.</summary>
internal sealed record ReadinessReport(string Status, string? Database, string? Storage, string? Keys, string? Migrations)
{
    public static readonly ReadinessReport Starting = new("starting", null, null, null, "pending");

    [JsonIgnore]
    public bool IsReady => Status == "ready";
}
