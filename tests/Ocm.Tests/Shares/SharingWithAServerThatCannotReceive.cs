using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Ocm.Testing;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Shares;

/// <summary>
/// alice on A (127.0.14.20) shares with servers that cannot take the share: one that does not exist,
/// a web page that is no OCM server, one our trust or insecure-peer policy refuses, one that takes no folders — each is
/// refused at once with the reason. One that is only down gets the share later: alice sees why it waits and when it
/// is tried next (API, command line, web page), and it arrives within seconds once the server is back, not at the
/// next step of the exponential back-off.
/// </summary>
public sealed class SharingWithAServerThatCannotReceive
{
    private const string AddressA = "127.0.14.20";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra) =>
        UiPageExtensions.Settings([("Ocm:Federation:DiscoveryTimeoutSeconds", "3"), .. extra]);

    private static async Task<(OcmTestServer A, UiUser Alice, HttpClient Api)> StartAliceAsync(Dictionary<string, string?> settings)
    {
        var a = await OcmTestServer.StartAsync(AddressA, settings);
        var alice = await UiUser.AddAsync(a, "alice");
        var api = alice.ApiClient();
        await api.PutFileAsync("alice", "report.txt", "quarterly numbers");
        await api.MkColAsync("alice", "Project");
        return (a, alice, api);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ShareAsync(HttpClient api, string path, string shareWith)
    {
        using var response = await api.PostAsJsonAsync("api/v1/shares", new { path, shareWith });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static async Task AssertRefusedAtOnceAsync(HttpClient api, string shareWith, HttpStatusCode status, string title, params string[] reason)
    {
        var clock = Stopwatch.StartNew();
        var (answered, problem) = await ShareAsync(api, "/report.txt", shareWith);

        Assert.True(answered == status, $"expected {(int)status}, got {(int)answered}: {problem}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"answered after {clock.Elapsed}");
        Assert.Equal(title, problem.GetProperty("title").GetString());
        foreach (var words in reason)
        {
            Assert.Contains(words, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    [Fact]
    public async Task ShareToAServerThatDoesNotExist_IsRefusedAtOnceWithTheReason_InTheApiCommandLineAndWebInterface()
    {
        var (a, alice, api) = await StartAliceAsync(Settings());
        await using var _ = a;
        using var __ = api;
        const string reason = "There is no server named nonexistent.invalid: the name does not resolve.";

        // RFC 6761 §6.4: names under .invalid never resolve.
        await AssertRefusedAtOnceAsync(api, "bob@nonexistent.invalid", HttpStatusCode.UnprocessableEntity,
            "Recipient's server does not exist", reason, "after '@'");

        var cli = await OcmProcess.RunAsync(
            ["share", "create", "/report.txt", "bob@nonexistent.invalid", "--server", a.BaseUri.ToString(), "--user", "alice"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password });
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("error: Recipient's server does not exist: " + reason, cli.StdErr, StringComparison.Ordinal);

        using var session = await UiHttpSession.SignInAsync(alice);
        using var posted = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", "bob@nonexistent.invalid"));
        // The form again, as typed, with the reason.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, posted.StatusCode);
        var page = await posted.Content.ReadAsStringAsync();
        Assert.Contains(global::Ocm.Ui.Html.Encode(reason), page, StringComparison.Ordinal);
        Assert.Contains("value=\"bob@nonexistent.invalid\"", page, StringComparison.Ordinal);
        Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    [Theory]
    [InlineData(200)] // a web site's page at every path
    [InlineData(404)] // a web server that knows no /.well-known/ocm
    public async Task ShareToAWebServerThatIsNoOcmServer_IsRefusedAtOnceWithTheReason(int status)
    {
        await using var website = await LoopbackHttpServer.StartAsync("127.0.14.21", async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<!doctype html><title>Welcome</title><h1>Our web site</h1>");
        });
        var (a, _, api) = await StartAliceAsync(Settings());
        await using var _ = a;
        using var __ = api;

        await AssertRefusedAtOnceAsync(api, "bob@" + website.Authority, HttpStatusCode.UnprocessableEntity,
            "Recipient's server does not speak OCM", website.Authority + (status == 200 ? " answers with a web page" : " answers, but has no OCM discovery document"));
    }

    [Fact]
    public async Task ShareToAServerOnOurDenylist_IsRefusedAtOnceWithTheReason()
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.14.22", Accept);
        var (a, _, api) = await StartAliceAsync(Settings(("Ocm:Trust:Denylist:0", "127.0.14.22")));
        await using var _ = a;
        using var __ = api;

        await AssertRefusedAtOnceAsync(api, "bob@" + peer.Authority, HttpStatusCode.Forbidden, "Server not allowed", "denylist");
        Assert.Empty(peer.Received);
    }

    [Fact]
    public async Task ShareToAnInsecurePeerWhileInsecurePeersAreNotAllowed_IsRefusedAtOnceNamingTheSetting()
    {
        // A plain-http server on a loopback address: exactly what Federation:AllowInsecurePeers/InsecurePeers are for.
        await using var peer = await FakeOcmPeer.StartAsync("127.0.14.23", Accept);
        var (a, _, api) = await StartAliceAsync(Settings(("Ocm:Federation:AllowInsecurePeers", "false")));
        await using var _ = a;
        using var __ = api;

        await AssertRefusedAtOnceAsync(api, "bob@" + peer.Authority, HttpStatusCode.Forbidden, "Server not allowed",
            "127.0.14.23", "Ocm:Federation:InsecurePeers");
        Assert.Empty(peer.Received);
    }

    [Fact]
    public async Task ShareOfAFolderToAServerThatTakesOnlyFiles_IsRefusedAtOnceWithTheReason()
    {
        // FakeOcmPeer's discovery lists only the resource type "file".
        await using var peer = await FakeOcmPeer.StartAsync("127.0.14.24", Accept);
        var (a, _, api) = await StartAliceAsync(Settings());
        await using var _ = a;
        using var __ = api;

        var (status, problem) = await ShareAsync(api, "/Project", "bob@" + peer.Authority);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("does not accept folder shares", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(peer.Received);
    }

    [Fact]
    public async Task PeerRefusingTheShare_FailsAtOnceWithItsReason_AndIsNeverRetried()
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.14.26", async (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"message":"Your server is not on our allowlist."}""");
        });
        var (a, _, api) = await StartAliceAsync(Settings());
        await using var _ = a;
        using var __ = api;

        var (status, share) = await ShareAsync(api, "/report.txt", "bob@" + peer.Authority);
        Assert.Equal(HttpStatusCode.Created, status);
        var failed = await OcmTestServerExtensions.EventuallyAsync(
            () => api.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString()!.StartsWith("failed", StringComparison.Ordinal), "the share to fail");
        await Task.Delay(TimeSpan.FromSeconds(3)); // several retry and probe intervals of these settings

        Assert.Contains("403", failed.GetProperty("state").GetString(), StringComparison.Ordinal);
        Assert.Contains("not on our allowlist", failed.GetProperty("state").GetString(), StringComparison.Ordinal);
        Assert.Single(peer.Received, r => r.Path == "/ocm/shares");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RecipientDown_OwnerSeesWhyAndTheNextAttempt_AndTheShareArrivesWithinSecondsOfItsReturn(string provider)
    {
        // B runs once to have bob, then stops: its address and data stay, nothing listens there.
        var addressB = "127.0.14.25";
        var urlsB = $"http://{addressB}:{OcmProcess.FreePort(addressB)}";
        var b = await OcmTestServer.StartAsync(addressB, Settings(("Ocm:Urls", urlsB)));
        var bob = await UiUser.AddAsync(b, "bob");
        var dataB = b.DataDir;
        await b.StopAsync();

        // The back-off alone would try again in 10 minutes: only noticing B's return can deliver within seconds.
        await using var database = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        var (a, alice, api) = await StartAliceAsync(Settings(
            [("Ocm:Delivery:InitialRetrySeconds", "600"), ("Ocm:Delivery:MaxRetrySeconds", "600"), .. InvitingAUserOnAnotherServer.DatabaseSettings(provider, database)]));
        await using var _ = a;
        using var __ = api;
        OcmTestServer? bAgain = null;
        try
        {
            var before = DateTimeOffset.UtcNow;
            var (status, created) = await ShareAsync(api, "/report.txt", bob.Address);

            Assert.True(status == HttpStatusCode.Created, created.ToString());
            Assert.Equal("pending-delivery", created.GetProperty("state").GetString());
            AssertWaitsWithReason(created, bob.Server.Authority, before);

            // The same in the API's list and one share, on the command line, and on the share page.
            var id = created.GetProperty("id").GetInt64();
            AssertWaitsWithReason(await api.GetJsonAsync($"api/v1/shares/{id}"), bob.Server.Authority, before);
            AssertWaitsWithReason((await api.GetJsonAsync("api/v1/shares"))[0], bob.Server.Authority, before);
            var environment = new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password };
            string[][] commands = [["share", "list"], ["share", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture)]];
            foreach (var command in commands)
            {
                var cli = await OcmProcess.RunAsync([.. command, "--server", a.BaseUri.ToString(), "--user", "alice"], environment);
                Assert.True(cli.ExitCode == 0, cli.All);
                Assert.Contains("pending-delivery", cli.StdOut, StringComparison.Ordinal);
                Assert.Contains($"Share {id} not delivered yet: the server {bob.Server.Authority} cannot be reached right now", cli.StdOut, StringComparison.Ordinal);
                Assert.Contains("Next attempt 20", cli.StdOut, StringComparison.Ordinal);
            }

            using (var session = await UiHttpSession.SignInAsync(alice))
            {
                var page = await session.GetPageAsync("ui/share/report.txt");
                Assert.Contains("Not delivered yet: the server " + bob.Server.Authority + " cannot be reached right now", page, StringComparison.Ordinal);
                Assert.Contains("Next attempt <time", page, StringComparison.Ordinal);
            }

            await Task.Delay(TimeSpan.FromSeconds(6)); // A keeps failing to reach B for a while
            Assert.Equal("pending-delivery", (await api.GetJsonAsync($"api/v1/shares/{id}")).GetProperty("state").GetString());

            bAgain = await OcmTestServer.StartAsync(addressB, Settings(("Ocm:Urls", urlsB)), dataDir: dataB);
            var back = Stopwatch.StartNew();
            await OcmTestServerExtensions.EventuallyAsync(
                () => api.GetJsonAsync($"api/v1/shares/{id}"), s => s.GetProperty("state").GetString() == "delivered", "the share delivered once B is back", seconds: 30);
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), $"delivered {back.Elapsed.TotalSeconds:0.0} s after B came back");

            using var bobApi = bob.ApiClient();
            bobApi.BaseAddress = bAgain.BaseUri;
            var received = Assert.Single((await bobApi.GetJsonAsync("api/v1/received-shares")).EnumerateArray());
            Assert.Equal("report.txt", received.GetProperty("name").GetString());
        }
        finally
        {
            if (bAgain is not null)
            {
                await bAgain.DisposeAsync();
            }

            TempDirectory.Delete(dataB);
        }
    }

    private static void AssertWaitsWithReason(JsonElement share, string recipientServer, DateTimeOffset before)
    {
        Assert.Equal("pending-delivery", share.GetProperty("state").GetString());
        Assert.Contains($"the server {recipientServer} cannot be reached right now", share.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.True(share.GetProperty("nextAttemptAt").GetDateTimeOffset() > before, share.ToString());
    }

    private static Task Accept(HttpContext context, string body)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        return Task.CompletedTask;
    }
}
