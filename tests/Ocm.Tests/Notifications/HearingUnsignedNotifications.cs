using System.Text.Json;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;
using Ocm.Tests.Tokens;

namespace Ocm.Tests.Notifications;

/// <summary>
/// alice on our server shares with bob on other servers, whose servers then answer with <c>SHARE_ACCEPTED</c>
/// (OCM §Share Acceptance Notification: receivers SHOULD decline unsigned notifications, R84). An unsigned notification is
/// heard only from a server that cannot sign (its discovery publishes no key: Nextcloud before 30, ownCloud 10) and
/// only with the share's secret; a server that can sign must; and <c>Ocm:Security:AcceptUnsignedNotifications</c> off
/// hears signed ones only. Every refusal is a 401 that says what is wrong.
/// </summary>
public sealed class HearingUnsignedNotifications(HearingUnsignedNotifications.Servers servers) : IClassFixture<HearingUnsignedNotifications.Servers>
{
    public sealed class Servers : IAsyncLifetime
    {
        internal OcmTestServer A { get; private set; } = null!;

        internal HttpClient Alice { get; private set; } = null!;

        /// <summary>Our server with unsigned notifications turned off.</summary>
        internal OcmTestServer Strict { get; private set; } = null!;

        internal HttpClient StrictAlice { get; private set; } = null!;

        /// <summary>A Nextcloud-before-30-shaped server: legacy discovery, no key anywhere.</summary>
        internal ReceivingPeer Legacy { get; private set; } = null!;

        /// <summary>A 1.4 server signing with a key in its JWK Set.</summary>
        internal ReceivingPeer Signing { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Legacy = await ReceivingPeer.StartAsync("127.0.16.41", signs: false, discovery: d =>
            {
                d["apiVersion"] = "1.0-proposal1";
                d["capabilities"] = new System.Text.Json.Nodes.JsonArray("notifications", "shares");
            });
            Signing = await ReceivingPeer.StartAsync("127.0.16.42");
            var fast = new Dictionary<string, string?>
            {
                ["Ocm:Delivery:PollSeconds"] = "0.1",
                ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            };
            A = await OcmTestServer.StartAsync("127.0.16.40", fast);
            Strict = await OcmTestServer.StartAsync("127.0.16.43", new Dictionary<string, string?>(fast) { ["Ocm:Security:AcceptUnsignedNotifications"] = "false" });
            Alice = await A.CreateUserAsync("alice");
            StrictAlice = await Strict.CreateUserAsync("alice");
            foreach (var name in new[] { "legacy.txt", "nosecret.txt", "signing.txt" })
            {
                await Alice.PutFileAsync("alice", name, name);
            }

            await StrictAlice.PutFileAsync("alice", "off.txt", "off");
        }

        public async Task DisposeAsync()
        {
            Alice.Dispose();
            StrictAlice.Dispose();
            await A.DisposeAsync();
            await Strict.DisposeAsync();
            await Legacy.DisposeAsync();
            await Signing.DisposeAsync();
        }
    }

    /// <summary>alice on <paramref name="server"/> shares <paramref name="name"/> with bob on <paramref name="peer"/>: the share id, its providerId and its secret.</summary>
    private static async Task<(long Id, string ProviderId, string Secret)> ShareAsync(OcmTestServer server, HttpClient alice, ReceivingPeer peer, string name)
    {
        var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/" + name, shareWith = "bob@" + peer.Authority, permissions = new[] { "read" } }, 201);
        var payload = await peer.ShareAsync(name);
        var protocol = payload.GetProperty("protocol");
        var secret = protocol.TryGetProperty("webdav", out var webdav)
            ? webdav.GetProperty("sharedSecret").GetString()!
            : protocol.GetProperty("options").GetProperty("sharedSecret").GetString()!;
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString() == "delivered",
            $"{name} to be delivered to {peer.Authority} from {server.Authority}");
        return (share.GetProperty("id").GetInt64(), payload.GetProperty("providerId").GetString()!, secret);
    }

    private static async Task<string> StateAsync(HttpClient alice, long id) =>
        (await alice.GetJsonAsync($"api/v1/shares/{id}")).GetProperty("state").GetString()!;

    private static string MessageOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("message").GetString()!;

    [Fact]
    public async Task R84_UnsignedFromAServerThatCannotSign_WithTheSharesSecret_IsHeard()
    {
        var (id, providerId, secret) = await ShareAsync(servers.A, servers.Alice, servers.Legacy, "legacy.txt");

        var (status, body) = await SigningPeer.SendAsync(ReceivingPeer.Notification(servers.A, "SHARE_ACCEPTED", providerId, secret));

        Assert.True(status == 201, $"{status}: {body}");
        Assert.Equal("accepted", await StateAsync(servers.Alice, id));
    }

    [Fact]
    public async Task R84_UnsignedWithoutTheSecret_IsRefused_WithTheReason()
    {
        var (id, providerId, _) = await ShareAsync(servers.A, servers.Alice, servers.Legacy, "nosecret.txt");

        var (status, body) = await SigningPeer.SendAsync(ReceivingPeer.Notification(servers.A, "SHARE_ACCEPTED", providerId, sharedSecret: null));

        Assert.Equal(401, status);
        Assert.Contains("notification.sharedSecret", MessageOf(body), StringComparison.Ordinal);
        Assert.Contains("signature", MessageOf(body), StringComparison.Ordinal);
        Assert.Equal("delivered", await StateAsync(servers.Alice, id));
    }

    [Fact]
    public async Task R84_UnsignedFromAServerThatCanSign_IsRefused_EvenWithTheSecret_SignedIsHeard()
    {
        var peer = servers.Signing;
        var (id, providerId, secret) = await ShareAsync(servers.A, servers.Alice, peer, "signing.txt");

        var (status, body) = await SigningPeer.SendAsync(ReceivingPeer.Notification(servers.A, "SHARE_DECLINED", providerId, secret));
        Assert.Equal(401, status);
        Assert.Contains($"{peer.Authority} publishes signing keys", MessageOf(body), StringComparison.Ordinal);
        Assert.Equal("delivered", await StateAsync(servers.Alice, id));

        var (signedStatus, signedBody) = await SigningPeer.SendAsync(peer.Sign(ReceivingPeer.Notification(servers.A, "SHARE_ACCEPTED", providerId, sharedSecret: null)));
        Assert.True(signedStatus == 201, $"{signedStatus}: {signedBody}");
        Assert.Equal("accepted", await StateAsync(servers.Alice, id));
    }

    [Fact]
    public async Task R84_TurnedOff_EvenAServerThatCannotSign_MustSign()
    {
        var (id, providerId, secret) = await ShareAsync(servers.Strict, servers.StrictAlice, servers.Legacy, "off.txt");

        var (status, body) = await SigningPeer.SendAsync(ReceivingPeer.Notification(servers.Strict, "SHARE_ACCEPTED", providerId, secret));

        Assert.Equal(401, status);
        Assert.Contains("Ocm:Security:AcceptUnsignedNotifications", MessageOf(body), StringComparison.Ordinal);
        Assert.Equal("delivered", await StateAsync(servers.StrictAlice, id));
    }
}
