using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Shares;

/// <summary>Servers go down; shares still arrive, exactly once.</summary>
public sealed class ShareDeliveryFaultTests
{
    private static Dictionary<string, string?> Settings(string? urls = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            ["Ocm:Delivery:MaxRetrySeconds"] = "0.5",
            ["Ocm:Delivery:CircuitBreakSeconds"] = "0.5",
            ["Ocm:Delivery:RequestTimeoutSeconds"] = "2",
            ["Ocm:Federation:DiscoveryTimeoutSeconds"] = "2",
            ["Ocm:Federation:DiscoveryNegativeCacheSeconds"] = "0",
        };
        if (urls is not null)
        {
            settings["Ocm:Urls"] = urls;
        }

        return settings;
    }

    [Fact]
    public async Task ReceiverDownWhenShared_ShareArrivesOnceItIsBack_ExactlyOnce()
    {
        var port = OcmProcess.FreePort("127.0.0.23");
        var bUrls = $"http://127.0.0.23:{port}";
        var b = await OcmTestServer.StartAsync("127.0.0.23", Settings(bUrls));
        using var bob = await b.CreateUserAsync("bob");
        var bDataDir = b.DataDir;
        await b.StopAsync();

        await using var a = await OcmTestServer.StartAsync("127.0.0.22", Settings());
        using var alice = await a.CreateUserAsync("alice");
        await alice.PutFileAsync("alice", "notes.txt", "hello");

        var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/notes.txt", shareWith = $"bob@127.0.0.23:{port}" }, 201);
        Assert.Equal("pending-delivery", share.GetProperty("state").GetString());
        await Task.Delay(1500); // several failed attempts while B is down

        await using var bAgain = await OcmTestServer.StartAsync("127.0.0.23", Settings(bUrls), dataDir: bDataDir);
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => bob.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() > 0, "the share to arrive once B is back", seconds: 30);
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString() == "delivered", "delivered on A");
        await Task.Delay(1000);

        Assert.Equal(1, (await bob.GetJsonAsync("api/v1/received-shares")).GetArrayLength());
        Assert.Equal("notes.txt", received[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task SenderDown_RecipientsOwnFilesUnaffected()
    {
        var a = await OcmTestServer.StartAsync("127.0.0.24", Settings());
        await using var b = await OcmTestServer.StartAsync("127.0.0.25", Settings());
        using var alice = await a.CreateUserAsync("alice");
        using var bob = await b.CreateUserAsync("bob");
        await alice.PutFileAsync("alice", "a.txt", "from alice");
        await bob.PutFileAsync("bob", "mine.txt", "bob's own");
        await alice.PostJsonAsync("api/v1/shares", new { path = "/a.txt", shareWith = "bob@" + b.Authority }, 201);
        var id = (await OcmTestServerExtensions.EventuallyAsync(
            () => bob.GetJsonAsync("api/v1/received-shares"), l => l.GetArrayLength() == 1, "the share"))[0].GetProperty("id").GetInt64();
        await bob.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);

        await a.DisposeAsync();

        var started = DateTime.UtcNow;
        Assert.Equal("bob's own", await bob.GetStringAsync("dav/files/bob/mine.txt"));
        Assert.Equal(1, (await bob.GetJsonAsync("api/v1/received-shares")).GetArrayLength());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
    }
}
