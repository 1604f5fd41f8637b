using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// alice on A (127.0.4.10) shares with bob on B (127.0.4.11); bob accepts and works on the share in his own WebDAV
/// tree under <c>/Shared with me/</c>, which B forwards to A (OCM §Resource Access). Asserted on
/// what bob's WebDAV client sees, and on what alice finds in her tree.
/// </summary>
public sealed class AccessingSharesFromTheRecipientsTree : IAsyncLifetime
{
    private static readonly XNamespace D = "DAV:";

    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    private static Dictionary<string, string?> Fast(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            ["Ocm:Delivery:MaxRetrySeconds"] = "1",
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
            ["Ocm:Shares:RemoteTimeoutSeconds"] = "3",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public Task InitializeAsync() => StartAsync();

    private async Task StartAsync(params (string Key, string? Value)[] bSettings)
    {
        _a = await OcmTestServer.StartAsync("127.0.4.10", Fast());
        _b = await OcmTestServer.StartAsync("127.0.4.11", Fast(bSettings));
        _alice = await _a.CreateUserAsync("alice", "Alice Liddell");
        _bob = await _b.CreateUserAsync("bob", "Bob Builder");
        await _alice.MkColAsync("alice", "Project");
        await _alice.PutFileAsync("alice", "Project/plan.txt", "the plan");
        await _alice.PutFileAsync("alice", "report.txt", "quarterly numbers");
        await _bob.PutFileAsync("bob", "own.txt", "bob's own file");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private const string Mount = "dav/files/bob/Shared%20with%20me/";

    /// <summary>alice shares <paramref name="path"/> with bob; bob accepts it. Returns alice's share id.</summary>
    private async Task<long> ShareAndAcceptAsync(string path, params string[] permissions)
    {
        var share = await _alice.PostJsonAsync("api/v1/shares", new { path, shareWith = "bob@" + _b.Authority, permissions }, 201);
        var name = path.TrimStart('/');
        var pending = await OcmTestServerExtensions.EventuallyAsync(
            () => _bob.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name),
            "the share to arrive on B");
        var id = pending.EnumerateArray().First(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        await _bob.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        return share.GetProperty("id").GetInt64();
    }

    private static async Task<List<XElement>> PropFindAsync(HttpClient client, string url, string depth = "1")
    {
        using var response = await client.SendDavAsync("PROPFIND", url, null, ("Depth", depth));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 207, $"PROPFIND {url}: {(int)response.StatusCode} {text}");
        return XDocument.Parse(text).Descendants(D + "response").ToList();
    }

    private static string Href(XElement response) => Uri.UnescapeDataString(response.Element(D + "href")!.Value);

    [Fact]
    public async Task FolderShare_BobListsReadsAndWritesIt_InHisOwnTree()
    {
        await ShareAndAcceptAsync("/Project", "read", "write");

        // His root shows the folder of shares beside his own files; it lists the share as a folder.
        var root = await PropFindAsync(_bob, "dav/files/bob/");
        Assert.Contains(root, r => Href(r) == "/dav/files/bob/Shared with me/");
        Assert.Contains(root, r => Href(r) == "/dav/files/bob/own.txt");
        var mount = await PropFindAsync(_bob, Mount);
        var project = Assert.Single(mount, r => Href(r) == "/dav/files/bob/Shared with me/Project/");
        Assert.NotNull(project.Descendants(D + "collection").SingleOrDefault());

        // Inside it, alice's files, with hrefs in bob's tree.
        var listing = await PropFindAsync(_bob, Mount + "Project/");
        Assert.Equal(
            ["/dav/files/bob/Shared with me/Project/", "/dav/files/bob/Shared with me/Project/plan.txt"],
            listing.Select(Href).Order(StringComparer.Ordinal));
        Assert.Equal("the plan", await _bob.GetStringAsync(Mount + "Project/plan.txt"));

        // He writes; alice finds it in her folder.
        using (var put = await _bob.SendDavAsync("PUT", Mount + "Project/from-bob.txt", "bob was here"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.Equal("bob was here", await _alice.GetStringAsync("dav/files/alice/Project/from-bob.txt"));
        using (var mkcol = await _bob.SendDavAsync("MKCOL", Mount + "Project/minutes"))
        {
            Assert.Equal(HttpStatusCode.Created, mkcol.StatusCode);
        }

        using (var move = await _bob.SendDavAsync("MOVE", Mount + "Project/from-bob.txt", null, ("Destination", $"{_b.BaseUri}{Mount}Project/minutes/from-bob.txt")))
        {
            Assert.Equal(HttpStatusCode.Created, move.StatusCode);
        }

        Assert.Equal("bob was here", await _alice.GetStringAsync("dav/files/alice/Project/minutes/from-bob.txt"));

        // Moving his own file into the share would cross servers: refused, and his file stays.
        using (var cross = await _bob.SendDavAsync("MOVE", "dav/files/bob/own.txt", null, ("Destination", $"{_b.BaseUri}{Mount}Project/own.txt")))
        {
            Assert.Equal(HttpStatusCode.BadGateway, cross.StatusCode);
        }

        Assert.Equal("bob's own file", await _bob.GetStringAsync("dav/files/bob/own.txt"));

        // The folder of shares itself cannot be changed.
        using var mkcolTop = await _bob.SendDavAsync("MKCOL", Mount + "mine");
        Assert.Equal(HttpStatusCode.Forbidden, mkcolTop.StatusCode);
    }

    [Fact]
    public async Task DeletingTheSharesFolder_LeavesTheShare_AliceKeepsHerFilesAndIsTold()
    {
        var shareId = await ShareAndAcceptAsync("/Project", "read", "write");

        using var delete = await _bob.SendDavAsync("DELETE", Mount + "Project/");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        Assert.Equal(0, (await _bob.GetJsonAsync("api/v1/received-shares")).GetArrayLength());
        using (var gone = await _bob.SendDavAsync("PROPFIND", Mount + "Project/", headers: [("Depth", "0")]))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Equal("the plan", await _alice.GetStringAsync("dav/files/alice/Project/plan.txt"));
        await OcmTestServerExtensions.EventuallyAsync(
            () => _alice.GetJsonAsync($"api/v1/shares/{shareId}"),
            s => s.GetProperty("state").GetString() == "declined",
            "alice's share to show that bob left it");
    }

    [Fact]
    public async Task FileShare_ReadOnly_BobReadsIt_AndHisWritesAreRefused()
    {
        await ShareAndAcceptAsync("/report.txt", "read");

        var member = Assert.Single(await PropFindAsync(_bob, Mount + "report.txt", depth: "0"));
        Assert.Equal("/dav/files/bob/Shared with me/report.txt", Href(member));
        Assert.Equal("17", member.Descendants(D + "getcontentlength").Single().Value);
        Assert.Equal("quarterly numbers", await _bob.GetStringAsync(Mount + "report.txt"));

        using var put = await _bob.SendDavAsync("PUT", Mount + "report.txt", "changed by bob");
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal("quarterly numbers", await _alice.GetStringAsync("dav/files/alice/report.txt"));
    }

    [Fact]
    public async Task PermissionChangeToReadOnly_NextPutFails_Unshare_GoneForBob()
    {
        var shareId = await ShareAndAcceptAsync("/Project", "read", "write");
        using (var put = await _bob.SendDavAsync("PUT", Mount + "Project/a.txt", "a"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"api/v1/shares/{shareId}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { permissions = new[] { "read" } }), new MediaTypeHeaderValue("application/json")),
        })
        using (var patched = await _alice.SendAsync(patch))
        {
            Assert.True(patched.IsSuccessStatusCode);
        }

        // The very next write fails (A enforces at once, before B even hears of the change).
        using (var put = await _bob.SendDavAsync("PUT", Mount + "Project/b.txt", "b"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        }

        Assert.Equal("a", await _bob.GetStringAsync(Mount + "Project/a.txt"));

        using (var delete = await _alice.DeleteAsync($"api/v1/shares/{shareId}"))
        {
            Assert.True(delete.IsSuccessStatusCode);
        }

        using (var read = await _bob.GetAsync(Mount + "Project/a.txt"))
        {
            Assert.True(read.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"after unshare: {(int)read.StatusCode}");
        }

        // Once B hears of it, the share leaves bob's tree (and the empty folder of shares with it).
        await OcmTestServerExtensions.EventuallyAsync(
            async () => (await PropFindAsync(_bob, "dav/files/bob/")).Select(Href).ToList(),
            hrefs => !hrefs.Contains("/dav/files/bob/Shared with me/"),
            "the unshared share to leave bob's tree");
    }

    [Fact]
    public async Task SenderDown_BobsOwnFilesAreUnaffected_AndTheShareFailsFast()
    {
        await ShareAndAcceptAsync("/report.txt", "read");
        Assert.Equal("quarterly numbers", await _bob.GetStringAsync(Mount + "report.txt"));
        await _a.StopAsync();

        var clock = Stopwatch.StartNew();
        var root = await PropFindAsync(_bob, "dav/files/bob/");
        Assert.Contains(root, r => Href(r) == "/dav/files/bob/own.txt");
        Assert.Equal("bob's own file", await _bob.GetStringAsync("dav/files/bob/own.txt"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"bob's own listing took {clock.Elapsed}");

        // The folder of shares still lists the share (from what was known), and reading it fails with a gateway error.
        Assert.Contains(await PropFindAsync(_bob, Mount), r => Href(r) == "/dav/files/bob/Shared with me/report.txt");
        clock.Restart();
        using var read = await _bob.GetAsync(Mount + "report.txt");
        Assert.True((int)read.StatusCode is 502 or 503 or 504, $"share read with sender down: {(int)read.StatusCode}");
        Assert.Contains(_a.Authority, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the failing share took {clock.Elapsed}");
    }

    [Fact]
    public async Task MustExchangeToken_BobsServerExchangesTheCode_AndReadsWithTheToken()
    {
        await DisposeAsync();
        await StartAsync(("Ocm:Security:RequireTokenExchange", "true"));
        await ShareAndAcceptAsync("/report.txt", "read");

        Assert.Equal("quarterly numbers", await _bob.GetStringAsync(Mount + "report.txt"));

        await using var scope = _b.Services.CreateAsyncScope();
        var received = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<ReceivedShare>().AsNoTracking().SingleAsync();
        Assert.True(received.MustExchangeToken);
        Assert.Equal(ShareAccessMethod.Token, received.AccessMethod);

        // The raw secret is no key to a must-exchange-token share on A.
        var secret = _b.GetRequiredService<SecretProtector>().Unprotect(received.ProtectedSecret);
        using var direct = new HttpClient { BaseAddress = _a.BaseUri };
        direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret + ":")));
        using var refused = await direct.GetAsync("dav/ocm/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
