using System.Text.Json;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;

namespace Ocm.Tests.Trust;

/// <summary>
/// The trust policy, through real <c>POST /ocm/shares</c> between two servers (A 127.0.4.40, B 127.0.4.41): with
/// <c>must-invite</c> on B a share from a stranger is refused (and alice sees why), and once bob accepted alice's
/// invite her share arrives; with <c>must-invite</c> off, a stranger's share is quarantined and a contact's is not.
/// </summary>
public sealed class SharesUnderTheTrustPolicy
{
    private static async Task<(OcmTestServer A, OcmTestServer B, TestUser Alice, TestUser Bob)> StartAsync(bool mustInvite)
    {
        var fast = new[] { ("Ocm:Delivery:PollSeconds", (string?)"0.1"), ("Ocm:Delivery:InitialRetrySeconds", "0.2"), ("Ocm:Delivery:MaxRetrySeconds", "1") };
        var a = await OcmTestServer.StartAsync("127.0.4.40", FederatedUsers.Settings(fast));
        var b = await OcmTestServer.StartAsync("127.0.4.41", FederatedUsers.Settings([.. fast, ("Ocm:Trust:MustInvite", mustInvite ? "true" : "false")]));
        var alice = await a.AddUserAsync("alice", "Alice Liddell");
        var bob = await b.AddUserAsync("bob", "Bob Builder");
        await alice.Client.PutFileAsync("alice", "first.txt", "1");
        await alice.Client.PutFileAsync("alice", "second.txt", "2");
        return (a, b, alice, bob);
    }

    private static Task<JsonElement> ShareAsync(TestUser alice, TestUser bob, string file) =>
        alice.Client.PostJsonAsync("api/v1/shares", new { path = "/" + file, shareWith = bob.Address, permissions = new[] { "read" } }, 201);

    private static Task<JsonElement> OwnerSeesAsync(TestUser alice, JsonElement share, Func<string, bool> state, string what) =>
        OcmTestServerExtensions.EventuallyAsync(
            () => alice.Client.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => state(s.GetProperty("state").GetString()!),
            what);

    [Fact]
    public async Task MustInvite_StrangersShareRefused_AfterTheInviteHerShareArrives()
    {
        var (a, b, alice, bob) = await StartAsync(mustInvite: true);
        await using (a)
        await using (b)
        using (alice)
        using (bob)
        {
            var refused = await OwnerSeesAsync(alice, await ShareAsync(alice, bob, "first.txt"), s => s.StartsWith("failed", StringComparison.Ordinal), "the refusal on A");
            Assert.Contains("invite", refused.ToString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, (await bob.Client.GetJsonAsync("api/v1/received-shares")).GetArrayLength());

            var invite = await alice.CreateInviteAsync();
            var (status, contact) = await bob.AcceptInviteStringAsync(invite.GetProperty("inviteString").GetString()!);
            Assert.True(status == System.Net.HttpStatusCode.OK, contact.ToString());

            await OwnerSeesAsync(alice, await ShareAsync(alice, bob, "second.txt"), s => s == "delivered", "the contact's share delivered");
            var received = Assert.Single((await bob.Client.GetJsonAsync("api/v1/received-shares")).EnumerateArray());
            Assert.Equal("second.txt", received.GetProperty("name").GetString());
            Assert.False(received.GetProperty("quarantined").GetBoolean());
        }
    }

    [Fact]
    public async Task Open_StrangersShareQuarantined_ContactsShareNot()
    {
        var (a, b, alice, bob) = await StartAsync(mustInvite: false);
        await using (a)
        await using (b)
        using (alice)
        using (bob)
        {
            await OwnerSeesAsync(alice, await ShareAsync(alice, bob, "first.txt"), s => s == "delivered", "the stranger's share delivered");
            var invite = await alice.CreateInviteAsync();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await bob.AcceptInviteStringAsync(invite.GetProperty("inviteString").GetString()!)).Status);
            await OwnerSeesAsync(alice, await ShareAsync(alice, bob, "second.txt"), s => s == "delivered", "the contact's share delivered");

            var received = (await bob.Client.GetJsonAsync("api/v1/received-shares")).EnumerateArray()
                .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("quarantined").GetBoolean());
            Assert.True(received["first.txt"]);
            Assert.False(received["second.txt"]);
        }
    }
}
