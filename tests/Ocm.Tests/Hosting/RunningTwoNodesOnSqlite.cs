using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// SQLite serves one node. A second <c>ocm serve</c> on the same database file is refused at start with a message that
/// names PostgreSQL as the way to run several nodes; the first keeps serving.
/// </summary>
public sealed class RunningTwoNodesOnSqlite
{
    [Fact]
    public async Task SecondServeOnTheSameDatabase_IsRefused_FirstKeepsServing()
    {
        var dataDir = TempDirectory.Create("ocm-two-on-sqlite");
        try
        {
            await using var first = await OcmProcess.StartServeAsync("127.0.7.20", dataDir, OcmProcess.Quiet);

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OcmProcess.StartServeAsync("127.0.7.21", dataDir, OcmProcess.Quiet));

            Assert.Contains("another 'ocm serve' already uses the SQLite database", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Ocm:Database:Provider=postgres", refused.Message, StringComparison.Ordinal);
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            Assert.True((await client.GetAsync("healthz")).IsSuccessStatusCode);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }
}
