using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;

namespace Ocm.Tests.Trust;

/// <summary>
/// Allow- and denylists in the invite flow, on two real servers (127.0.0.52, 127.0.0.53): the inviting server refuses
/// an acceptance from a server not on its allowlist (403, shown to the invitee as "does not trust this server"), and
/// the invitee's server refuses to contact a denied inviter at all. Both lists show in discovery criteria.
/// </summary>
public sealed class RefusingUntrustedServers
{
    private const string AddressA = "127.0.0.52";
    private const string AddressB = "127.0.0.53";

    [Fact]
    public async Task AcceptanceFromAServerNotOnTheAllowlist_IsRefusedWith403()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Trust:Allowlist:0", "partner.example")));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        var invite = await alice.CreateInviteAsync();

        var (status, problem) = await bob.AcceptInviteStringAsync(invite.GetProperty("inviteString").GetString()!);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Not trusted", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("does not trust this server", detail, StringComparison.Ordinal);
        Assert.Contains("not on this server's allowlist", detail, StringComparison.Ordinal); // A's own reason, passed on
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
        Assert.Empty(await alice.ContactsAsync());
        Assert.Empty(await bob.ContactsAsync());

        var criteria = await CriteriaAsync(a);
        Assert.Contains("allowlist", criteria);
    }

    [Fact]
    public async Task AllowlistedServer_CanAccept()
    {
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Trust:Allowlist:0", AddressB)));
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        var (status, body) = await bob.AcceptInviteStringAsync((await alice.CreateInviteAsync()).GetProperty("inviteString").GetString()!);

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Single(await alice.ContactsAsync());
    }

    [Fact]
    public async Task InviteFromADeniedServer_IsNotEvenSent()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(("Ocm:Trust:Denylist:0", AddressA), ("Ocm:Trust:MustInvite", "true")));
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");

        var (status, problem) = await bob.AcceptInviteStringAsync((await alice.CreateInviteAsync()).GetProperty("inviteString").GetString()!);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("does not federate with", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
        var criteria = await CriteriaAsync(b);
        Assert.Contains("denylist", criteria);
        Assert.Contains("must-invite", criteria);
    }

    private static async Task<List<string?>> CriteriaAsync(OcmTestServer server)
    {
        var document = await server.Client.GetFromJsonAsync<JsonElement>(".well-known/ocm");
        return document.GetProperty("criteria").EnumerateArray().Select(c => c.GetString()).ToList();
    }
}
