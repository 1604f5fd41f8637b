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

    /// <summary>
    /// The Files view shows "Shared with me" as WebDAV does: absent until a share is accepted, then a folder in the root
    /// whose members have the WebDAV names (two shares called "Project": "Project" and "Project (2)"); a path in it
    /// leads to the share's pages; its name cannot be taken by a folder of one's own.
    /// </summary>
    [Fact]
    public async Task SharedWithMe_InTheFilesView_HasWebDavsNamesAndPaths_AndItsNameIsReserved()
    {
        using var session = await UiHttpSession.SignInAsync(_bob);
        using var bobDav = _bob.ApiClient();
        Assert.DoesNotContain("data-name=\"Shared with me\"", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
        Assert.DoesNotContain("Shared with me", await DavNamesAsync(bobDav, "dav/files/bob/"), StringComparer.Ordinal);

        var alices = await ShareAndAcceptAsync("/Project", _bob);
        var dave = await UiUser.AddAsync(_a, "dave", "Dave");
        using (var daveApi = dave.ApiClient())
        {
            await daveApi.MkColAsync("dave", "Project");
            await daveApi.MkColAsync("dave", "Project/minutes");
            await daveApi.PostJsonAsync("api/v1/shares", new { path = "/Project", shareWith = _bob.Address, permissions = new[] { "read" } }, 201);
        }

        using var bobApi = _bob.ApiClient();
        var daves = (await OcmTestServerExtensions.EventuallyAsync(
            () => bobApi.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.GetArrayLength() > 0,
            "dave's share to arrive on B")).EnumerateArray().Single().GetProperty("id").GetInt64();
        await bobApi.PostJsonAsync($"api/v1/received-shares/{daves}/accept", new { }, 200);

        // The root lists the folder, which opens like any other.
        var root = await session.GetPageAsync("ui/files/");
        Assert.Contains("<tr data-name=\"Shared with me\" class=\"received-folder\"><td class=\"name\"><a class=\"folder\" href=\"/ui/files/Shared%20with%20me\">", root, StringComparison.Ordinal);
        Assert.Contains("Shared with me", await DavNamesAsync(bobDav, "dav/files/bob/"), StringComparer.Ordinal);

        // Its members, with the names WebDAV gives them, each leading to its share.
        var folder = await session.GetPageAsync("ui/files/Shared%20with%20me/");
        Assert.Contains($"<tr data-name=\"Project\" data-share-id=\"{alices}\">", folder, StringComparison.Ordinal);
        Assert.Contains($"<tr data-name=\"Project (2)\" data-share-id=\"{daves}\">", folder, StringComparison.Ordinal);
        Assert.Contains($"href=\"/ui/received/{daves}/folder/\"", folder, StringComparison.Ordinal);
        Assert.Equal(["Project", "Project (2)"], (await DavNamesAsync(bobDav, "dav/files/bob/Shared%20with%20me/")).Order(StringComparer.Ordinal));

        // The WebDAV path of something in a share is also its address in the Files view.
        using (var deep = await session.Client.GetAsync("ui/files/Shared%20with%20me/Project%20(2)/minutes"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, deep.StatusCode);
            Assert.Equal($"/ui/received/{daves}/folder/minutes", deep.Headers.Location!.OriginalString);
        }

        var minutes = await session.GetPageAsync($"ui/received/{daves}/folder/minutes");
        Assert.Contains("<a href=\"/ui/files/Shared%20with%20me\" id=\"crumb-shared-with-me\">Shared with me</a>", minutes, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/ui/received/{daves}/folder/\" id=\"crumb-share\">Project (2)</a>", minutes, StringComparison.Ordinal);
        using (var unknown = await session.Client.GetAsync("ui/files/Shared%20with%20me/Project%20(3)/"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // Its name is reserved in the root, as over WebDAV.
        using (var mkdir = await session.PostFormAsync("ui/mkdir", ("dir", "/"), ("name", "Shared with me")))
        {
            Assert.Equal(HttpStatusCode.SeeOther, mkdir.StatusCode);
        }

        Assert.Contains("nothing can be created or moved there", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
        using var davMkcol = await bobDav.SendDavAsync("MKCOL", "dav/files/bob/Shared%20with%20me/Mine/");
        Assert.Equal(HttpStatusCode.Forbidden, davMkcol.StatusCode);
        Assert.Equal(["Project", "Project (2)"], (await DavNamesAsync(bobDav, "dav/files/bob/Shared%20with%20me/")).Order(StringComparer.Ordinal));
    }

    /// <summary>The name (last segment of the href, decoded) of each member in a PROPFIND Depth 1 of <paramref name="folder"/>.</summary>
    private static async Task<List<string>> DavNamesAsync(HttpClient dav, string folder)
    {
        using var response = await dav.SendDavAsync("PROPFIND", folder, null, ("Depth", "1"));
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var xml = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        var self = new Uri(dav.BaseAddress!, folder).AbsolutePath;
        return [.. xml.Descendants(System.Xml.Linq.XName.Get("href", "DAV:"))
            .Select(h => h.Value)
            .Where(h => h != self)
            .Select(h => Uri.UnescapeDataString(h.TrimEnd('/')[(h.TrimEnd('/').LastIndexOf('/') + 1)..]))];
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
