using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Invites;

/// <summary>
/// The invite flow as a person lives it, in a real headless Chromium (Debian's <c>/usr/bin/chromium</c>): Bob opens
/// Alice's invite link on server A, picks his server B on the WAYF page (from a signed directory list, or by typing
/// it), is sent to B's sign-in page (never a Basic-auth pop-up) and back to B's accept dialog, confirms — and both
/// see each other as contacts. Screenshots of the invite pages are taken on the way.
/// </summary>
public sealed class AcceptingAnInviteInABrowser(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string AddressA = "127.0.0.43";
    private const string AddressB = "127.0.0.44";
    private const string AddressDirectory = "127.0.0.45";

    [Fact]
    public async Task WayfDirectoryChoice_AcceptDialog_ContactsOnBothServers()
    {
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(("Ocm:ProviderName", "Server B")));
        using var directory = new TestDirectoryService();
        await using var directoryService = await LoopbackHttpServer.StartAsync(AddressDirectory, TestDirectoryService.Serving(() =>
            directory.Compact(TestDirectoryService.Payload("Test Federation", (b.BaseUri.GetLeftPart(UriPartial.Authority), "Bob's University")))));
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(
            ("Ocm:ProviderName", "Server A"),
            ("Ocm:Invites:DirectoryServices:0:Url", new Uri(directoryService.BaseUri, "federation.jws").AbsoluteUri),
            ("Ocm:Invites:DirectoryServices:0:PublicKey", directory.PublicKeyPem)));
        using var alice = await a.AddUserAsync("alice", "Alice Liddell", "alice@mail.example");
        using var bob = await b.AddUserAsync("bob", "Bob Builder", "bob@mail.example");
        var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;

        var shots = Screenshots.Create();
        var page = await browser.NewPageAsync(b);
        var challenges = WatchForBasicChallenges(page);

        // WAYF page on A: who invites, and the directory's servers.
        await page.GotoAsync(link);
        Assert.Equal("You are invited", await page.InnerTextAsync("#title"));
        Assert.Contains("Alice Liddell", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains("Test Federation", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await shots.CaptureAsync(page, "invite-wayf");

        // Choosing B leads to B's inviteAcceptDialog; Bob is not signed in there, so B's sign-in page comes first.
        await page.ClickAsync($"a.server[data-authority='{b.Authority}']");
        await page.WaitForPageAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ui/login?returnUrl=", StringComparison.Ordinal));
        Assert.Contains("accept the invite", await page.InnerTextAsync("#login-purpose"), StringComparison.Ordinal);
        await shots.CaptureAsync(page, "invite-sign-in");
        await page.FillAsync("#user", bob.Name);
        await page.FillAsync("#password", bob.Password);
        await page.ClickAsync("#sign-in");

        // ...and back to the dialog, with the invite's token and Alice's server still in the address.
        await page.WaitForPageAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ocm/accept-invite?", StringComparison.Ordinal));
        Assert.Contains($"providerDomain={Uri.EscapeDataString(a.Authority)}", page.Url, StringComparison.Ordinal);
        Assert.Equal("Accept an invite", await page.InnerTextAsync("#title"));
        var dialog = await page.InnerTextAsync("main");
        Assert.Contains("Server A", dialog, StringComparison.Ordinal);
        Assert.Contains(bob.Address, dialog, StringComparison.Ordinal);
        await shots.CaptureAsync(page, "invite-accept");

        await page.ClickAsync("#accept");
        await page.WaitForSelectorAsync("#result");

        Assert.Equal("Invite accepted", await page.InnerTextAsync("#title"));
        Assert.Contains(alice.Address, await page.InnerTextAsync("#result"), StringComparison.Ordinal);
        await shots.CaptureAsync(page, "invite-accepted");
        Assert.Equal([alice.Address], (await bob.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
        Assert.Equal([bob.Address], (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));

        // The link is single-use: opening it again says so.
        await page.GotoAsync(link);
        Assert.Equal("Invite already used", await page.InnerTextAsync("#title"));
        await shots.CaptureAsync(page, "invite-used");
        Assert.Empty(challenges);
        Assert.Equal(10, shots.Taken.Count);
    }

    [Fact]
    public async Task TypedServer_LeadsToTheAcceptDialog_AndDecliningSendsNothing()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice", "Alice");
        using var bob = await b.AddUserAsync("bob", "Bob");
        var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;

        var page = await browser.NewPageAsync(b);
        var challenges = WatchForBasicChallenges(page);
        await page.GotoAsync(link);

        // A server that is not an OCM server is explained on the page itself.
        await page.FillAsync("#provider", "127.0.0.44:1");
        await page.ClickAsync("#continue");
        Assert.Contains("could not be reached", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("127.0.0.44:1", await page.InputValueAsync("#provider"));

        // Typing Bob's OCM address finds his server; he signs in there and comes back to the dialog.
        await page.FillAsync("#provider", bob.Address);
        await page.ClickAsync("#continue");
        await page.WaitForPageAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ui/login?", StringComparison.Ordinal));
        await page.FillAsync("#user", bob.Name);
        await page.FillAsync("#password", bob.Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForPageAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ocm/accept-invite?", StringComparison.Ordinal));

        await page.ClickAsync("#decline");
        await page.WaitForSelectorAsync("#result");

        Assert.Equal("Invite not accepted", await page.InnerTextAsync("#title"));
        Assert.Empty(await bob.ContactsAsync());
        Assert.Empty(await alice.ContactsAsync());
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
        Assert.Empty(challenges);
    }

    /// <summary>Every answer that would make a browser show its Basic-auth pop-up (401 with WWW-Authenticate: Basic).</summary>
    private static List<string> WatchForBasicChallenges(IPage page)
    {
        var challenges = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status == 401 && response.Headers.TryGetValue("www-authenticate", out var challenge) && challenge.Contains("Basic", StringComparison.OrdinalIgnoreCase))
            {
                challenges.Add(response.Url);
            }
        };
        return challenges;
    }
}
