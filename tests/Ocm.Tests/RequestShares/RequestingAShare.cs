using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ocm.Federation;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;

namespace Ocm.Tests.RequestShares;

/// <summary>
/// OCM 1.4 request-share between two real servers (127.0.0.50 and 127.0.0.51): Bob's server B sends a signed
/// <c>POST /ocm/request-share</c> asking Alice on A to share a resource; Alice sees the request and dismisses it.
/// Unsigned requests, unknown owners, must-invite and floods are refused.
/// </summary>
public sealed class RequestingAShare
{
    private const string AddressA = "127.0.0.50";
    private const string AddressB = "127.0.0.51";

    [Fact]
    public async Task SignedRequest_IsStoredForTheOwner_WhoCanDismissIt()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        using var response = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = "/Projects/report.pdf" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // The same request again is folded into the first one.
        using var again = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = "/Projects/report.pdf" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);

        var request = Assert.Single(await RequestsAsync(alice));
        Assert.Equal(bob.Address, request.GetProperty("requester").GetString());
        Assert.Equal("/Projects/report.pdf", request.GetProperty("resource").GetString());
        Assert.Equal(b.Authority, request.GetProperty("server").GetString());
        Assert.True(request.GetProperty("signed").GetBoolean());
        Assert.False(request.GetProperty("fromContact").GetBoolean());
        Assert.Equal(2, request.GetProperty("count").GetInt32());
        Assert.Equal("open", request.GetProperty("state").GetString());

        var id = request.GetProperty("id").GetInt64();
        using (var dismissed = await alice.Client.PostAsync($"api/v1/share-requests/{id}/dismiss", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, dismissed.StatusCode);
        }

        Assert.Empty(await RequestsAsync(alice));
        Assert.Equal("dismissed", Assert.Single(await RequestsAsync(alice, "all")).GetProperty("state").GetString());

        // Someone else's request cannot be dismissed.
        using var carol = await a.AddUserAsync("carol");
        using var foreign = await carol.Client.PostAsync($"api/v1/share-requests/{id}/dismiss", null);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task UnsignedRequest_IsRefusedWith401()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Security:RequireSignatures", "false")));
        using var alice = await a.AddUserAsync("alice");

        using var response = await a.Client.PostAsJsonAsync("ocm/request-share", new { owner = alice.Address, shareWith = "mallory@evil.example", share = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await RequestsAsync(alice));
    }

    [Fact]
    public async Task UnknownOwner_IsAnswered404_AndInvalidBodies400()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        using var unknown = await SendFromAsync(b, a, new { owner = $"nobody@{a.Authority}", shareWith = bob.Address, share = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var invalid = await SendFromAsync(b, a, new { owner = $"alice@{a.Authority}", shareWith = bob.Address });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var error = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("share", Assert.Single(error.GetProperty("validationErrors").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task MustInvite_RefusesRequestsFromStrangers_ButNotFromContacts()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Trust:MustInvite", "true")));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        using var refused = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("must-invite", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);

        var inviteString = (await alice.CreateInviteAsync()).GetProperty("inviteString").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await bob.AcceptInviteStringAsync(inviteString)).Status);

        using var accepted = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = "x" });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.True(Assert.Single(await RequestsAsync(alice)).GetProperty("fromContact").GetBoolean());
    }

    [Fact]
    public async Task Flood_IsRateLimitedPerServer_With429AndRetryAfter()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:RequestShares:Burst", "2"), ("Ocm:RequestShares:PerHour", "6")));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        for (var i = 0; i < 2; i++)
        {
            using var ok = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = $"file-{i}" });
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        }

        using var limited = await SendFromAsync(b, a, new { owner = alice.Address, shareWith = bob.Address, share = "file-2" });

        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.Equal(2, (await RequestsAsync(alice)).Count);
    }

    /// <summary>Sends a request-share from <paramref name="from"/> through its own peer client (signed as it signs).</summary>
    private static async Task<HttpResponseMessage> SendFromAsync(OcmTestServer from, OcmTestServer to, object body)
    {
        var peers = from.GetRequiredService<PeerClient>();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(to.BaseUri, "ocm/request-share"))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var answer = await peers.SendAsync(await peers.DiscoverAsync(to.Authority, CancellationToken.None), request, TimeSpan.FromSeconds(30), CancellationToken.None);
        var response = new HttpResponseMessage((HttpStatusCode)answer.Status) { Content = new ByteArrayContent(answer.Body) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        response.Headers.RetryAfter = answer.RetryAfter;
        return response;
    }

    private static async Task<List<JsonElement>> RequestsAsync(TestUser user, string? state = null)
    {
        using var response = await user.Client.GetAsync("api/v1/share-requests" + (state is null ? "" : "?state=" + state));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
    }
}
