using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// Share requests in a real Chromium between server A (127.0.32.10) and B (127.0.32.11): Bob, by keyboard only, asks
/// Alice for <c>/Projects/report.md</c> on B's Requests page; Alice finds it under Requests on A and accepts it as
/// editable; Bob's request turns fulfilled when the share arrives. Both pages fit a phone (screenshots taken). Over
/// plain HTTP: a request that cannot be sent shows why with the form as typed, an unknown request is a 404 page, and a form without the anti-forgery token sends nothing.
/// </summary>
public sealed class AskingForAShareInTheBrowser(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task BobAsksByKeyboard_AliceAccepts_BobSeesItFulfilled()
    {
        await using var a = await OcmTestServer.StartAsync("127.0.32.10", UiPageExtensions.Settings());
        await using var b = await OcmTestServer.StartAsync("127.0.32.11", UiPageExtensions.Settings());
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        using (var aliceApi = alice.ApiClient())
        {
            await aliceApi.MkColAsync("alice", "Projects");
            await aliceApi.PutFileAsync("alice", "Projects/report.md", "# Report");
        }

        var shots = Screenshots.Create();
        var bobPage = await browser.NewPageAsync(b);
        await bobPage.SignInAsync(bob);
        await bobPage.ClickAsync("nav.main-nav >> text=Requests");
        Assert.Equal("Share requests", await bobPage.InnerTextAsync("h1"));

        // Keyboard only: focus the first field, type, Tab to the next, Enter submits.
        await bobPage.FocusAsync("#request-owner");
        await bobPage.Keyboard.TypeAsync(alice.Address);
        await bobPage.Keyboard.PressAsync("Tab");
        await bobPage.Keyboard.TypeAsync("/Projects/report.md");
        await bobPage.Keyboard.PressAsync("Enter");
        Assert.Contains($"Request sent: {alice.Address} is asked to share", await bobPage.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal("sent", await bobPage.GetAttributeAsync("#sent-requests .sent-request", "data-state"));
        await shots.CaptureAsync(bobPage, "share-requests-sent");

        var alicePage = await browser.NewPageAsync(a);
        await alicePage.SignInAsync(alice);
        await alicePage.ClickAsync("nav.main-nav >> text=Requests");
        var card = $"#requests .share-request[data-requester=\"{bob.Address}\"]";
        Assert.Contains("/Projects/report.md", await alicePage.InnerTextAsync(card), StringComparison.Ordinal);
        Assert.Equal("/Projects/report.md", await alicePage.InputValueAsync($"{card} input[name=path]"));
        await shots.CaptureAsync(alicePage, "share-requests-inbox");
        await alicePage.CheckAsync($"{card} input[name=write]");
        await alicePage.ClickAsync($"{card} button.accept");
        Assert.Contains($"Shared with {bob.Address}", await alicePage.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await alicePage.Locator("#no-requests").CountAsync());

        using (var aliceApi = alice.ApiClient())
        {
            var share = (await aliceApi.GetJsonAsync("api/v1/shares"))[0];
            Assert.Equal(bob.Address, share.GetProperty("shareWith").GetString());
            Assert.Equal(["read", "write"], share.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        }

        await bobPage.ReloadUntilAsync(
            async () => await bobPage.Locator("#sent-requests .sent-request[data-state=fulfilled]").CountAsync() == 1, "Bob's request to be fulfilled");
    }

    [Fact]
    public async Task ARequestThatCannotBeSent_ShowsWhy_AndUnknownRequestsAre404()
    {
        await using var a = await OcmTestServer.StartAsync("127.0.32.12", UiPageExtensions.Settings());
        var alice = await UiUser.AddAsync(a, "alice");
        using var session = await UiHttpSession.SignInAsync(alice);

        using var own = await session.PostFormAsync("ui/share-requests/ask", ("owner", "carol@" + a.Authority), ("resource", "<b>plans</b>"));
        var html = await own.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, own.StatusCode);
        Assert.Contains("id=\"requests-error\"", html, StringComparison.Ordinal);
        Assert.Contains("is a user of this server", html, StringComparison.Ordinal);
        Assert.Contains("value=\"&lt;b&gt;plans&lt;/b&gt;\"", html, StringComparison.Ordinal);

        using var missing = await session.PostFormAsync("ui/share-requests/424242/accept", ("path", "/x"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("You have no share request with id 424242", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Without the anti-forgery token nothing is sent.
        using var content = new FormUrlEncodedContent([new("owner", "bob@cloud.example.org"), new("resource", "/x")]);
        using var forged = await session.Client.PostAsync("ui/share-requests/ask", content);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var api = alice.ApiClient();
        Assert.Equal(0, (await api.GetJsonAsync("api/v1/share-requests/outgoing")).GetArrayLength());
    }
}
