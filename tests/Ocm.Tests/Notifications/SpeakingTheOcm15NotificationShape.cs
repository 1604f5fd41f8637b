using System.Text.Json;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;
using Ocm.Tests.Tokens;

namespace Ocm.Tests.Notifications;

/// <summary>
/// The OCM 1.5 notification shape [1.5?]: a peer whose discovery says 1.5 gets our notifications with a top-level
/// <c>senderDomain</c>, a 1.4 peer exactly as before; a received <c>senderDomain</c> must name the server that signed
/// (else 403 with the reason), and the 1.5 <c>notification.file.providerId</c> is understood.
/// </summary>
public sealed class SpeakingTheOcm15NotificationShape
{
    private static Dictionary<string, string?> Fast() => new()
    {
        ["Ocm:Delivery:PollSeconds"] = "0.1",
        ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
    };

    [Fact]
    public async Task A15Peer_GetsSenderDomain_A14PeerDoesNot()
    {
        await using var peer15 = await ReceivingPeer.StartAsync("127.0.31.11", discovery: d => d["apiVersion"] = "1.5.0");
        await using var peer14 = await ReceivingPeer.StartAsync("127.0.31.12");
        await using var a = await OcmTestServer.StartAsync("127.0.31.10", Fast());
        var alice = await a.CreateUserAsync("alice");
        await alice.PutFileAsync("alice", "f.txt", "x");

        foreach (var peer in new[] { peer15, peer14 })
        {
            var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/f.txt", shareWith = "bob@" + peer.Authority }, 201);
            await peer.ShareAsync("f.txt");
            using var revoked = await alice.DeleteAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}");
        }

        JsonElement Unshared(ReceivingPeer peer) => JsonDocument.Parse(peer.Received.First(r => r.Path == "/ocm/notifications").Body).RootElement;
        await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(peer15.Received.Any(r => r.Path == "/ocm/notifications") && peer14.Received.Any(r => r.Path == "/ocm/notifications")),
            arrived => arrived, "SHARE_UNSHARED at both peers");
        Assert.Equal(a.Authority, Unshared(peer15).GetProperty("senderDomain").GetString());
        Assert.Equal("SHARE_UNSHARED", Unshared(peer15).GetProperty("notificationType").GetString());
        Assert.False(Unshared(peer14).TryGetProperty("senderDomain", out _));
    }

    [Fact]
    public async Task SenderDomain_MustNameTheSigner_And15FileProviderIdIsUnderstood()
    {
        await using var peer = await ReceivingPeer.StartAsync("127.0.31.13", discovery: d => d["apiVersion"] = "1.5.0");
        await using var a = await OcmTestServer.StartAsync("127.0.31.14", Fast());
        var alice = await a.CreateUserAsync("alice");
        await alice.PutFileAsync("alice", "g.txt", "x");
        var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/g.txt", shareWith = "bob@" + peer.Authority }, 201);
        var providerId = (await peer.ShareAsync("g.txt")).GetProperty("providerId").GetString()!;

        HttpMessage Accepted(string senderDomain)
        {
            var message = HttpMessage.CreateRequest("POST", new Uri(a.BaseUri, "ocm/notifications"));
            message.Headers.Add("Content-Type", "application/json");
            message.Body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                notificationType = "SHARE_ACCEPTED",
                senderDomain,
                resourceType = "file",
                shareType = "user",
                notification = new { message = "accepted", file = new { providerId } },
            });
            return peer.Sign(message);
        }

        var (status, body) = await SigningPeer.SendAsync(Accepted("elsewhere.example.org"));
        Assert.Equal(403, status);
        Assert.Contains("does not match the server that signed", body, StringComparison.Ordinal);

        var (ok, okBody) = await SigningPeer.SendAsync(Accepted(peer.Authority));
        Assert.True(ok == 201, $"{ok}: {okBody}");
        Assert.Equal("accepted", (await alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}")).GetProperty("state").GetString());
    }
}
