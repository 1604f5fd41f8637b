using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Notifications;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Users;

namespace Ocm.Tests.Shares;

/// <summary>
/// OCM §Resharing on three real servers (127.0.31.1-3): alice@A shares a file with bob@B with the <c>share</c>
/// permission; bob shares it further with carol@C through the ordinary share API, which never shares it from B (R85)
/// but asks A with a signed REQUEST_RESHARE; A makes the share (owner alice, sender bob), carol accepts and reads the
/// bytes; alice sees it "reshared by bob" among her shares and revokes it, and carol can read no more. Also: without the
/// permission B refuses with the reason and A refuses a REQUEST_RESHARE that reaches it anyway; RESHARE_UNDO removes the
/// reshare at A.
/// </summary>
public sealed class ResharingThroughTheOwnersServer
{
    private const string AddressA = "127.0.31.1";
    private const string AddressB = "127.0.31.2";
    private const string AddressC = "127.0.31.3";
    private const string Report = "the figures alice owns";

    private static Dictionary<string, string?> Settings() => FederatedUsers.Settings(
        ("Ocm:Delivery:PollSeconds", "0.1"),
        ("Ocm:Delivery:InitialRetrySeconds", "0.2"),
        ("Ocm:Delivery:MaxRetrySeconds", "1"));

    [Fact]
    public async Task AliceToBobToCarol_CarolReads_AliceRevokes()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        await using var c = await OcmTestServer.StartAsync(AddressC, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await c.AddUserAsync("carol");
        await alice.Client.PutFileAsync("alice", "report.md", Report);

        await ShareAndAcceptAsync(alice, bob, ["read", "share"]);

        // Bob shares it on like anything else; B asks A instead of sharing it itself.
        var asked = await bob.Client.PostJsonAsync("api/v1/shares", new { path = "/Shared with me/report.md", shareWith = carol.Address, permissions = new[] { "read" } }, 202);
        Assert.True(asked.GetProperty("reshareRequest").GetBoolean());
        Assert.Equal("reshare-requested", asked.GetProperty("state").GetString());
        var created = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), list => list.GetArrayLength() == 1 && list[0].GetProperty("state").GetString() == "created", "A to make the reshare");
        Assert.Equal(carol.Address, created[0].GetProperty("shareWith").GetString());
        Assert.Equal(alice.Address, created[0].GetProperty("owner").GetString());
        Assert.Equal(0, (await bob.Client.GetJsonAsync("api/v1/shares")).GetArrayLength());

        // Alice sees it among her shares, reshared by bob.
        var reshare = (await alice.Client.GetJsonAsync("api/v1/shares")).EnumerateArray().Single(s => s.GetProperty("shareWith").GetString() == carol.Address);
        Assert.Equal(bob.Address, reshare.GetProperty("resharedBy").GetString());
        Assert.Equal("/report.md", reshare.GetProperty("path").GetString());
        Assert.Equal(["read"], reshare.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        var delivered = await OcmTestServerExtensions.EventuallyAsync(
            () => alice.Client.GetJsonAsync($"api/v1/shares/{reshare.GetProperty("id").GetInt64()}"), s => s.GetProperty("state").GetString() != "pending-delivery", "A to deliver the reshare");
        Assert.True(delivered.GetProperty("state").GetString() == "delivered", delivered.GetProperty("state").GetString());

        // Carol gets it from A (owner alice, sender bob), accepts and reads alice's bytes.
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => carol.Client.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the reshare to reach C");
        Assert.Equal(alice.Address, received[0].GetProperty("owner").GetString());
        Assert.Equal(bob.Address, received[0].GetProperty("sender").GetString());
        Assert.Equal(a.Authority, received[0].GetProperty("senderServer").GetString());
        await carol.Client.PostJsonAsync($"api/v1/received-shares/{received[0].GetProperty("id").GetInt64()}/accept", new { }, 200);
        Assert.Equal(Report, await carol.Client.GetStringAsync("dav/files/carol/Shared%20with%20me/report.md"));

        // Alice revokes it: carol can read no more.
        using (var revoked = await alice.Client.DeleteAsync($"api/v1/shares/{reshare.GetProperty("id").GetInt64()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await OcmTestServerExtensions.EventuallyAsync(
            async () =>
            {
                using var response = await carol.Client.GetAsync("dav/files/carol/Shared%20with%20me/report.md");
                return response.StatusCode;
            },
            status => status is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized,
            "carol to lose access");

        // Bob's own share is untouched.
        Assert.Equal(Report, await bob.Client.GetStringAsync("dav/files/bob/Shared%20with%20me/report.md"));
    }

    [Fact]
    public async Task WithoutTheSharePermission_BRefusesWithTheReason_AndARefusesAForgedRequest()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        await using var c = await OcmTestServer.StartAsync(AddressC, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await c.AddUserAsync("carol");
        await alice.Client.PutFileAsync("alice", "report.md", Report);
        await ShareAndAcceptAsync(alice, bob, ["read", "write"]);

        // B refuses at once, saying why; nothing is sent.
        var problem = await bob.Client.PostJsonAsync("api/v1/shares", new { path = "/Shared with me/report.md", shareWith = carol.Address }, 403);
        Assert.Equal("Not allowed to share further", problem.GetProperty("title").GetString());
        Assert.Contains("without the permission to share it further", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await bob.Client.GetJsonAsync("api/v1/reshares")).GetArrayLength());

        // A server that asks anyway (here B, made to skip its own check) gets A's refusal, which bob sees with the reason.
        await using (var scope = b.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var share = await db.Set<ReceivedShare>().SingleAsync();
            var user = await db.Set<User>().SingleAsync(u => u.Name == "bob");
            var now = DateTimeOffset.UtcNow;
            var forged = new Reshare { UserId = user.Id, ReceivedShareId = share.Id, ShareWith = carol.Address, Permissions = SharePermissions.Read, State = ReshareState.Requested, Created = now, Updated = now };
            db.Add(forged);
            await db.SaveChangesAsync();
            scope.ServiceProvider.GetRequiredService<Notifier>().RequestReshare(share, forged, "bob");
            await db.SaveChangesAsync();
        }

        var refused = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), list => list.GetArrayLength() == 1 && list[0].GetProperty("state").GetString() == "refused", "A to refuse the request");
        Assert.Contains("403", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("lacks the 'share' permission", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain((await alice.Client.GetJsonAsync("api/v1/shares")).EnumerateArray(), s => s.GetProperty("shareWith").GetString() == carol.Address);
        Assert.Equal(0, (await carol.Client.GetJsonAsync("api/v1/received-shares")).GetArrayLength());
    }

    [Fact]
    public async Task MoreThanBobHas_IsRefused_AndResharUndoRemovesTheReshare()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        await using var c = await OcmTestServer.StartAsync(AddressC, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await c.AddUserAsync("carol");
        await alice.Client.PutFileAsync("alice", "report.md", Report);
        await ShareAndAcceptAsync(alice, bob, ["read", "share"]);

        var more = await bob.Client.PostJsonAsync("api/v1/shares", new { path = "/Shared with me/report.md", shareWith = carol.Address, permissions = new[] { "write" } }, 403);
        Assert.Contains("not write", more.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await bob.Client.PostJsonAsync("api/v1/shares", new { path = "/Shared with me/report.md", shareWith = carol.Address }, 202);
        var list = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), l => l.GetArrayLength() == 1 && l[0].GetProperty("state").GetString() == "created", "A to make the reshare");
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => carol.Client.GetJsonAsync("api/v1/received-shares"), l => l.GetArrayLength() == 1, "the reshare to reach C");

        // Bob takes it back: A removes the share and tells C.
        using (var undo = await bob.Client.DeleteAsync($"api/v1/reshares/{list[0].GetProperty("id").GetInt64()}"))
        {
            Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
            Assert.Equal("undone", JsonDocument.Parse(await undo.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString());
        }

        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.Client.GetJsonAsync("api/v1/shares"), l => l.EnumerateArray().All(s => s.GetProperty("shareWith").GetString() != carol.Address), "A to remove the reshare");
        await OcmTestServerExtensions.EventuallyAsync(
            () => carol.Client.GetJsonAsync($"api/v1/received-shares/{received[0].GetProperty("id").GetInt64()}"), s => s.GetProperty("state").GetString() == "unshared", "C to hear of it");
        Assert.Single((await alice.Client.GetJsonAsync("api/v1/shares")).EnumerateArray());
    }

    [Fact]
    public async Task BobChangesHisReshare_NeverBeyondWhatHeHolds()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, Settings());
        await using var c = await OcmTestServer.StartAsync(AddressC, Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await c.AddUserAsync("carol");
        await alice.Client.PutFileAsync("alice", "report.md", Report);
        await ShareAndAcceptAsync(alice, bob, ["read", "write", "share"]);

        await bob.Client.PostJsonAsync("api/v1/shares", new { path = "/Shared with me/report.md", shareWith = carol.Address, permissions = new[] { "read" } }, 202);
        var list = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), l => l.GetArrayLength() == 1 && l[0].GetProperty("state").GetString() == "created", "A to make the reshare");
        var reshareId = list[0].GetProperty("id").GetInt64();
        var toCarol = await OcmTestServerExtensions.EventuallyAsync(
            () => carol.Client.GetJsonAsync("api/v1/received-shares"), l => l.GetArrayLength() == 1, "the reshare to reach C");
        var carolShare = $"api/v1/received-shares/{toCarol[0].GetProperty("id").GetInt64()}";
        await carol.Client.PostJsonAsync($"{carolShare}/accept", new { }, 200);

        // Bob lets carol edit (RESHARE_CHANGE_PERMISSION to A); A changes its share to carol and tells C: carol can write.
        await bob.Client.PatchJsonAsync($"api/v1/reshares/{reshareId}", new { permissions = new[] { "read", "write" } }, 202);
        await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), l => Names(l[0]).SequenceEqual(["read", "write"]), "A to grant the change");
        Assert.Equal(["read", "write"], Names(ResharedToCarol(await alice.Client.GetJsonAsync("api/v1/shares"), carol)));
        await OcmTestServerExtensions.EventuallyAsync(() => carol.Client.GetJsonAsync(carolShare), s => Names(s).Contains("write"), "C to hear of the change");
        using (var written = await carol.Client.PutAsync("dav/files/carol/Shared%20with%20me/report.md", new StringContent("carol's edit")))
        {
            Assert.True(written.IsSuccessStatusCode, $"carol's write: {(int)written.StatusCode}");
        }

        Assert.Equal("carol's edit", await alice.Client.GetStringAsync("dav/files/alice/report.md"));

        // Alice takes write away from bob: the reshare she made for him can give no more than he holds, so carol loses it too.
        var bobsShare = (await alice.Client.GetJsonAsync("api/v1/shares")).EnumerateArray().Single(s => s.GetProperty("shareWith").GetString() == bob.Address);
        await alice.Client.PatchJsonAsync($"api/v1/shares/{bobsShare.GetProperty("id").GetInt64()}", new { permissions = new[] { "read", "share" } }, 200);
        Assert.Equal(["read"], Names(ResharedToCarol(await alice.Client.GetJsonAsync("api/v1/shares"), carol)));
        await OcmTestServerExtensions.EventuallyAsync(() => carol.Client.GetJsonAsync(carolShare), s => !Names(s).Contains("write"), "C to hear write is gone");

        // B refuses at once to ask for more than bob now holds, saying why…
        await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/received-shares"), l => !Names(l[0]).Contains("write"), "B to hear write is gone");
        Assert.Equal(["read"], Names((await bob.Client.GetJsonAsync("api/v1/reshares"))[0]));
        var more = await bob.Client.PatchJsonAsync($"api/v1/reshares/{reshareId}", new { permissions = new[] { "read", "write" } }, 403);
        Assert.Contains("not write", more.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // …and A refuses a change that reaches it anyway (B made to skip its check): bob sees why, carol keeps read only.
        await using (var scope = b.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var share = await db.Set<ReceivedShare>().SingleAsync();
            var reshare = await db.Set<Reshare>().SingleAsync();
            scope.ServiceProvider.GetRequiredService<Notifier>().ReshareChangePermission(share, reshare, SharePermissions.Read | SharePermissions.Write, "bob");
            await db.SaveChangesAsync();
        }

        var refused = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/reshares"), l => l[0].TryGetProperty("reason", out var r) && r.GetString() is not null, "A to refuse the change");
        Assert.Contains("more than share", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["read"], Names(refused[0]));
        Assert.Equal(["read"], Names(ResharedToCarol(await alice.Client.GetJsonAsync("api/v1/shares"), carol)));
    }

    private static string[] Names(JsonElement share) => [.. share.GetProperty("permissions").EnumerateArray().Select(p => p.GetString() ?? "")];

    private static JsonElement ResharedToCarol(JsonElement shares, TestUser carol) =>
        shares.EnumerateArray().Single(s => s.GetProperty("shareWith").GetString() == carol.Address);

    /// <summary>Alice shares report.md with bob with <paramref name="permissions"/>; bob accepts and can read it.</summary>
    private static async Task ShareAndAcceptAsync(TestUser alice, TestUser bob, string[] permissions)
    {
        await alice.Client.PostJsonAsync("api/v1/shares", new { path = "/report.md", shareWith = bob.Address, permissions }, 201);
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.Client.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the share to reach B");
        await bob.Client.PostJsonAsync($"api/v1/received-shares/{received[0].GetProperty("id").GetInt64()}/accept", new { }, 200);
        Assert.Equal(Report, await bob.Client.GetStringAsync("dav/files/bob/Shared%20with%20me/report.md"));

        // A must know bob accepted before it reshares (it refuses for a share not in force).
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.Client.GetJsonAsync("api/v1/shares"), list => list[0].GetProperty("state").GetString() == "accepted", "A to hear bob accepted");
    }
}
