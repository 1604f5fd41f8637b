using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Signatures;

namespace Ocm.Tests.RequestShares;

/// <summary>
/// OCM 1.4 §Request for a Share both ways between two real servers (127.0.32.1 and 127.0.32.2): bob on B asks alice on
/// A for <c>/Projects/report.md</c> through his own server (<c>POST /api/v1/share-requests/outgoing</c>, which sends
/// the signed <c>POST /ocm/request-share</c>); alice sees it in her inbox and accepts it, which shares the file; bob's
/// request turns fulfilled when the share arrives and he reads the file. Also: dismissing, closed requests (409),
/// servers that cannot take requests, bad input, and requests from peers speaking strict 1.4 and the legacy form.
/// </summary>
public sealed class AskingForAShareAcrossTwoServers
{
    private const string AddressA = "127.0.32.1";
    private const string AddressB = "127.0.32.2";
    private const string Report = "numbers for the quarter";

    private static Dictionary<string, string?> Settings() => FederatedUsers.Settings(
        ("Ocm:Delivery:PollSeconds", "0.1"),
        ("Ocm:Delivery:InitialRetrySeconds", "0.2"),
        ("Ocm:Delivery:MaxRetrySeconds", "1"));

    [Fact]
    public async Task BobAsks_AliceAccepts_BobReadsTheFile()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        await alice.Client.MkColAsync("alice", "Projects");
        await alice.Client.PutFileAsync("alice", "Projects/report.md", Report);

        var sent = await bob.Client.PostJsonAsync("api/v1/share-requests/outgoing", new { owner = alice.Address, resource = "/Projects/report.md" }, 201);
        Assert.Equal("sent", sent.GetProperty("state").GetString());
        Assert.Equal(alice.Address, sent.GetProperty("owner").GetString());

        var request = Assert.Single(await InboxAsync(alice));
        Assert.Equal(bob.Address, request.GetProperty("requester").GetString());
        Assert.Equal("/Projects/report.md", request.GetProperty("resource").GetString());
        Assert.True(request.GetProperty("signed").GetBoolean());

        var id = request.GetProperty("id").GetInt64();
        var accepted = await alice.Client.PostJsonAsync($"api/v1/share-requests/{id}/accept", new { permissions = new[] { "read" } }, 200);
        Assert.Equal("fulfilled", accepted.GetProperty("state").GetString());
        var shareId = accepted.GetProperty("shareId").GetInt64();
        var share = await alice.Client.GetJsonAsync($"api/v1/shares/{shareId}");
        Assert.Equal(bob.Address, share.GetProperty("shareWith").GetString());
        Assert.Equal("/Projects/report.md", share.GetProperty("path").GetString());
        Assert.Empty(await InboxAsync(alice));

        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the share to arrive on B");
        var receivedId = received[0].GetProperty("id").GetInt64();
        var mine = Assert.Single((await bob.Client.GetJsonAsync("api/v1/share-requests/outgoing")).EnumerateArray());
        Assert.Equal("fulfilled", mine.GetProperty("state").GetString());
        Assert.Equal(receivedId, mine.GetProperty("receivedShareId").GetInt64());

        await bob.Client.PostJsonAsync($"api/v1/received-shares/{receivedId}/accept", new { }, 200);
        Assert.Equal(Report, await bob.Client.GetStringAsync("dav/files/bob/Shared%20with%20me/report.md"));

        // The request is closed now: neither accepted again nor dismissed.
        using var again = await alice.Client.PostAsJsonAsync($"api/v1/share-requests/{id}/accept", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains($"already fulfilled (share {shareId})", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dismissing_ClosesTheRequest_AndClosedRequestsAnswer409()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        await bob.Client.PostJsonAsync("api/v1/share-requests/outgoing", new { owner = alice.Address, resource = "/Secret plans" }, 201);
        var id = Assert.Single(await InboxAsync(alice)).GetProperty("id").GetInt64();

        // A path that is not in alice's files: refused with the reason, the request stays open.
        using var missing = await alice.Client.PostAsJsonAsync($"api/v1/share-requests/{id}/accept", new { });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("There is no file or folder '/Secret plans'", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await InboxAsync(alice));

        using (var dismissed = await alice.Client.PostAsync($"api/v1/share-requests/{id}/dismiss", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, dismissed.StatusCode);
        }

        Assert.Empty(await InboxAsync(alice));
        using var acceptDismissed = await alice.Client.PostAsJsonAsync($"api/v1/share-requests/{id}/accept", new { });
        Assert.Equal(HttpStatusCode.Conflict, acceptDismissed.StatusCode);
        Assert.Contains("was already dismissed", (await acceptDismissed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var dismissAgain = await alice.Client.PostAsync($"api/v1/share-requests/{id}/dismiss", null);
        Assert.Equal(HttpStatusCode.Conflict, dismissAgain.StatusCode);

        // Bob is not told of a dismissal (the protocol has no message for it): his request stays sent.
        Assert.Equal("sent", Assert.Single((await bob.Client.GetJsonAsync("api/v1/share-requests/outgoing")).EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AServerThatCannotTakeRequests_IsAClearError()
    {
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        using var bob = await b.AddUserAsync("bob");

        // A 1.4 server without signatures (no http-sig, no jwksUri): the request must be signed, so it is not sent.
        await using var unsigned = await FakeOcmPeer.StartAsync("127.0.32.3", (context, _) =>
        {
            context.Response.StatusCode = 201;
            return Task.CompletedTask;
        });
        using var refused = await bob.Client.PostAsJsonAsync("api/v1/share-requests/outgoing", new { owner = $"alice@{unsigned.Authority}", resource = "/x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Owner's server cannot take share requests", problem.GetProperty("title").GetString());
        Assert.Contains("does not verify RFC 9421 signatures", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(unsigned.Received, r => r.Path.EndsWith("/request-share", StringComparison.Ordinal));

        // A signing server without the endpoint (404, no OCM error body): sent, refused, recorded as failed.
        await using var old = await SigningPeer.StartAsync("127.0.32.4");
        using var notOffered = await bob.Client.PostAsJsonAsync("api/v1/share-requests/outgoing", new { owner = old.User("alice"), resource = "/x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notOffered.StatusCode);
        Assert.Contains("does not offer share requests", (await notOffered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var failed = Assert.Single((await bob.Client.GetJsonAsync("api/v1/share-requests/outgoing")).EnumerateArray());
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Contains("does not offer share requests", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "/x", "'owner' is required")]
    [InlineData("not an address", "/x", "'owner' must be an OCM address")]
    [InlineData("alice@cloud.example.org", "", "'resource' is required")]
    [InlineData("alice@cloud.example.org", "bad\u0001name", "without control characters")]
    [InlineData("alice@THIS-SERVER", "/x", "is a user of this server")]
    public async Task BadInput_Is400WithTheReason(string? owner, string resource, string reason)
    {
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        using var bob = await b.AddUserAsync("bob");

        owner = owner?.Replace("THIS-SERVER", b.Authority, StringComparison.Ordinal);
        using var response = await bob.Client.PostAsJsonAsync("api/v1/share-requests/outgoing", new { owner, resource });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await bob.Client.GetJsonAsync("api/v1/share-requests/outgoing")).GetArrayLength());
    }

    [Fact]
    public async Task RequestsFromAStrictPeerAndALegacyPeer_ReachTheInbox()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        using var alice = await a.AddUserAsync("alice");
        await alice.Client.PutFileAsync("alice", "report.md", Report);
        await using var peer = await SigningPeer.StartAsync("127.0.32.5");
        var endpoint = new Uri(a.BaseUri, "ocm/request-share");

        // Strict OCM 1.4: RFC 9421 signature, owner/shareWith/share.
        var strict = peer.Sign(Message(endpoint, new { owner = alice.Address, shareWith = peer.User("bob"), share = "/report.md" }));
        Assert.Equal(201, (await SigningPeer.SendAsync(strict)).Status);

        // The -04 draft's shareId, signed with draft-cavage as Nextcloud does towards servers without http-sig.
        var legacy = peer.SignCavage(Message(endpoint, new { owner = alice.Address, shareWith = peer.User("carol"), shareId = "/report.md" }));
        Assert.Equal(201, (await SigningPeer.SendAsync(legacy)).Status);

        var inbox = await InboxAsync(alice);
        Assert.Equal([peer.User("bob"), peer.User("carol")], inbox.Select(r => r.GetProperty("requester").GetString()).Order(StringComparer.Ordinal));
        Assert.All(inbox, r => Assert.Equal("/report.md", r.GetProperty("resource").GetString()));

        // Accepting one shares the file with the peer's user through the normal share service.
        var id = inbox.Single(r => r.GetProperty("requester").GetString() == peer.User("bob")).GetProperty("id").GetInt64();
        var accepted = await alice.Client.PostJsonAsync($"api/v1/share-requests/{id}/accept", new { permissions = new[] { "read", "write" } }, 200);
        var share = await alice.Client.GetJsonAsync($"api/v1/shares/{accepted.GetProperty("shareId").GetInt64()}");
        Assert.Equal(peer.User("bob"), share.GetProperty("shareWith").GetString());
        Assert.Equal(["read", "write"], share.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    private static HttpMessage Message(Uri target, object body)
    {
        var message = HttpMessage.CreateRequest("POST", target);
        message.Headers.Add("Content-Type", "application/json");
        message.Body = JsonSerializer.SerializeToUtf8Bytes(body);
        return message;
    }

    private static async Task<List<JsonElement>> InboxAsync(TestUser user) =>
        [.. (await user.Client.GetJsonAsync("api/v1/share-requests")).EnumerateArray()];
}
