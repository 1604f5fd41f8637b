using System.Net.Http.Json;
using System.Text.Json;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Tokens;

namespace Ocm.Tests.Shares;

/// <summary>
/// OCM §Resharing with a Nextcloud-shaped recipient server (127.0.31.30, OCM 1.0-proposal1, no signing keys) and a third
/// server (127.0.31.31): alice@A (127.0.31.32) shares a file with bob there with the <c>share</c> permission, and that
/// server asks A to share it with carol the way Nextcloud does (REQUEST_RESHARE with <c>sharedSecret</c>,
/// <c>shareWith</c>, <c>senderId</c> — its own share id, a number — <c>shareType</c> and a <c>message</c>, unsigned, no
/// permissions). A answers 201 with the new share's <c>providerId</c> (never its secret) and shares read-only with
/// carol, owner alice, sender bob; a REQUEST_RESHARE for more than bob's share allows is refused with the reason.
/// </summary>
public sealed class ResharingFromANextcloudPeer
{
    [Fact]
    public async Task NextcloudShapedRequestReshare_IsHonoured_AndAnsweredWithTheNewShareId()
    {
        await using var nextcloud = await ReceivingPeer.StartAsync("127.0.31.30", signs: false, discovery: d =>
        {
            d["apiVersion"] = "1.0-proposal1";
            d["provider"] = "Nextcloud";
            d["capabilities"] = new System.Text.Json.Nodes.JsonArray("notifications", "shares");
        });
        await using var third = await ReceivingPeer.StartAsync("127.0.31.31");
        await using var a = await OcmTestServer.StartAsync("127.0.31.32", new Dictionary<string, string?>
        {
            ["Ocm:Users:CreateAdminOnFirstStart"] = "false",
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        });
        using var alice = await a.CreateUserAsync("alice");
        await alice.PutFileAsync("alice", "report.md", "the figures alice owns");
        var toBob = await alice.PostJsonAsync("api/v1/shares", new { path = "/report.md", shareWith = "bob@" + nextcloud.Authority, permissions = new[] { "read", "share" } }, 201);
        var payload = await nextcloud.ShareAsync("report.md");
        var protocol = payload.GetProperty("protocol");
        var secret = protocol.TryGetProperty("webdav", out var webdav)
            ? webdav.GetProperty("sharedSecret").GetString()!
            : protocol.GetProperty("options").GetProperty("sharedSecret").GetString()!;
        var providerId = payload.GetProperty("providerId").GetString()!;
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.GetJsonAsync($"api/v1/shares/{toBob.GetProperty("id").GetInt64()}"), s => s.GetProperty("state").GetString() == "delivered", "delivery to the Nextcloud peer");

        using var http = new HttpClient { BaseAddress = a.BaseUri };
        Assert.Equal(201, (int)(await http.PostAsJsonAsync("ocm/notifications", new
        {
            notificationType = "SHARE_ACCEPTED",
            resourceType = "file",
            providerId,
            notification = new { sharedSecret = secret, message = "Recipient accepted the share" },
        })).StatusCode);

        var carol = "carol@" + third.Authority;
        using var asked = await http.PostAsJsonAsync("ocm/notifications", new
        {
            notificationType = "REQUEST_RESHARE",
            resourceType = "file",
            providerId,
            notification = new { sharedSecret = secret, shareWith = carol, senderId = 17, shareType = 0, message = "Ask owner to reshare the file" },
        });
        var answer = await asked.Content.ReadAsStringAsync();
        Assert.True((int)asked.StatusCode == 201, $"{(int)asked.StatusCode}: {answer}");
        var newShareId = JsonDocument.Parse(answer).RootElement.GetProperty("providerId").GetString();
        Assert.False(string.IsNullOrEmpty(newShareId));
        Assert.DoesNotContain("token", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sharedSecret", answer, StringComparison.OrdinalIgnoreCase);

        // A made the share (read only: nothing more was asked for), owner alice, sender bob; carol's server gets it.
        var reshare = (await alice.GetJsonAsync("api/v1/shares")).EnumerateArray().Single(s => s.GetProperty("shareWith").GetString() == carol);
        Assert.Equal("bob@" + nextcloud.Authority, reshare.GetProperty("resharedBy").GetString());
        Assert.Equal(["read"], reshare.GetProperty("permissions").EnumerateArray().Select(p => p.GetString() ?? ""));
        var atCarol = await third.ShareAsync("report.md");
        Assert.Equal(newShareId, atCarol.GetProperty("providerId").GetString());
        Assert.Equal("alice@" + a.Authority, atCarol.GetProperty("owner").GetString());
        Assert.Equal("bob@" + nextcloud.Authority, atCarol.GetProperty("sender").GetString());

        // Asking again (Nextcloud retries from a background job) answers the same share, not a second one.
        using (var again = await http.PostAsJsonAsync("ocm/notifications", new
        {
            notificationType = "REQUEST_RESHARE",
            resourceType = "file",
            providerId,
            notification = new { sharedSecret = secret, shareWith = carol, senderId = 17, shareType = 0, message = "Ask owner to reshare the file" },
        }))
        {
            Assert.Equal(201, (int)again.StatusCode);
            Assert.Equal(newShareId, JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("providerId").GetString());
        }

        // The ownCloud/Nextcloud permission mask asking for write (1 read + 2 update) is more than bob has: refused, saying so.
        using var more = await http.PostAsJsonAsync("ocm/notifications", new
        {
            notificationType = "REQUEST_RESHARE",
            resourceType = "file",
            providerId,
            notification = new { sharedSecret = secret, shareWith = "dave@" + third.Authority, senderId = 18, shareType = 0, permission = 3 },
        });
        Assert.Equal(403, (int)more.StatusCode);
        Assert.Contains("more than share", JsonDocument.Parse(await more.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
