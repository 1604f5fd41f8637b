using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The received-folder pages over plain HTTP: alice on A (127.0.6.3) shares folders with bob and carol on B
/// (127.0.6.4). Bob sees his share's contents and downloads them as sandboxed attachments; a path that climbs out of the
/// share, someone else's share, an unknown one and one not yet accepted are all not found, and nothing of alice's
/// outside the share shows; a sender that is down gives a page naming it, never a 500.
/// </summary>
public sealed class OpeningAReceivedFolderOverHttp : IAsyncLifetime
{
    private const string Secret = "alice's private notes, not shared";

    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private UiUser _alice = null!;
    private UiUser _bob = null!;
    private UiUser _carol = null!;
    private HttpClient _aliceApi = null!;

    public async Task InitializeAsync()
    {
        var settings = UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false"), ("Ocm:Shares:RemoteTimeoutSeconds", "3"));
        _a = await OcmTestServer.StartAsync("127.0.6.3", settings);
        _b = await OcmTestServer.StartAsync("127.0.6.4", settings);
        _alice = await UiUser.AddAsync(_a, "alice", "Alice Liddell");
        _bob = await UiUser.AddAsync(_b, "bob", "Bob Builder");
        _carol = await UiUser.AddAsync(_b, "carol", "Carol Danvers");
        _aliceApi = _alice.ApiClient();
        await _aliceApi.MkColAsync("alice", "Project");
        await _aliceApi.MkColAsync("alice", "Project/sub");
        await _aliceApi.PutFileAsync("alice", "Project/plan.txt", "the plan");
        await _aliceApi.PutFileAsync("alice", "Project/page.html", "<html><script>alert(document.cookie)</script></html>");
        await _aliceApi.PutFileAsync("alice", "Project/sub/deep.txt", "deep down");
        await _aliceApi.MkColAsync("alice", "Carols");
        await _aliceApi.PutFileAsync("alice", "Carols/for-carol.txt", "only for carol");
        await _aliceApi.MkColAsync("alice", "Later");
        await _aliceApi.PutFileAsync("alice", "secret.txt", Secret);
    }

    public async Task DisposeAsync()
    {
        _aliceApi.Dispose();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task OwnShare_Lists_AndDownloadsSandboxed_ButEscapesAndOthersSharesAreNotFound()
    {
        var bobs = await ShareAndAcceptAsync("/Project", _bob);
        var carols = await ShareAndAcceptAsync("/Carols", _carol);
        var pending = await ShareAsync("/Later", _bob);
        using var session = await UiHttpSession.SignInAsync(_bob);

        // His own share: listed from A, subfolder too; the Shared with me page offers to open it.
        Assert.Contains($"href=\"/ui/received/{bobs}/folder/\"", await session.GetPageAsync("ui/shared-with-me"), StringComparison.Ordinal);
        var root = await session.GetPageAsync($"ui/received/{bobs}/folder/");
        Assert.Contains("data-name=\"plan.txt\"", root, StringComparison.Ordinal);
        Assert.Contains($"href=\"/ui/received/{bobs}/folder/sub\"", root, StringComparison.Ordinal);
        Assert.Contains("data-name=\"deep.txt\"", await session.GetPageAsync($"ui/received/{bobs}/folder/sub"), StringComparison.Ordinal);
        Assert.Equal("deep down", await session.Client.GetStringAsync($"ui/received/{bobs}/file/sub/deep.txt"));

        // Whatever the sender's file contains, it is a sandboxed attachment here.
        using (var html = await session.Client.GetAsync($"ui/received/{bobs}/file/page.html"))
        {
            Assert.Equal(HttpStatusCode.OK, html.StatusCode);
            Assert.Equal("attachment", html.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("page.html", html.Content.Headers.ContentDisposition.FileNameStar ?? html.Content.Headers.ContentDisposition.FileName?.Trim('"'));
            Assert.Contains("sandbox", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", html.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // Paths that climb out of the share, sent exactly as written. Kestrel resolves some dot segments itself (then no
        // route matches); the others reach the page, whose path canonicalization refuses them.
        (string Url, bool ReachesPage)[] escapes =
        [
            ($"ui/received/{bobs}/folder/%2e%2e/", false),
            ($"ui/received/{bobs}/folder/sub/%2E%2E/%2E%2E/", false),
            ($"ui/received/{bobs}/file/%2e%2e/secret.txt", false),
            ($"ui/received/{bobs}/file/sub/%2e%2e/%2e%2e/secret.txt", false),
            ($"ui/received/{bobs}/folder/sub/..", true),
            ($"ui/received/{bobs}/folder/sub/%2e%2e", true),
            ($"ui/received/{bobs}/file/sub/..%2F..%2Fsecret.txt", true),
            ($"ui/received/{bobs}/file/..%5Csecret.txt", true),
        ];
        foreach (var (escape, reachesPage) in escapes)
        {
            using var response = await GetRawAsync(session, escape);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{escape}: {(int)response.StatusCode}");
            Assert.True(!reachesPage || body.Contains("There is no such", StringComparison.Ordinal), $"{escape}: {body}");
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        }

        // Carol's share, a share that does not exist, and one bob has not accepted: not found, nothing of them shown.
        string[] notHis =
        [
            $"ui/received/{carols}/folder/",
            $"ui/received/{carols}/file/for-carol.txt",
            $"ui/received/{pending}/folder/",
            "ui/received/987654/folder/",
            "ui/received/987654/file/plan.txt",
        ];
        foreach (var url in notHis)
        {
            using var response = await session.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: {(int)response.StatusCode}");
            Assert.Contains("You have no accepted share with this number", body, StringComparison.Ordinal);
            Assert.DoesNotContain("for-carol", body, StringComparison.Ordinal);
        }

        // A folder the sender does not have is not found either (the sender says so).
        using var missing = await session.Client.GetAsync($"ui/received/{bobs}/folder/no-such-folder");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains(_a.Authority + " has no folder", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SenderDown_GivesAPageNamingIt_NotAServerError()
    {
        var id = await ShareAndAcceptAsync("/Project", _bob);
        using var session = await UiHttpSession.SignInAsync(_bob);
        Assert.Contains("data-name=\"plan.txt\"", await session.GetPageAsync($"ui/received/{id}/folder/"), StringComparison.Ordinal);

        await _a.StopAsync();

        foreach (var url in new[] { $"ui/received/{id}/folder/", $"ui/received/{id}/folder/sub", $"ui/received/{id}/file/plan.txt" })
        {
            using var response = await session.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is 502 or 503 or 504, $"{url} with the sender down: {(int)response.StatusCode}");
            Assert.StartsWith("text/html", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Contains("The server " + _a.Authority, body, StringComparison.Ordinal);
            Assert.Contains("shares “Project” with you", body, StringComparison.Ordinal);
            Assert.Contains("href=\"/ui/shared-with-me\"", body, StringComparison.Ordinal);
        }
    }

    /// <summary>alice shares <paramref name="path"/> with <paramref name="recipient"/>; returns the id of the share on B, still pending.</summary>
    private async Task<long> ShareAsync(string path, UiUser recipient)
    {
        await _aliceApi.PostJsonAsync("api/v1/shares", new { path, shareWith = recipient.Address, permissions = new[] { "read" } }, 201);
        var name = path.TrimStart('/');
        using var api = recipient.ApiClient();
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => api.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name),
            $"{name} to arrive on B");
        return received.EnumerateArray().First(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
    }

    private async Task<long> ShareAndAcceptAsync(string path, UiUser recipient)
    {
        var id = await ShareAsync(path, recipient);
        using var api = recipient.ApiClient();
        await api.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        return id;
    }

    /// <summary>GET with the request target exactly as written: no dot-segment removal, no unescaping by the client.</summary>
    private static async Task<HttpResponseMessage> GetRawAsync(UiHttpSession session, string relative)
    {
        var uri = new Uri(session.User.Server.BaseUri.AbsoluteUri + relative, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        return await session.Client.SendAsync(request);
    }
}
