using System.Globalization;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// litmus 0.13 (Debian) against a real <c>ocm serve</c> process: all five suites, 104 tests, no failure and no warning.
/// </summary>
public sealed partial class LitmusConformance
{
    private const string Password = "litmus-pass-123";

    private static readonly Dictionary<string, int> Suites = new()
    {
        ["basic"] = 16,
        ["copymove"] = 13,
        ["props"] = 30,
        ["locks"] = 41,
        ["http"] = 4,
    };

    [Fact]
    public Task Litmus_AllFiveSuites_Pass104Of104() => RunLitmusAsync(OcmProcess.Quiet);

    /// <summary>The same with the contents in an S3 object store (the Ceph RADOS Gateway test.sh starts) and PostgreSQL.</summary>
    [Fact]
    public async Task Litmus_OnAnObjectStore_AllFiveSuites_Pass104Of104()
    {
        await using var bucket = TestObjectStore.Create();
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var environment = bucket.EnvironmentVariables();
        environment["OCM_DATABASE__PROVIDER"] = "postgres";
        environment["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!;
        foreach (var (key, value) in OcmProcess.Quiet)
        {
            environment[key] = value;
        }

        await RunLitmusAsync(environment);
        // litmus removes what it wrote; that the server used the bucket shows in the bucket's existence.
        Assert.True(await bucket.ExistsAsync());
    }

    private static async Task RunLitmusAsync(IReadOnlyDictionary<string, string> environment)
    {
        var dataDir = TempDirectory.Create("ocm-litmus");
        var workDir = TempDirectory.Create("litmus-cwd");
        try
        {
            var add = await OcmProcess.RunAsync(["user", "add", "tester", "--password", Password, "--data-dir", dataDir, "--init"], environment);
            Assert.True(add.ExitCode == 0, add.All);
            await using var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, environment);

            await AssertAllSuitesPassAsync(new Uri(server.BaseUri, "remote.php/dav/files/tester/"), "tester", Password, workDir);
        }
        finally
        {
            TempDirectory.Delete(workDir);
            TempDirectory.Delete(dataDir);
        }
    }

    /// <summary>Runs litmus's five suites against <paramref name="davUrl"/> and asserts 104 of 104 passed, no warning.</summary>
    internal static async Task AssertAllSuitesPassAsync(Uri davUrl, string user, string password, string workDir)
    {
        // litmus writes debug.log/child.log into its working directory; -k runs every suite even after a failure.
        var result = await Tool.RunAsync(
            "litmus",
            ["-k", davUrl.ToString(), user, password],
            workingDirectory: workDir,
            environment: new Dictionary<string, string> { ["TESTS"] = string.Join(' ', Suites.Keys) },
            timeout: TimeSpan.FromMinutes(5));

        var summaries = SummaryLine().Matches(result.Output).ToDictionary(m => m.Groups["suite"].Value);
        foreach (var (suite, count) in Suites)
        {
            Assert.True(summaries.TryGetValue(suite, out var summary), $"No summary for suite '{suite}':\n{result.All}");
            Assert.Equal((suite, count, count, 0), (suite, Count(summary, "run"), Count(summary, "passed"), Count(summary, "failed")));
        }

        Assert.Equal(104, summaries.Values.Sum(m => Count(m, "passed")));
        Assert.DoesNotContain("FAIL", result.Output);
        Assert.DoesNotContain("WARNING", result.Output);
    }

    private static int Count(Match summary, string group) => int.Parse(summary.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"<- summary for `(?<suite>\w+)': of (?<run>\d+) tests run: (?<passed>\d+) passed, (?<failed>\d+) failed")]
    private static partial Regex SummaryLine();
}
