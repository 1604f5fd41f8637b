using System.Net;
using System.Text.Json;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Signatures;

namespace Ocm.Tests.Shares;

/// <summary>
/// One sending server cannot flood a user's pending list: B takes <c>Ocm:Shares:IncomingBurst</c> new shares from a
/// server at once, then <c>IncomingPerHour</c>; beyond that <c>POST /ocm/shares</c> answers 429 with
/// <c>Retry-After</c> and the OCM error body. A re-delivered share is not counted, and a real sender's outbox waits
/// and delivers the rest, each exactly once. A 127.0.6.50, B 127.0.6.51, scripted peer 127.0.6.52.
/// </summary>
public sealed class LimitingNewSharesPerSender
{
    [Fact]
    public async Task Flood_FromOneServer_Gets429WithRetryAfter_RedeliveryNotCounted()
    {
        await using var peer = await SigningPeer.StartAsync("127.0.6.52");
        await using var b = await OcmTestServer.StartAsync("127.0.6.51", new Dictionary<string, string?>
        {
            ["Ocm:Shares:IncomingBurst"] = "2",
            ["Ocm:Shares:IncomingPerHour"] = "60",
        });
        using var bob = await b.CreateUserAsync("bob");
        var endpoint = new Uri(b.BaseUri, "ocm/shares");

        var first = peer.Share(endpoint, "bob@" + b.Authority, "one.txt");
        Assert.Equal(201, (await SigningPeer.SendAsync(peer.Sign(first))).Status);
        Assert.Equal(201, (await SigningPeer.SendAsync(peer.Sign(peer.Share(endpoint, "bob@" + b.Authority, "two.txt")))).Status);

        var (status, body) = await SigningPeer.SendAsync(peer.Sign(peer.Share(endpoint, "bob@" + b.Authority, "three.txt")));
        Assert.Equal(429, status);
        Assert.Contains(peer.Authority, JsonDocument.Parse(body).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The first share delivered again (same providerId, fresh signature): still 201, still one share.
        var again = HttpMessage.CreateRequest("POST", endpoint);
        again.Headers.Add("Content-Type", "application/json");
        again.Body = first.Body;
        Assert.Equal(201, (await SigningPeer.SendAsync(peer.Sign(again))).Status);

        var names = (await bob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(["one.txt", "two.txt"], names);
    }

    [Fact]
    public async Task Flood_RetryAfterIsSent_AndTheSendersOutboxDeliversEverythingOnce()
    {
        var fast = new[] { ("Ocm:Delivery:PollSeconds", (string?)"0.1"), ("Ocm:Delivery:InitialRetrySeconds", "0.2"), ("Ocm:Delivery:MaxRetrySeconds", "2") };
        await using var a = await OcmTestServer.StartAsync("127.0.6.50", FederatedUsers.Settings(fast));
        await using var b = await OcmTestServer.StartAsync("127.0.6.51", FederatedUsers.Settings(
            [.. fast, ("Ocm:Shares:IncomingBurst", "2"), ("Ocm:Shares:IncomingPerHour", "3600")]));
        using var alice = await a.AddUserAsync("alice", "Alice Liddell");
        using var bob = await b.AddUserAsync("bob", "Bob Builder");
        var files = Enumerable.Range(1, 5).Select(i => $"f{i}.txt").ToList();
        foreach (var file in files)
        {
            await alice.Client.PutFileAsync("alice", file, file);
        }

        var shares = new List<long>();
        foreach (var file in files)
        {
            var share = await alice.Client.PostJsonAsync("api/v1/shares", new { path = "/" + file, shareWith = bob.Address, permissions = new[] { "read" } }, 201);
            shares.Add(share.GetProperty("id").GetInt64());
        }

        foreach (var id in shares)
        {
            await OcmTestServerExtensions.EventuallyAsync(
                () => alice.Client.GetJsonAsync($"api/v1/shares/{id}"),
                s => s.GetProperty("state").GetString() == "delivered",
                $"share {id} delivered despite the limit",
                seconds: 30);
        }

        var received = (await bob.Client.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order().ToList();
        Assert.Equal(files, received);
    }
}
