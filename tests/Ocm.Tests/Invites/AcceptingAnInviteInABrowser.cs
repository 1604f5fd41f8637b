using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Invites;

/// <summary>
/// The invite flow as a person lives it, in a real headless Chromium (Debian's <c>/usr/bin/chromium</c>): Bob opens
/// Alice's invite link on server A, picks his server B on the WAYF page (from a signed directory list, or by typing
/// it), signs in on B's accept dialog, confirms — and both see each other as contacts.
/// </summary>
public sealed class AcceptingAnInviteInABrowser
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

        await using var browser = await BrowserSession.StartAsync(b, bob);
        var page = browser.Page;

        // WAYF page on A: who invites, and the directory's servers.
        await page.GotoAsync(link);
        Assert.Equal("You are invited", await page.InnerTextAsync("#title"));
        Assert.Contains("Alice Liddell", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains("Test Federation", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        // Choosing B redirects to B's inviteAcceptDialog, which asks Bob to sign in (Basic) and confirm.
        await page.ClickAsync($"a.server[data-authority='{b.Authority}']");
        await page.WaitForURLAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ocm/accept-invite?", StringComparison.Ordinal));
        Assert.Contains($"providerDomain={Uri.EscapeDataString(a.Authority)}", page.Url, StringComparison.Ordinal);
        Assert.Equal("Accept an invite", await page.InnerTextAsync("#title"));
        var dialog = await page.InnerTextAsync("main");
        Assert.Contains("Server A", dialog, StringComparison.Ordinal);
        Assert.Contains(bob.Address, dialog, StringComparison.Ordinal);

        await page.ClickAsync("#accept");
        await page.WaitForSelectorAsync("#result");

        Assert.Equal("Invite accepted", await page.InnerTextAsync("#title"));
        Assert.Contains(alice.Address, await page.InnerTextAsync("#result"), StringComparison.Ordinal);
        Assert.Equal([alice.Address], (await bob.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
        Assert.Equal([bob.Address], (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));

        // The link is single-use: opening it again says so.
        await page.GotoAsync(link);
        Assert.Equal("Invite already used", await page.InnerTextAsync("#title"));
    }

    [Fact]
    public async Task TypedServer_LeadsToTheAcceptDialog_AndDecliningSendsNothing()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice", "Alice");
        using var bob = await b.AddUserAsync("bob", "Bob");
        var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;

        await using var browser = await BrowserSession.StartAsync(b, bob);
        var page = browser.Page;
        await page.GotoAsync(link);

        // A server that is not an OCM server is explained on the page itself.
        await page.FillAsync("#provider", "127.0.0.44:1");
        await page.ClickAsync("#continue");
        Assert.Contains("could not be reached", await page.InnerTextAsync("#error"), StringComparison.Ordinal);

        // Typing Bob's OCM address finds his server.
        await page.FillAsync("#provider", bob.Address);
        await page.ClickAsync("#continue");
        await page.WaitForURLAsync(url => url.StartsWith(b.BaseUri.AbsoluteUri + "ocm/accept-invite?", StringComparison.Ordinal));

        await page.ClickAsync("#decline");
        await page.WaitForSelectorAsync("#result");

        Assert.Equal("Invite not accepted", await page.InnerTextAsync("#title"));
        Assert.Empty(await bob.ContactsAsync());
        Assert.Empty(await alice.ContactsAsync());
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AcceptForm_WithoutItsAntiForgeryToken_IsRefused()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString()!;

        // A cross-site form post: the browser would attach Bob's Basic credentials, but not our form's token.
        using var forged = await bob.Client.PostAsync("ocm/accept-invite", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["providerDomain"] = a.Authority,
            ["decision"] = "accept",
            ["csrf"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        }));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forged.StatusCode);

        using var foreignOrigin = new HttpRequestMessage(HttpMethod.Post, "ocm/accept-invite")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["providerDomain"] = a.Authority }),
        };
        foreignOrigin.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await bob.Client.SendAsync(foreignOrigin)).StatusCode);

        Assert.Empty(await bob.ContactsAsync());
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
    }

    /// <summary>Headless Chromium with Bob's credentials for server B only (answered when B's dialog challenges).</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;

        private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
        }

        public IPage Page { get; }

        public static async Task<BrowserSession> StartAsync(OcmTestServer server, TestUser user)
        {
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                HttpCredentials = new HttpCredentials
                {
                    Username = user.Name,
                    Password = user.Password,
                    Origin = server.BaseUri.GetLeftPart(UriPartial.Authority),
                },
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            return new BrowserSession(playwright, browser, page);
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
