using Npgsql;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// What <c>ocm serve</c> tells the person who started it: where the data and the database are, how peers reach it,
/// where it listens, which configuration files it read, which peers may skip TLS — and, on the first start, the admin
/// password after all that, with the command that replaces it.
/// </summary>
public sealed class StartingTheServer : IDisposable
{
    private const string BannerEnd = "Ctrl+C stops the server.";

    private readonly string _dataDir = TempDirectory.Create("ocm-banner");

    public void Dispose() => TempDirectory.Delete(_dataDir);

    [Fact]
    public async Task FirstStart_SaysWhereEverythingIs_ThenTheAdminPasswordWithTheCommandToChangeIt()
    {
        var ocmJson = Path.Combine(_dataDir, "ocm.json");
        await File.WriteAllTextAsync(ocmJson, """{ "Ocm": { "ProviderName": "Lab" } }""");
        var environment = new Dictionary<string, string>
        {
            ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "false",
            ["OCM_FEDERATION__INSECUREPEERS__0"] = "127.0.0.0/8",
            ["OCM_FEDERATION__INSECUREPEERS__1"] = "*.lab.example",
        };

        await using var server = await OcmProcess.StartServeAsync("127.0.0.1", _dataDir, environment);
        await server.WaitForOutputAsync("ocm user passwd admin");
        var output = server.Output;

        var url = server.BaseUri.ToString().TrimEnd('/');
        Assert.Contains($"Data directory: {_dataDir}\n", output, StringComparison.Ordinal);
        Assert.Contains($"Database:       SQLite, {Path.Combine(_dataDir, "ocm.db")}\n", output, StringComparison.Ordinal);
        Assert.Contains($"Public URL:     {server.BaseUri}\n", output, StringComparison.Ordinal);
        Assert.Contains($"Listening on:   {url}\n", output, StringComparison.Ordinal);
        Assert.Contains($"Configuration:  {ocmJson}\n", output, StringComparison.Ordinal);
        Assert.Contains("Insecure peers: 127.0.0.0/8, *.lab.example (Federation:InsecurePeers", output, StringComparison.Ordinal);

        var listening = output.IndexOf("Listening on:", StringComparison.Ordinal);
        var created = output.IndexOf("Created the first user 'admin'", StringComparison.Ordinal);
        Assert.True(listening >= 0 && created > listening, "the admin password must follow the listening line:\n" + output);
        Assert.Contains($"ocm user passwd admin --data-dir {_dataDir}", output[created..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllPeersInsecure_SaidPlainly()
    {
        await using var server = await OcmProcess.StartServeAsync("127.0.0.1", _dataDir, OcmProcess.Quiet);
        var output = await server.WaitForOutputAsync(BannerEnd);

        Assert.Contains("Insecure peers: ALL — Federation:AllowInsecurePeers is true", output, StringComparison.Ordinal);
        Assert.Contains("Configuration:  no file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnPostgres_NamesTheDatabase_NeverThePassword()
    {
        var name = "ocm_" + Guid.NewGuid().ToString("N")[..16];
        var builder = new NpgsqlConnectionStringBuilder(TestDatabases.PostgresConnectionString) { Database = name, Password = "banner-hides-pw" };
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = builder.ConnectionString,
        };
        try
        {
            await using var server = await OcmProcess.StartServeAsync("127.0.0.1", _dataDir, environment);
            var output = await server.WaitForOutputAsync(BannerEnd);

            Assert.Contains($"Database:       PostgreSQL, database {name} on {builder.Host}:{builder.Port} as {builder.Username}\n", output, StringComparison.Ordinal);
            Assert.DoesNotContain("banner-hides-pw", output, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(TestDatabases.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
