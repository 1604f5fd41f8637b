using System.Net;
using System.Text.Json;
using Json.Schema;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>The real <c>ocm</c> executable: <c>ocm serve</c> as a process, and <c>ocm discover</c> pointed at it.</summary>
public sealed class OcmExecutableTests : IAsyncLifetime
{
    private OcmProcess _server = null!;

    public async Task InitializeAsync() => _server = await OcmProcess.StartServeAsync("127.0.0.32");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        TempDirectory.Delete(_server.DataDir);
    }

    private string Authority => _server.BaseUri.Authority;

    [VectorFact]
    public async Task Serve_AnswersWellKnownOcm_WithSchemaValidDocument()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        var json = await client.GetStringAsync(".well-known/ocm");
        using var parsed = JsonDocument.Parse(json);
        var result = DiscoverySchema.Evaluate(parsed.RootElement);

        Assert.True(result.IsValid, DiscoverySchema.Describe(result) + " in " + json);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Serve_DataDirectory_IsPrivateAndHoldsDatabaseAndDeploymentSecret()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz")).StatusCode);
        Assert.Contains("Created the first user 'admin'", _server.Output, StringComparison.Ordinal);

        Assert.True(File.Exists(Path.Combine(_server.DataDir, "ocm.db")));
        // Keys live in the database, sealed with the deployment secret SQLite's zero configuration generates here.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_server.DataDir, "deployment-secret")));
        Assert.False(Directory.Exists(Path.Combine(_server.DataDir, "keys")));
    }

    [Fact]
    public async Task Discover_RunningServer_PrintsVersionDialectAndEndpoints()
    {
        var (exit, stdout, stderr) = await OcmProcess.RunAsync(["discover", Authority, "--insecure"]);

        Assert.True(exit == 0, stderr);
        Assert.Contains("API version:    1.4.0", stdout, StringComparison.Ordinal);
        Assert.Contains("Dialect:        Ocm14", stdout, StringComparison.Ordinal);
        Assert.Contains($"http://{Authority}/ocm", stdout, StringComparison.Ordinal);
        Assert.Contains("http-sig", stdout, StringComparison.Ordinal);
        Assert.Contains("file [user]: webdav /dav/ocm/", stdout, StringComparison.Ordinal);
        // Plain http is a violation outside test setups, and it is reported, not hidden.
        Assert.Contains("plain http", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_Json_IsMachineReadable()
    {
        var (exit, stdout, stderr) = await OcmProcess.RunAsync(["discover", "alice@" + Authority, "--insecure", "--json"]);

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("Ocm14", result.GetProperty("dialect").GetString());
        Assert.Equal("1.4.0", result.GetProperty("document").GetProperty("apiVersion").GetString());
        Assert.Equal(Authority, result.GetProperty("peer").GetString());
    }

    [Fact]
    public async Task Discover_LoopbackWithoutInsecure_FailsWithReason()
    {
        var (exit, _, stderr) = await OcmProcess.RunAsync(["discover", Authority], environment: new Dictionary<string, string>
        {
            ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "false",
        });

        Assert.NotEqual(0, exit);
        Assert.StartsWith($"error: cannot discover {Authority}: Refusing to connect", stderr, StringComparison.Ordinal);
        Assert.Contains("non-public", stderr, StringComparison.Ordinal);
        Assert.Contains("--insecure", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_DeadHost_FailsNamingEveryUrlTried()
    {
        var (exit, _, stderr) = await OcmProcess.RunAsync(["discover", "127.0.0.33:9", "--insecure", "--timeout", "2"]);

        Assert.Equal(1, exit);
        Assert.Contains("https://127.0.0.33:9/.well-known/ocm", stderr, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.33:9/.well-known/ocm", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        var (exit, stdout, _) = await OcmProcess.RunAsync(["--help"]);

        Assert.Equal(0, exit);
        foreach (var command in new[] { "serve", "discover", "user", "sig", "share", "received" })
        {
            Assert.Contains(command, stdout, StringComparison.Ordinal);
        }

        var (serveExit, serveHelp, _) = await OcmProcess.RunAsync(["serve", "--help"]);
        Assert.Equal(0, serveExit);
        Assert.Contains("--public-url", serveHelp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls: 'notaurl' is not an address to listen on", "serve", "--urls", "notaurl")]
    [InlineData("--server 'ftp://files.example' is not an http:// or https:// URL", "share", "list", "--server", "ftp://files.example", "--user", "alice")]
    [InlineData("--server 'localhost' is not an http:// or https:// URL", "received", "list", "--server", "localhost", "--user", "alice")]
    public async Task MalformedAddresses_AreNamed_NotAStackTrace(string named, params string[] args)
    {
        var dataDir = TempDirectory.Create("ocm-bad-address");
        try
        {
            var result = await OcmProcess.RunAsync([.. args, .. args[0] == "serve" ? new[] { "--data-dir", dataDir } : []], new Dictionary<string, string> { ["OCM_PASSWORD"] = "x" });

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(named, result.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.All, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }
}
