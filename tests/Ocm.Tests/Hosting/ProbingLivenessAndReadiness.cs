using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// What a load balancer or an orchestrator asks a node (docs/deployment.md, "Health checks"): <c>/healthz</c> whether
/// the process lives, <c>/readyz</c> whether it can serve now — not while its database or its object store is away,
/// and again by itself when they return. The components are real and stopped for real: a PostgreSQL server and a Ceph
/// RADOS Gateway of the test's own (scripts/postgres.sh, scripts/ceph-rgw.sh), so the shared ones keep serving the
/// other tests.
/// </summary>
public sealed class ProbingLivenessAndReadiness
{
    // A Ceph of its own beside test.sh's (56780…) and the developers' (56790…): ports 56850–56869.
    private const int CephPort = 56850;

    [Fact]
    public async Task HealthyNode_IsAlive_AndReadyWithEachPartNamed()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.37.1");

        using var alive = await server.Client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("alive", JsonDocument.Parse(await alive.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using var ready = await server.Client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("no-store", ready.Headers.CacheControl?.ToString());
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("database").GetString());
        Assert.Equal("up", body.GetProperty("storage").GetString());
        Assert.Equal("loaded", body.GetProperty("keys").GetString());
        Assert.Equal("done", body.GetProperty("migrations").GetString());
    }

    [Fact]
    public async Task LocalStoreThatTakesNoWrites_NodeIsNotReady_UntilItDoesAgain()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.37.2");
        var files = Path.Combine(server.DataDir, "files");
        Assert.True(Directory.Exists(files), "the local store keeps contents in DATA/files");
        await WaitForAsync(server, HttpStatusCode.OK);

        // As a disk remounted read-only: the folder is still there, writes fail (root ignores modes, so the folder is
        // replaced by a file the store cannot write into).
        var uploads = Path.Combine(files, ".uploads");
        Directory.Move(uploads, uploads + ".away");
        await File.WriteAllTextAsync(uploads, "not a folder");
        try
        {
            var down = await WaitForAsync(server, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("not ready", down.GetProperty("status").GetString());
            Assert.Equal("down", down.GetProperty("storage").GetString());
            Assert.Equal("up", down.GetProperty("database").GetString());
            Assert.DoesNotContain(files, down.GetRawText(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(uploads);
            Directory.Move(uploads + ".away", uploads);
        }

        Assert.Equal("up", (await WaitForAsync(server, HttpStatusCode.OK)).GetProperty("storage").GetString());
    }

    [Fact]
    public async Task PostgresStopped_NodeIsNotReady_AndReadyAgainWhenItReturns()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string> { ["PGPORT"] = port };
        await RepositoryScript.RunAsync("postgres.sh", environment, "start");
        try
        {
            await using var server = await OcmTestServer.StartAsync("127.0.37.3", new Dictionary<string, string?>
            {
                ["Ocm:Database:Provider"] = "postgres",
                ["Ocm:Database:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=ocm_ready",
            });
            Assert.Equal("up", (await WaitForAsync(server, HttpStatusCode.OK)).GetProperty("database").GetString());

            await RepositoryScript.RunAsync("postgres.sh", environment, "halt");
            var down = await WaitForAsync(server, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("not ready", down.GetProperty("status").GetString());
            Assert.Equal("down", down.GetProperty("database").GetString());
            Assert.Equal("up", down.GetProperty("storage").GetString());
            Assert.DoesNotContain(port, down.GetRawText(), StringComparison.Ordinal);
            using (var alive = await server.Client.GetAsync("healthz"))
            {
                Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            }

            await RepositoryScript.RunAsync("postgres.sh", environment, "resume");
            Assert.Equal("up", (await WaitForAsync(server, HttpStatusCode.OK)).GetProperty("database").GetString());
        }
        finally
        {
            await RepositoryScript.RunAsync("postgres.sh", environment, "stop");
        }
    }

    [Fact]
    public async Task ObjectStoreStopped_NodeIsNotReady_AndReadyAgainWhenItReturns()
    {
        var environment = new Dictionary<string, string>
        {
            ["CEPH_PORT"] = CephPort.ToString(CultureInfo.InvariantCulture),
            ["CEPH_MEMSTORE_BYTES"] = (256L << 20).ToString(CultureInfo.InvariantCulture),
        };
        var exports = await RepositoryScript.RunAsync("ceph-rgw.sh", environment, "start");
        try
        {
            string Exported(string name) => Regex.Match(exports, name + @"=([^\s\\]+)").Groups[1].Value;
            // S3 contents go with a shared database (test.sh's PostgreSQL, a database of this test's own).
            var database = new Npgsql.NpgsqlConnectionStringBuilder(TestDatabases.PostgresConnectionString)
            {
                Database = "ocm_ready_" + Guid.NewGuid().ToString("N")[..12],
            };
            await using var server = await OcmTestServer.StartAsync("127.0.37.4", new Dictionary<string, string?>
            {
                ["Ocm:Database:Provider"] = "postgres",
                ["Ocm:Database:ConnectionString"] = database.ConnectionString,
                ["Ocm:Storage:Provider"] = "s3",
                ["Ocm:Storage:S3:ServiceUrl"] = Exported("S3_ENDPOINT"),
                ["Ocm:Storage:S3:Bucket"] = "ocm-ready",
                ["Ocm:Storage:S3:AccessKey"] = Exported("S3_ACCESS_KEY"),
                ["Ocm:Storage:S3:SecretKey"] = Exported("S3_SECRET_KEY"),
            });
            Assert.Equal("up", (await WaitForAsync(server, HttpStatusCode.OK)).GetProperty("storage").GetString());

            await RepositoryScript.RunAsync("ceph-rgw.sh", environment, "rgw-halt");
            var down = await WaitForAsync(server, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("not ready", down.GetProperty("status").GetString());
            Assert.Equal("down", down.GetProperty("storage").GetString());
            Assert.Equal("up", down.GetProperty("database").GetString());
            Assert.DoesNotContain(Exported("S3_ENDPOINT"), down.GetRawText(), StringComparison.Ordinal);

            await RepositoryScript.RunAsync("ceph-rgw.sh", environment, "rgw-resume");
            Assert.Equal("up", (await WaitForAsync(server, HttpStatusCode.OK)).GetProperty("storage").GetString());
        }
        finally
        {
            await RepositoryScript.RunAsync("ceph-rgw.sh", environment, "stop");
        }
    }

    /// <summary>Asks <c>/readyz</c> (as a balancer does, every few hundred milliseconds) until it answers <paramref name="status"/>; returns the body.</summary>
    private static async Task<JsonElement> WaitForAsync(OcmTestServer server, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await server.Client.GetAsync("readyz");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"/readyz still answers {(int)response.StatusCode} {body}, not {(int)status}");
            await Task.Delay(250);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
