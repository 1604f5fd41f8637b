using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Tokens;
using Ocm.Users;

namespace Ocm.Tests.Shares;

/// <summary>
/// Whether a share we send carries <c>must-exchange-token</c> (OCM §Share Creation Notification, §Code Flow Decision
/// Tables 1 and 2): only for receivers that advertise <c>exchange-token</c> (R102); a receiver that demands it gets it;
/// one that demands it but only takes legacy shares gets no share at all (R60), nor does one without
/// <c>exchange-token</c> when our policy requires tokens — and alice is told why, at once. And what another server
/// shared with alice is not hers to share further (R85).
/// </summary>
public sealed class DecidingTheTokenRequirement(DecidingTheTokenRequirement.Servers servers) : IClassFixture<DecidingTheTokenRequirement.Servers>
{
    public sealed class Servers : IAsyncLifetime
    {
        internal OcmTestServer A { get; private set; } = null!;

        internal HttpClient Alice { get; private set; } = null!;

        /// <summary>Our server with <c>Ocm:Security:RequireTokenExchange</c>.</summary>
        internal OcmTestServer Tokens { get; private set; } = null!;

        internal HttpClient TokensAlice { get; private set; } = null!;

        /// <summary>1.4, no <c>exchange-token</c>.</summary>
        internal ReceivingPeer NoExchange { get; private set; } = null!;

        /// <summary>1.4 with <c>exchange-token</c>, no criteria (reva/CERNBox).</summary>
        internal ReceivingPeer Exchange { get; private set; } = null!;

        /// <summary>1.4 with the criterion <c>must-exchange-token</c> (oCIS configured strictly).</summary>
        internal ReceivingPeer Demands { get; private set; } = null!;

        /// <summary>Nextcloud-legacy discovery that nonetheless lists <c>must-exchange-token</c>.</summary>
        internal ReceivingPeer LegacyDemands { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            NoExchange = await ReceivingPeer.StartAsync("127.0.16.51", signs: false);
            Exchange = await ReceivingPeer.StartAsync("127.0.16.52");
            Demands = await ReceivingPeer.StartAsync("127.0.16.53", discovery: d => d["criteria"] = new JsonArray("must-exchange-token"));
            LegacyDemands = await ReceivingPeer.StartAsync("127.0.16.54", discovery: d =>
            {
                d["apiVersion"] = "1.0-proposal1";
                d["capabilities"] = new JsonArray("notifications", "shares", "exchange-token");
                d["criteria"] = new JsonArray("must-exchange-token");
            });
            var fast = new Dictionary<string, string?>
            {
                ["Ocm:Delivery:PollSeconds"] = "0.1",
                ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            };
            A = await OcmTestServer.StartAsync("127.0.16.50", fast);
            Tokens = await OcmTestServer.StartAsync("127.0.16.55", new Dictionary<string, string?>(fast) { ["Ocm:Security:RequireTokenExchange"] = "true" });
            Alice = await A.CreateUserAsync("alice");
            TokensAlice = await Tokens.CreateUserAsync("alice");
            await Alice.PutFileAsync("alice", "report.txt", "numbers");
            await TokensAlice.PutFileAsync("alice", "report.txt", "numbers");
            await TokensAlice.PutFileAsync("alice", "policy.txt", "numbers");
        }

        public async Task DisposeAsync()
        {
            Alice.Dispose();
            TokensAlice.Dispose();
            await A.DisposeAsync();
            await Tokens.DisposeAsync();
            await NoExchange.DisposeAsync();
            await Exchange.DisposeAsync();
            await Demands.DisposeAsync();
            await LegacyDemands.DisposeAsync();
        }
    }

    private static async Task<JsonElement> DeliveredAsync(HttpClient alice, ReceivingPeer peer, string name = "report.txt")
    {
        await alice.PostJsonAsync("api/v1/shares", new { path = "/" + name, shareWith = "bob@" + peer.Authority, permissions = new[] { "read" } }, 201);
        return await peer.ShareAsync(name);
    }

    private static IReadOnlyList<string> Requirements(JsonElement share) =>
        share.GetProperty("protocol").GetProperty("webdav").TryGetProperty("requirements", out var requirements)
            ? [.. requirements.EnumerateArray().Select(r => r.GetString()!)]
            : [];

    /// <summary>alice's attempt is refused with 422; returns the reason, after checking nothing was created or sent.</summary>
    private static async Task<string> RefusedAsync(HttpClient alice, ReceivingPeer peer)
    {
        var problem = await alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "carol@" + peer.Authority, permissions = new[] { "read" } }, 422);
        var shares = await alice.GetJsonAsync("api/v1/shares");
        Assert.DoesNotContain(shares.EnumerateArray(), s => s.GetProperty("shareWith").GetString() == "carol@" + peer.Authority);
        await Task.Delay(300); // a delivery would be on its way by now
        Assert.DoesNotContain(peer.Received, r => r.Path == "/ocm/shares");
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task R102_ByDefault_NoRequirementIsAdded_EvenForAReceiverThatCouldExchange()
    {
        var share = await DeliveredAsync(servers.Alice, servers.Exchange);
        Assert.DoesNotContain("must-exchange-token", Requirements(share));
    }

    [Fact]
    public async Task R59_AReceiverThatDemandsTheCodeFlow_GetsTheRequirement()
    {
        var share = await DeliveredAsync(servers.Alice, servers.Demands);
        Assert.Contains("must-exchange-token", Requirements(share));
    }

    [Fact]
    public async Task R102_OurPolicyRequiresTokens_AReceiverWithExchangeToken_GetsTheRequirement()
    {
        var share = await DeliveredAsync(servers.TokensAlice, servers.Exchange, "policy.txt");
        Assert.Contains("must-exchange-token", Requirements(share));
    }

    [Fact]
    public async Task R102_OurPolicyRequiresTokens_AReceiverWithoutExchangeToken_GetsNoShare_AndAliceIsToldWhy()
    {
        var reason = await RefusedAsync(servers.TokensAlice, servers.NoExchange);
        Assert.Contains("Ocm:Security:RequireTokenExchange", reason, StringComparison.Ordinal);
        Assert.Contains($"{servers.NoExchange.Authority} does not advertise exchange-token", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task R60_AReceiverThatDemandsTheCodeFlow_ButOnlyTakesLegacyShares_GetsNoShare()
    {
        var reason = await RefusedAsync(servers.Alice, servers.LegacyDemands);
        Assert.Contains($"{servers.LegacyDemands.Authority} requires token exchange", reason, StringComparison.Ordinal);
        Assert.Contains("cannot offer it the code flow", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task R85_AShareAliceReceived_CannotBeSharedFurther()
    {
        await using (var scope = servers.A.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var alice = await db.Set<User>().SingleAsync(u => u.Name == "alice");
            var now = DateTimeOffset.UtcNow;
            db.Add(new Ocm.Shares.ReceivedShare
            {
                RecipientUserId = alice.Id,
                SenderHost = servers.Exchange.Authority,
                ProviderId = "from-dave-1",
                Name = "daves.txt",
                ResourceType = "file",
                Owner = "dave@" + servers.Exchange.Authority,
                Sender = "dave@" + servers.Exchange.Authority,
                WebDavUri = "from-dave-1",
                ProtectedSecret = scope.ServiceProvider.GetRequiredService<Ocm.Shares.SecretProtector>().Protect("daves-secret"),
                Permissions = Ocm.Shares.SharePermissions.Read,
                State = Ocm.Shares.ReceivedShareState.Accepted,
                Created = now,
                Updated = now,
            });
            await db.SaveChangesAsync();
        }

        // Without the share permission: refused, with the reason.
        var problem = await servers.Alice.PostJsonAsync(
            "api/v1/shares", new { path = "/Shared with me/daves.txt", shareWith = "erin@" + servers.NoExchange.Authority, permissions = new[] { "read" } }, 403);
        Assert.Contains("Only its owner can share it with someone else", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // With it: the owner's server is asked (REQUEST_RESHARE, 202); this server still never shares it itself.
        await using (var scope = servers.A.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            await db.Set<Ocm.Shares.ReceivedShare>().Where(s => s.ProviderId == "from-dave-1")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Permissions, Ocm.Shares.SharePermissions.Read | Ocm.Shares.SharePermissions.Share));
        }

        var asked = await servers.Alice.PostJsonAsync(
            "api/v1/shares", new { path = "/Shared with me/daves.txt", shareWith = "erin@" + servers.NoExchange.Authority, permissions = new[] { "read" } }, 202);
        Assert.True(asked.GetProperty("reshareRequest").GetBoolean());
        Assert.DoesNotContain(servers.NoExchange.Received, r => r.Path == "/ocm/shares" && r.Body.Contains("daves.txt", StringComparison.Ordinal));
    }
}
