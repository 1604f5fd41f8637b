using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Data;
using Ocm.Identity;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>An OpenID Provider (npm oidc-provider) and server B signing in with it, on loopback, for the test class.</summary>
public sealed class ProviderSignInFixture : IAsyncLifetime
{
    public const string AddressB = "127.0.28.2";

    internal TestOpenIdProvider Provider { get; private set; } = null!;

    internal OcmTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var baseUri = new Uri($"http://{AddressB}:{OcmProcess.FreePort(AddressB)}/");
        Provider = await TestOpenIdProvider.StartAsync(baseUri);
        Server = await OcmTestServer.StartAsync(AddressB, Provider.ServerSettings(
            baseUri.AbsoluteUri.TrimEnd('/'),
            ("Ocm:ProviderName", "Server B"),
            ("Ocm:Security:RequireSignatures", "true")));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>
/// Every way into a page that needs an account leads through the same sign-in choice, and the provider's button there
/// brings the user back to where they were: a sync client's Login Flow v2 link (approval page, app password, then
/// <c>nextcloudcmd</c> syncs with it) and an invite link opened signed out (WAYF page on the inviter's server, then
/// the accept dialog here, accepted).
/// </summary>
public sealed class SigningInThroughTheProviderFromEveryPage(BrowserFixture browser, ProviderSignInFixture fixture)
    : IClassFixture<BrowserFixture>, IClassFixture<ProviderSignInFixture>
{
    private const string AddressA = "127.0.28.1";
    private const string ClientName = "Mozilla/5.0 (Linux) mirall/3.7.3 (Nextcloud, debian)";

    private OcmTestServer Server => fixture.Server;

    [Fact]
    public async Task SyncClientsLoginFlow_SignsInAtTheProvider_ApprovalPageComesBack_PollAnswersOnce_AndNextcloudcmdSyncs()
    {
        using var client = new HttpClient { BaseAddress = Server.BaseUri };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(ClientName);

        // 1. The client starts the flow over HTTP; nobody has approved it yet.
        var started = await SigningInASyncClientThroughTheBrowser.StartAsync(client, "index.php/login/v2");
        Assert.Equal(HttpStatusCode.NotFound, (await SigningInASyncClientThroughTheBrowser.PollAsync(client, started.Endpoint, started.Token)).StatusCode);

        // 2. The browser opens the link: the sign-in choice, the provider's button, the provider's login form ...
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync(started.Login);
        await page.WaitForPageAsync(url => url.Contains("/ui/login?returnUrl=", StringComparison.Ordinal));
        await page.ClickAsync("#sign-in-oidc");
        await TestOpenIdProvider.SignInAsync(page, Server, "s-lena/lena/physics");

        // ... and back at the approval page of this very flow, which names the client.
        await page.WaitForSelectorAsync("#grant-access");
        Assert.Contains("/ui/login-flow/" + started.LoginToken, page.Url, StringComparison.Ordinal);
        Assert.Equal(ClientName, await page.InnerTextAsync("#login-flow-client"));
        Assert.Equal(HttpStatusCode.NotFound, (await SigningInASyncClientThroughTheBrowser.PollAsync(client, started.Endpoint, started.Token)).StatusCode);
        await page.ClickAsync("#grant-access");
        await page.WaitForSelectorAsync("#login-flow-done");

        // 3. The poll answers the provider-made account's app password once, then the token is used up.
        using var answer = await SigningInASyncClientThroughTheBrowser.PollAsync(client, started.Endpoint, started.Token);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var credentials = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal("lena", credentials.RootElement.GetProperty("loginName").GetString());
        var appPassword = credentials.RootElement.GetProperty("appPassword").GetString()!;
        Assert.True(SecretGenerator.LooksLikeAppPassword(appPassword), appPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await SigningInASyncClientThroughTheBrowser.PollAsync(client, started.Endpoint, started.Token)).StatusCode);

        // The approval link is used up too: opening it again says it expired.
        await page.GotoAsync(started.Login);
        Assert.Contains("expired or was already used", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        // 4. nextcloudcmd syncs with it, although the account has no password of its own.
        await SigningInASyncClientThroughTheBrowser.SyncWithNextcloudcmdAsync(Server, "lena", appPassword);
    }

    [Fact]
    public async Task RefusedAtTheProvider_TheWayBackToSignInStillLeadsToTheApprovalPage()
    {
        using var client = new HttpClient { BaseAddress = Server.BaseUri };
        var started = await SigningInASyncClientThroughTheBrowser.StartAsync(client, "login/v2");
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync(started.Login);
        await page.ClickAsync("#sign-in-oidc");

        // A provider account without the entitlement is refused, with a page that says why ...
        await TestOpenIdProvider.SignInAsync(page, Server, "guest-gus/gus");
        await page.WaitForSelectorAsync("#refusal");
        Assert.Contains("does not grant access to this service", await page.InnerTextAsync("#refusal"), StringComparison.Ordinal);

        // ... whose way back keeps the flow: the provider's session is ended at the provider's own logout (so another
        // account can sign in), then the sign-in page leads to the approval page again.
        await page.ClickAsync("#back-to-sign-in");
        await page.WaitForPageAsync(url => url.Contains("/ui/login?returnUrl=", StringComparison.Ordinal));
        Assert.Contains(Uri.EscapeDataString("/ui/login-flow/" + started.LoginToken), page.Url, StringComparison.Ordinal);
        var signInPage = page.Url;
        await page.GotoAsync(fixture.Provider.Issuer + "/session/end");
        await page.ClickAsync("button[name=logout]");
        await page.GotoAsync(signInPage);
        await page.ClickAsync("#sign-in-oidc");
        await TestOpenIdProvider.SignInAsync(page, Server, "s-gabe/gabe");
        await page.WaitForSelectorAsync("#grant-access");
        Assert.Contains("/ui/login-flow/" + started.LoginToken, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InviteLinkOpenedSignedOut_WayfThenSignInAtTheProvider_BackAtTheAcceptDialog_AndAccepted()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:ProviderName", "Server A")));
        using var alice = await a.AddUserAsync("alice", "Alice Liddell");
        var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;

        // The WAYF page on A needs no account; Bob types his server B.
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync(link);
        Assert.Equal("You are invited", await page.InnerTextAsync("#title"));
        await page.FillAsync("#provider", Server.Authority);
        await page.ClickAsync("#continue");

        // B's accept dialog needs an account: B's one sign-in page, which says why and offers the provider's button.
        await page.WaitForPageAsync(url => url.StartsWith(Server.BaseUri.AbsoluteUri + "ui/login?returnUrl=", StringComparison.Ordinal));
        Assert.Contains("accept the invite", await page.InnerTextAsync("#login-purpose"), StringComparison.Ordinal);
        await page.ClickAsync("#sign-in-oidc");
        await TestOpenIdProvider.SignInAsync(page, Server, "s-bob/bob");

        // Back at the dialog, the invite's token and A's domain intact, signed in as the provider's user.
        await page.WaitForPageAsync(url => url.StartsWith(Server.BaseUri.AbsoluteUri + "ocm/accept-invite?", StringComparison.Ordinal));
        Assert.Contains($"providerDomain={Uri.EscapeDataString(a.Authority)}", page.Url, StringComparison.Ordinal);
        Assert.Equal("Accept an invite", await page.InnerTextAsync("#title"));
        Assert.Contains("bob (test provider)", await page.InnerTextAsync("header .who"), StringComparison.Ordinal);
        await page.ClickAsync("#accept");
        await page.WaitForSelectorAsync("#result");
        Assert.Equal("Invite accepted", await page.InnerTextAsync("#title"));
        Assert.Contains(alice.Address, await page.InnerTextAsync("#result"), StringComparison.Ordinal);

        // Both sides know each other now; Bob's account is the one the provider made.
        Assert.Equal([$"bob@{Server.Authority}"], (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var bob = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Name == "bob");
        Assert.True(await db.Set<ExternalLogin>().AnyAsync(l => l.UserId == bob.Id && l.Subject == "s-bob/bob"));
    }

    [Fact]
    public async Task SignedInThroughTheProvider_TheSameSessionOpensEveryPage()
    {
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync("ui/account");
        await page.WaitForPageAsync(url => url.Contains("/ui/login?returnUrl=", StringComparison.Ordinal));
        await page.ClickAsync("#sign-in-oidc");
        await TestOpenIdProvider.SignInAsync(page, Server, "s-nina/nina");
        await page.WaitForPageAsync(url => url.Contains("/ui/account", StringComparison.Ordinal));

        // The session made by the provider's sign-in is the interface's own: any other page opens without asking again.
        foreach (var path in new[] { "ui/files/", "ui/contacts", "ui/shared-with-me" })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response?.Status == 200, $"{path}: {response?.Status} {page.Url}");
            Assert.DoesNotContain("/ui/login", page.Url, StringComparison.Ordinal);
            Assert.Contains("nina (test provider)", await page.InnerTextAsync("header .who"), StringComparison.Ordinal);
        }

        await page.WaitForLoadedAsync();
    }
}
