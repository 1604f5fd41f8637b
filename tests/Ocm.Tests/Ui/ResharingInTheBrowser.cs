using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// OCM §Resharing on the web pages of three servers (127.0.31.20-22): alice@A shares a file with bob@B with the
/// "share further" permission; on B's Reshares page bob asks A to share it with carol@C and with dave@C, and sees both
/// made; carol reads it. On A's Reshares page alice sees who reshared what to whom and revokes carol's; bob undoes
/// dave's (RESHARE_UNDO) and A removes that share too. Screenshots of both sides at desktop and phone size.
/// </summary>
public sealed class ResharingInTheBrowser(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Report = "the figures alice owns";

    [Fact]
    public async Task BobResharesOnB_AliceRevokesOnA_BobUndoes()
    {
        await using var a = await OcmTestServer.StartAsync("127.0.31.20", UiPageExtensions.Settings());
        await using var b = await OcmTestServer.StartAsync("127.0.31.21", UiPageExtensions.Settings());
        await using var c = await OcmTestServer.StartAsync("127.0.31.22", UiPageExtensions.Settings());
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        var carol = await UiUser.AddAsync(c, "carol", "Carol Danvers");
        var dave = await UiUser.AddAsync(c, "dave", "Dave Stranger");
        using var aliceApi = alice.ApiClient();
        using var bobApi = bob.ApiClient();
        using var carolApi = carol.ApiClient();
        await aliceApi.PutFileAsync("alice", "report.md", Report);
        await aliceApi.PostJsonAsync("api/v1/shares", new { path = "/report.md", shareWith = bob.Address, permissions = new[] { "read", "share" } }, 201);
        var toBob = await OcmTestServerExtensions.EventuallyAsync(
            () => bobApi.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the share to reach B");
        await bobApi.PostJsonAsync($"api/v1/received-shares/{toBob[0].GetProperty("id").GetInt64()}/accept", new { }, 200);
        await OcmTestServerExtensions.EventuallyAsync(
            () => aliceApi.GetJsonAsync("api/v1/shares"), list => list[0].GetProperty("state").GetString() == "accepted", "A to hear bob accepted");
        var shots = Screenshots.Create();

        // --- Bob, on B: Shared with me → Reshares, asks A to share with carol and with dave ---
        var bobPage = await browser.NewPageAsync(b);
        bobPage.AcceptDialogs();
        await bobPage.SignInAsync(bob);
        await bobPage.GotoAsync("ui/shared-with-me");
        await bobPage.ClickAsync("#reshares-link");
        await bobPage.WaitForPageAsync(url => url.Contains("/ui/reshares", StringComparison.Ordinal));
        Assert.Contains("report.md", await bobPage.InnerTextAsync("#reshare-share"), StringComparison.Ordinal);

        // A mistyped address is refused with the reason, the form kept.
        await bobPage.FillAsync("#reshare-with", "carol-without-a-server");
        await bobPage.ClickAsync("#request-reshare");
        await bobPage.Locator("#reshare-error").WaitForAsync();
        Assert.Equal("carol-without-a-server", await bobPage.InputValueAsync("#reshare-with"));

        foreach (var who in new[] { carol, dave })
        {
            await bobPage.FillAsync("#reshare-with", who.Address);
            await bobPage.ClickAsync("#request-reshare");
            await bobPage.WaitForPageAsync(url => url.EndsWith("/ui/reshares", StringComparison.Ordinal));
            Assert.Contains($"share “report.md” with {who.Address}", await bobPage.FlashAsync(), StringComparison.Ordinal);
        }

        await bobPage.ReloadUntilAsync(
            async () => await bobPage.Locator("#reshares [data-state='created']").CountAsync() == 2,
            "A to make both reshares");
        Assert.Contains($"owner {alice.Address}", await bobPage.InnerTextAsync($"#reshares li[data-recipient='{carol.Address}']"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "reshares-resharer");

        // Carol gets it from A and reads alice's bytes.
        var toCarol = await OcmTestServerExtensions.EventuallyAsync(
            () => carolApi.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the reshare to reach carol");
        Assert.Equal(bob.Address, toCarol[0].GetProperty("sender").GetString());
        await carolApi.PostJsonAsync($"api/v1/received-shares/{toCarol[0].GetProperty("id").GetInt64()}/accept", new { }, 200);
        Assert.Equal(Report, await carolApi.GetStringAsync("dav/files/carol/Shared%20with%20me/report.md"));

        // --- Alice, on A: sees both reshares by bob and revokes carol's ---
        var alicePage = await browser.NewPageAsync(a);
        alicePage.AcceptDialogs();
        await alicePage.SignInAsync(alice);
        await alicePage.GotoAsync("ui/reshares");
        var carolCard = $"#reshared li[data-recipient='{carol.Address}']";
        Assert.Contains($"{bob.Address} shared it with {carol.Address}", await alicePage.InnerTextAsync(carolCard), StringComparison.Ordinal);
        Assert.Equal(1, await alicePage.Locator($"#reshared li[data-recipient='{dave.Address}']").CountAsync());
        await shots.CaptureAsync(alicePage, "reshares-owner");
        await alicePage.ClickAsync($"{carolCard} button.revoke");
        await alicePage.Locator("#flash").WaitForAsync();
        Assert.Contains($"No longer shared with {carol.Address}", await alicePage.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await alicePage.Locator(carolCard).CountAsync());
        await OcmTestServerExtensions.EventuallyAsync(
            async () =>
            {
                using var response = await carolApi.GetAsync("dav/files/carol/Shared%20with%20me/report.md");
                return response.StatusCode;
            },
            status => status is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized,
            "carol to lose access");

        // --- Bob undoes dave's reshare: A removes it ---
        await bobPage.ClickAsync($"#reshares li[data-recipient='{dave.Address}'] button.undo");
        await bobPage.Locator("#flash").WaitForAsync();
        Assert.Equal("undone", await bobPage.GetAttributeAsync($"#reshares li[data-recipient='{dave.Address}'] [data-state]", "data-state"));
        Assert.Equal(0, await bobPage.Locator($"#reshares li[data-recipient='{dave.Address}'] button.undo").CountAsync());
        await alicePage.ReloadUntilAsync(
            async () => await alicePage.Locator($"#reshared li[data-recipient='{dave.Address}']").CountAsync() == 0, "A to remove dave's reshare");
        Assert.Equal(1, await alicePage.Locator("#no-reshared").CountAsync());
    }
}
