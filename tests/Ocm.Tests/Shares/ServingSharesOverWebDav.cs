using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Shares;

/// <summary>
/// The sending side of resource access (OCM §Resource Access): alice on our server (127.0.4.1)
/// shares with carol on a scripted peer (127.0.4.2), which hands us the secrets it received. What carol's server can
/// then do at <c>/dav/ocm/</c> with them: Bearer and legacy Basic credentials, the id and legacy path forms, the
/// share's permissions on every method, a folder share confined to its subtree, and permission changes, expiry and
/// unshare taking effect on the very next request.
/// </summary>
public sealed class ServingSharesOverWebDav : IAsyncLifetime
{
    private static readonly XNamespace D = "DAV:";

    private OcmTestServer _server = null!;
    private FakeOcmPeer _peer = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.4.1", new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        });
        _peer = await FakeOcmPeer.StartAsync("127.0.4.2", async (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"recipientDisplayName\":\"Carol\"}");
        },
        (document, _) => document["resourceTypes"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse(
            """{ "name": "folder", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } }""")));
        _alice = await _server.CreateUserAsync("alice", "Alice Liddell");
        await _alice.MkColAsync("alice", "Project");
        await _alice.MkColAsync("alice", "Project/drafts");
        await _alice.PutFileAsync("alice", "Project/plan.txt", "the plan");
        await _alice.PutFileAsync("alice", "Project/drafts/v1.txt", "first draft");
        await _alice.PutFileAsync("alice", "private.txt", "not shared");
        await _alice.PutFileAsync("alice", "report.txt", "quarterly numbers");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _peer.DisposeAsync();
        await _server.DisposeAsync();
    }

    private sealed record Shared(long Id, string ProviderId, string Secret);

    /// <summary>alice shares <paramref name="path"/> with carol; returns the share and the secret carol's server got.</summary>
    private async Task<Shared> ShareAsync(string path, params string[] permissions)
    {
        var share = await _alice.PostJsonAsync("api/v1/shares", new { path, shareWith = "carol@" + _peer.Authority, permissions }, 201);
        var providerId = share.GetProperty("providerId").GetString()!;
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(_peer.Received.FirstOrDefault(r => r.Method == "POST" && r.Path == "/ocm/shares" && r.Body.Contains(providerId, StringComparison.Ordinal))),
            r => r is not null,
            "the share to reach carol's server");
        var body = JsonDocument.Parse(received!.Body).RootElement;
        var protocol = body.GetProperty("protocol");
        var secret = protocol.TryGetProperty("webdav", out var webdav)
            ? webdav.GetProperty("sharedSecret").GetString()!
            : protocol.GetProperty("options").GetProperty("sharedSecret").GetString()!;
        return new Shared(share.GetProperty("id").GetInt64(), providerId, secret);
    }

    private HttpClient Carol(string authorization)
    {
        var client = new HttpClient { BaseAddress = _server.BaseUri };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return client;
    }

    private static string Basic(string userPart) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userPart));

    private static async Task<List<string>> ListAsync(HttpClient client, string url)
    {
        using var response = await client.SendDavAsync("PROPFIND", url, null, ("Depth", "1"));
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return xml.Descendants(D + "href").Select(h => h.Value).ToList();
    }

    [Fact]
    public async Task FolderShare_ReadOnly_BearerSecret_ListsAndReadsItsSubtree_AndNothingElse()
    {
        var share = await ShareAsync("/Project", "read");
        using var carol = Carol("Bearer " + share.Secret);
        var root = $"dav/ocm/{share.ProviderId}/";

        var hrefs = await ListAsync(carol, root);
        Assert.Equal(
            new[] { "/" + root, "/" + root + "drafts/", "/" + root + "plan.txt" }.Order(StringComparer.Ordinal),
            hrefs.Order(StringComparer.Ordinal));
        Assert.Equal("first draft", await carol.GetStringAsync(root + "drafts/v1.txt"));
        using (var permissions = await carol.SendDavAsync("PROPFIND", root + "plan.txt", """<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:permissions/></d:prop></d:propfind>""", ("Depth", "0")))
        {
            Assert.Equal("SG", XDocument.Parse(await permissions.Content.ReadAsStringAsync()).Descendants(XName.Get("permissions", "http://owncloud.org/ns")).Single().Value);
        }

        // Nothing outside the shared folder, however it is spelled.
        foreach (var escape in new[] { root + "../private.txt", root + "%2e%2e/private.txt", root + "..%2fprivate.txt", "dav/ocm/private.txt" })
        {
            using var response = await carol.GetAsync(escape);
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{escape}: {(int)response.StatusCode}");
        }

        // Read-only: every writing method is refused, and nothing changed.
        foreach (var (method, url) in new[] { ("PUT", root + "plan.txt"), ("DELETE", root + "plan.txt"), ("MKCOL", root + "new"), ("PROPPATCH", root + "plan.txt"), ("MOVE", root + "plan.txt"), ("LOCK", root + "plan.txt") })
        {
            using var response = await carol.SendDavAsync(method, url, method == "PUT" ? "overwritten" : null, ("Destination", "/" + root + "moved.txt"));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method}: {(int)response.StatusCode}");
        }

        Assert.Equal("the plan", await _alice.GetStringAsync("dav/files/alice/Project/plan.txt"));
    }

    [Fact]
    public async Task FolderShare_Writable_RecipientWritesIntoTheOwnersTree_ButCannotLeaveOrRemoveTheShare()
    {
        var share = await ShareAsync("/Project", "read", "write");
        using var carol = Carol("Bearer " + share.Secret);
        var root = $"dav/ocm/{share.ProviderId}/";

        using (var put = await carol.SendDavAsync("PUT", root + "drafts/v2.txt", "second draft"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var mkcol = await carol.SendDavAsync("MKCOL", root + "minutes"))
        {
            Assert.Equal(HttpStatusCode.Created, mkcol.StatusCode);
        }

        using (var move = await carol.SendDavAsync("MOVE", root + "drafts/v2.txt", null, ("Destination", $"{_server.BaseUri}{root}minutes/v2.txt")))
        {
            Assert.Equal(HttpStatusCode.Created, move.StatusCode);
            Assert.Equal("/" + root + "minutes/v2.txt", move.Headers.Location?.OriginalString);
        }

        Assert.Equal("second draft", await _alice.GetStringAsync("dav/files/alice/Project/minutes/v2.txt"));

        // A destination outside the share (alice's own tree) is refused, as is removing or moving the share itself.
        using (var outside = await carol.SendDavAsync("COPY", root + "plan.txt", null, ("Destination", "/dav/files/alice/stolen.txt")))
        {
            Assert.True(outside.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadGateway, $"COPY outside: {(int)outside.StatusCode}");
        }

        using (var delete = await carol.SendDavAsync("DELETE", root))
        {
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        }

        using (var missing = await _alice.GetAsync("dav/files/alice/stolen.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.Equal("the plan", await _alice.GetStringAsync("dav/files/alice/Project/plan.txt"));
    }

    [Fact]
    public async Task LegacyBasic_SecretAsUserName_WorksAtTheRootWithoutId_WithSeafilePadding_AndOnPublicPhp()
    {
        var share = await ShareAsync("/Project", "read");

        // Nextcloud/ownCloud 10 receivers: Basic base64(secret:), the share found from the secret alone.
        using var legacy = Carol(Basic(share.Secret + ":"));
        var hrefs = await ListAsync(legacy, "dav/ocm/");
        Assert.Contains("/dav/ocm/plan.txt", hrefs);
        Assert.Equal("the plan", await legacy.GetStringAsync("dav/ocm/plan.txt"));
        Assert.Equal("the plan", await legacy.GetStringAsync("public.php/webdav/plan.txt"));

        // Seafile pads the secret with ':' to a multiple of four before encoding it.
        using var seafile = Carol(Basic(share.Secret + ":::"));
        Assert.Equal("first draft", await seafile.GetStringAsync("dav/ocm/drafts/v1.txt"));

        // The id form works with Basic as well.
        Assert.Equal("the plan", await legacy.GetStringAsync($"dav/ocm/{share.ProviderId}/plan.txt"));
    }

    [Fact]
    public async Task FileShare_ExposesTheFileOnly_AlsoAddressedByItsName()
    {
        var share = await ShareAsync("/report.txt", "read");
        using var carol = Carol("Bearer " + share.Secret);

        Assert.Equal("quarterly numbers", await carol.GetStringAsync($"dav/ocm/{share.ProviderId}"));
        Assert.Equal("quarterly numbers", await carol.GetStringAsync($"dav/ocm/{share.ProviderId}/report.txt"));
        using var other = await carol.GetAsync($"dav/ocm/{share.ProviderId}/private.txt");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        using var propfind = await carol.SendDavAsync("PROPFIND", $"dav/ocm/{share.ProviderId}", null, ("Depth", "0"));
        Assert.Equal((HttpStatusCode)207, propfind.StatusCode);
        var response = XDocument.Parse(await propfind.Content.ReadAsStringAsync()).Descendants(D + "response").Single();
        Assert.Equal($"/dav/ocm/{share.ProviderId}", response.Element(D + "href")!.Value);
        Assert.Equal("17", response.Descendants(D + "getcontentlength").Single().Value);
    }

    [Fact]
    public async Task NoOrWrongCredentials_Are401_WithAChallenge_AndAMessage()
    {
        var share = await ShareAsync("/report.txt", "read");
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUri };
        using var none = await anonymous.GetAsync($"dav/ocm/{share.ProviderId}");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains(none.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Contains(none.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        using var wrong = Carol("Bearer not-" + share.Secret);
        using var refused = await wrong.GetAsync($"dav/ocm/{share.ProviderId}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Unknown share secret", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A user's password is no key to /dav/ocm either.
        using var user = new HttpClient { BaseAddress = _server.BaseUri };
        user.DefaultRequestHeaders.Authorization = _alice.DefaultRequestHeaders.Authorization;
        using var asUser = await user.GetAsync($"dav/ocm/{share.ProviderId}");
        Assert.Equal(HttpStatusCode.Unauthorized, asUser.StatusCode);
    }

    [Fact]
    public async Task PermissionChange_Expiry_AndUnshare_TakeEffectOnTheNextRequest()
    {
        var share = await ShareAsync("/Project", "read", "write");
        using var carol = Carol("Bearer " + share.Secret);
        var root = $"dav/ocm/{share.ProviderId}/";
        using (var put = await carol.SendDavAsync("PUT", root + "a.txt", "a"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        // Read-only from now on.
        await PatchAsync(share.Id, new { permissions = new[] { "read" } });
        using (var put = await carol.SendDavAsync("PUT", root + "b.txt", "b"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        }

        Assert.Equal("a", await carol.GetStringAsync(root + "a.txt"));

        // Expiry: two seconds from now, then nothing.
        await PatchAsync(share.Id, new { expiration = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeSeconds() });
        var expired = await OcmTestServerExtensions.EventuallyAsync(
            async () => (await carol.GetAsync(root + "a.txt")).StatusCode, s => s != HttpStatusCode.OK, "the share to expire", seconds: 10);
        Assert.Equal(HttpStatusCode.Forbidden, expired);

        // Lift the expiry, then unshare: the secret opens nothing any more.
        await PatchAsync(share.Id, new { expiration = 0 });
        Assert.Equal("a", await carol.GetStringAsync(root + "a.txt"));
        using (var delete = await _alice.DeleteAsync($"api/v1/shares/{share.Id}"))
        {
            Assert.True(delete.IsSuccessStatusCode, $"unshare: {(int)delete.StatusCode}");
        }

        using var gone = await carol.GetAsync(root + "a.txt");
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
    }

    private async Task PatchAsync(long id, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"api/v1/shares/{id}")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), new MediaTypeHeaderValue("application/json")),
        };
        using var response = await _alice.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"PATCH: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
