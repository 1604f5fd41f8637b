using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Two real <c>ocm serve</c> nodes on one PostgreSQL database, each with its own empty data directory and the same
/// deployment secret and public URL, as behind a load balancer: whatever one node accepted, counted or issued, the
/// other knows. Requests go straight to one node or the other, as round-robin balancing would send them.
/// </summary>
public sealed partial class RunningTwoNodesOnOneDatabase : IClassFixture<RunningTwoNodesOnOneDatabase.Cluster>
{
    private const string Password = "correct-horse-42";

    private readonly Cluster _cluster;

    public RunningTwoNodesOnOneDatabase(Cluster cluster) => _cluster = cluster;

    [Fact]
    public async Task ASignedRequestAcceptedByOneNode_ReplayedToTheOther_IsRefused()
    {
        await using var peer = await SigningPeer.StartAsync("127.0.0.31");
        var message = peer.Sign(peer.Share(new Uri(_cluster.PublicUrl, "ocm/shares"), $"bob@{_cluster.PublicUrl.Authority}"));

        var first = await SigningPeer.SendAsync(message, new Uri(_cluster.Node1.BaseUri, "ocm/shares"));
        var replayed = await SigningPeer.SendAsync(message, new Uri(_cluster.Node2.BaseUri, "ocm/shares"));

        Assert.True(first.Status == 201, $"node 1: {first.Status} {first.Body}");
        Assert.Equal(401, replayed.Status);
        Assert.Contains("replay", replayed.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TenBadPasswordsSpreadOverTheNodes_ThrottleThatClientEverywhere_ButNotTheUsersOtherClients()
    {
        // The attacker is 127.0.0.2, the user's own device 127.0.0.3; the nodes see each client's own address.
        for (var i = 0; i < 10; i++)
        {
            var node = i % 2 == 0 ? _cluster.Node1 : _cluster.Node2;
            using var guess = await PropFindFromAsync("127.0.0.2", node, "carol", "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode);
        }

        using var attackerOnNode1 = await PropFindFromAsync("127.0.0.2", _cluster.Node1, "carol", Password);
        using var attackerOnNode2 = await PropFindFromAsync("127.0.0.2", _cluster.Node2, "carol", Password);
        using var ownDevice = await PropFindFromAsync("127.0.0.3", _cluster.Node2, "carol", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, attackerOnNode1.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, attackerOnNode2.StatusCode);
        Assert.Equal(HttpStatusCode.MultiStatus, ownDevice.StatusCode);
    }

    [Fact]
    public async Task AWebSessionStartedOnOneNode_ContinuesOnTheOther()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);

        var loginToken = Token(await browser.GetStringAsync(new Uri(_cluster.Node1.BaseUri, "ui/login")));
        using var login = await browser.PostAsync(new Uri(_cluster.Node1.BaseUri, "ui/login"), new FormUrlEncodedContent(
            [new("_csrf", loginToken), new("user", "dave"), new("password", Password)]));
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);

        // Node 2 knows the session cookie and the anti-forgery token node 1 issued.
        using var page = await browser.GetAsync(new Uri(_cluster.Node2.BaseUri, "ui/files/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var token = Token(await browser.GetStringAsync(new Uri(_cluster.Node1.BaseUri, "ui/files/")));
        using var created = await browser.PostAsync(new Uri(_cluster.Node2.BaseUri, "ui/mkdir"), new FormUrlEncodedContent(
            [new("_csrf", token), new("dir", "/"), new("name", "Made on node 2")]));
        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);

        Assert.Contains("Made on node 2", await browser.GetStringAsync(new Uri(_cluster.Node1.BaseUri, "ui/files/")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyRotatedThroughOneNode_IsPublishedAndUsedByTheOther()
    {
        var before = await KidsAsync(_cluster.Node2);
        var added = await _cluster.OcmAsync("keys", "add", "--json", "--data-dir", _cluster.Node1.DataDir);
        using var addedJson = JsonDocument.Parse(added);
        var name = addedJson.RootElement.GetProperty("name").GetString()!;
        var kid = $"{_cluster.PublicUrl.Authority}#{name}";

        Assert.DoesNotContain(kid, before);
        Assert.Contains(kid, await KidsAsync(_cluster.Node2));

        await _cluster.OcmAsync("keys", "activate", name, "--data-dir", _cluster.Node2.DataDir);

        // Both nodes publish the same set, and node 1 lists the new key as the active one.
        Assert.Equal((await KidsAsync(_cluster.Node1)).Order(), (await KidsAsync(_cluster.Node2)).Order());
        var listed = await _cluster.OcmAsync("keys", "list", "--json", "--data-dir", _cluster.Node1.DataDir);
        using var listedJson = JsonDocument.Parse(listed);
        Assert.Equal("active", listedJson.RootElement.EnumerateArray().Single(k => k.GetProperty("name").GetString() == name).GetProperty("state").GetString());
    }

    [Fact]
    public async Task TheNodesAgreeOnTheirKeys_AndPrivateKeysInTheDatabaseAreNotPlaintext()
    {
        using var discovery1 = JsonDocument.Parse(await new HttpClient().GetStringAsync(new Uri(_cluster.Node1.BaseUri, ".well-known/ocm")));
        using var discovery2 = JsonDocument.Parse(await new HttpClient().GetStringAsync(new Uri(_cluster.Node2.BaseUri, ".well-known/ocm")));
        Assert.Equal(
            discovery1.RootElement.GetProperty("publicKey").GetProperty("publicKeyPem").GetString(),
            discovery2.RootElement.GetProperty("publicKey").GetProperty("publicKeyPem").GetString());

        var stored = new List<string>();
        await using (var connection = new NpgsqlConnection(_cluster.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("""SELECT "PrivateKey" FROM server_keys UNION ALL SELECT "Value" FROM server_secrets UNION ALL SELECT "Xml" FROM data_protection_keys""", connection);
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        Assert.True(stored.Count >= 3, $"{stored.Count} secrets stored");
        Assert.All(stored, value =>
        {
            Assert.StartsWith("v1:", value, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", value, StringComparison.Ordinal);
            Assert.DoesNotContain("masterKey", value, StringComparison.Ordinal);
        });

        // Neither node wrote a key to its own data directory.
        Assert.False(Directory.Exists(Path.Combine(_cluster.Node1.DataDir, "keys")));
        Assert.False(Directory.Exists(Path.Combine(_cluster.Node2.DataDir, "keys")));
    }

    private static async Task<List<string>> KidsAsync(OcmProcess node)
    {
        using var client = new HttpClient();
        using var jwks = JsonDocument.Parse(await client.GetStringAsync(new Uri(node.BaseUri, "ocm/jwks")));
        return [.. jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }

    /// <summary>A WebDAV PROPFIND with Basic credentials, sent from the loopback address <paramref name="source"/>.</summary>
    private static async Task<HttpResponseMessage> PropFindFromAsync(string source, OcmProcess node, string user, string password)
    {
        using var client = LoopbackSource.Client(source);
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), new Uri(node.BaseUri, $"dav/files/{user}/"));
        request.Headers.Add("Depth", "0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string Token(string html)
    {
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, "no form token on the page");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    /// <summary>The database, its users, and two nodes each with an empty data directory of its own.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private readonly Dictionary<string, string> _environment = new(OcmProcess.Quiet);

        internal TestDatabase Database { get; private set; } = null!;

        internal OcmProcess Node1 { get; private set; } = null!;

        internal OcmProcess Node2 { get; private set; } = null!;

        /// <summary>The one URL peers and users know the cluster by (here node 1's address; a balancer's in production).</summary>
        public Uri PublicUrl { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
            var port1 = OcmProcess.FreePort("127.0.0.1");
            PublicUrl = new Uri($"http://127.0.0.1:{port1}/");
            _environment["OCM_DATABASE__PROVIDER"] = "postgres";
            _environment["OCM_DATABASE__CONNECTIONSTRING"] = Database.ConnectionString!;
            _environment["OCM_DEPLOYMENTSECRET"] = "two-nodes-share-this-secret-42";
            _environment["OCM_PUBLICURL"] = PublicUrl.ToString();
            _environment["OCM_USERS__CREATEADMINONFIRSTSTART"] = "false";

            var dir1 = TempDirectory.Create("ocm-node1");
            var dir2 = TempDirectory.Create("ocm-node2");
            Node1 = await OcmProcess.StartServeAsync("127.0.0.1", port1, dir1, _environment);
            Node2 = await OcmProcess.StartServeAsync("127.0.0.1", port: null, dir2, _environment);
            foreach (var user in new[] { "bob", "carol", "dave" })
            {
                await OcmAsync("user", "add", user, "--password", Password, "--data-dir", dir2);
            }
        }

        /// <summary>Runs an offline <c>ocm</c> command with the cluster's settings; fails the test unless it succeeds.</summary>
        public async Task<string> OcmAsync(params string[] args)
        {
            var result = await OcmProcess.RunAsync(args, _environment);
            Assert.True(result.ExitCode == 0, $"ocm {string.Join(' ', args)}: {result.All}");
            return result.StdOut;
        }

        public async Task DisposeAsync()
        {
            foreach (var node in new[] { Node1, Node2 })
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                    TempDirectory.Delete(node.DataDir);
                }
            }

            await Database.DisposeAsync();
        }
    }
}
