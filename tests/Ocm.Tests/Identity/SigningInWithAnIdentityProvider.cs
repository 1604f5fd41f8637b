using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Data;
using Ocm.Identity;
using Ocm.Identity.Groups;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>One Ocm server and one OpenID Provider (npm oidc-provider) for the test class, both on loopback.</summary>
public sealed class IdentityProviderFixture : IAsyncLifetime
{
    internal TestOpenIdProvider Provider { get; private set; } = null!;

    internal OcmTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = OcmProcess.FreePort("127.0.0.91");
        var baseUri = new Uri($"http://127.0.0.91:{port}/");
        Provider = await TestOpenIdProvider.StartAsync(baseUri);
        Server = await OcmTestServer.StartAsync("127.0.0.91", Provider.ServerSettings(baseUri.AbsoluteUri.TrimEnd('/')));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>
/// A campus user signs in to the web interface through the OpenID Provider in Chromium: the account is created from
/// the claims, the provider's groups are applied, a user without the entitlement is refused with a page that says
/// why, sign-out also ends the session at the provider, a renamed user keeps their account, and an existing local
/// account is linked only by its signed-in owner.
/// </summary>
public sealed class SigningInWithAnIdentityProvider(BrowserFixture browser, IdentityProviderFixture fixture)
    : IClassFixture<BrowserFixture>, IClassFixture<IdentityProviderFixture>
{
    private OcmTestServer Server => fixture.Server;

    [Fact]
    public async Task FirstSignIn_CreatesTheAccountFromClaims_AppliesGroups_AndSignOutEndsTheProviderSession()
    {
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync("ui/login");
        Assert.Equal("Sign in with Example University", (await page.InnerTextAsync("#sign-in-oidc")).Trim());
        await Screenshots.Create().CaptureAsync(page, "sign-in-choice");

        await page.ClickAsync("#sign-in-oidc");
        await SignInAtProviderAsync(page, "s-alice/alice/staff,physics");
        await page.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));
        Assert.Contains("alice (test provider)", await page.InnerTextAsync("header .who"));

        var (user, groups, links) = await AccountAsync("alice");
        Assert.Equal("alice@example.org", user.Email);
        Assert.Equal(["physics", "staff"], groups);
        Assert.Equal((fixture.Provider.Issuer, "s-alice/alice/staff,physics"), Assert.Single(links));

        // The session is the interface's own: the account page and the admin's view of where the account comes from.
        await page.GotoAsync("ui/account");
        Assert.Contains("Linked to Example University", await page.InnerTextAsync("#oidc-link-state"));

        // Sign-out at the provider too (RP-initiated logout): the provider asks to confirm, then sends us back.
        await page.ClickAsync("#logout");
        await page.WaitForPageAsync(url => url.StartsWith(fixture.Provider.Issuer, StringComparison.Ordinal));
        await page.ClickAsync("button[name=logout]");
        await page.WaitForPageAsync(url => url.Contains("/ui/login", StringComparison.Ordinal));
        Assert.Contains("You are signed out.", await page.InnerTextAsync("#flash"));

        // The provider's session ended as well: signing in again asks for the login once more.
        await page.ClickAsync("#sign-in-oidc");
        await page.WaitForSelectorAsync("input[name=login]");
    }

    [Fact]
    public async Task UserWithoutTheRequiredEntitlement_IsRefusedWithAPageThatSaysWhy_AndGetsNoAccount()
    {
        var page = await browser.NewPageAsync(Server);
        await page.GotoAsync("ui/login");
        await page.ClickAsync("#sign-in-oidc");
        var response = await SignInAtProviderAsync(page, "guest-gina/gina");
        await page.WaitForSelectorAsync("#refusal");
        Assert.Contains("does not grant access to this service", await page.InnerTextAsync("#refusal"));
        Assert.Contains("eduperson_entitlement", await page.InnerTextAsync("#refusal"));
        Assert.Equal(403, response?.Status);

        await using var scope = Server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().AnyAsync(u => u.Name == "gina"));
    }

    [Fact]
    public async Task UserRenamedAtTheProvider_KeepsTheirAccount_AndGroupsFollowTheClaim()
    {
        var first = await browser.NewPageAsync(Server);
        await first.GotoAsync("ui/login");
        await first.ClickAsync("#sign-in-oidc");
        await fixture.Provider.SetClaimsAsync("s-carol", new() { ["preferred_username"] = "carol", ["groups"] = new[] { "chemistry" } });
        await SignInAtProviderAsync(first, "s-carol");
        await first.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));

        var second = await browser.NewPageAsync(Server);
        await second.GotoAsync("ui/login");
        await second.ClickAsync("#sign-in-oidc");
        await fixture.Provider.SetClaimsAsync("s-carol", new()
        {
            ["preferred_username"] = "caroline",
            ["name"] = "caroline (test provider)",
            ["email"] = "caroline@example.org",
            ["groups"] = new[] { "biology" },
        });
        await SignInAtProviderAsync(second, "s-carol");
        await second.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));
        Assert.Contains("caroline (test provider)", await second.InnerTextAsync("header .who"));

        var (user, groups, _) = await AccountAsync("carol");
        Assert.Equal("caroline@example.org", user.Email);
        Assert.Equal(["biology"], groups);
        await using var scope = Server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().AnyAsync(u => u.Name == "caroline"));
    }

    [Fact]
    public async Task LocalAccount_IsLinkedOnlyByItsSignedInOwner_NeverByAMatchingName()
    {
        var dave = await UiUser.AddAsync(Server, "dave", "Dave Local");
        var group = "g-" + Guid.NewGuid().ToString("N")[..6];

        // A provider account whose user name is "dave" does not get the local account dave.
        var stranger = await browser.NewPageAsync(Server);
        await stranger.GotoAsync("ui/login");
        await stranger.ClickAsync("#sign-in-oidc");
        await SignInAtProviderAsync(stranger, "s-impostor/dave");
        await stranger.WaitForSelectorAsync("#refusal");
        Assert.Contains("already exists on this server", await stranger.InnerTextAsync("#refusal"));

        // dave signs in with his password and links his provider account from the account page.
        var page = await browser.NewPageAsync(Server);
        await page.SignInAsync(dave);
        await page.GotoAsync("ui/account");
        await page.ClickAsync("#link-oidc");
        await SignInAtProviderAsync(page, $"s-dave/dave.campus/{group}");
        await page.WaitForPageAsync(url => url.Contains("/ui/account", StringComparison.Ordinal));
        Assert.Contains("Linked to Example University", await page.InnerTextAsync("#oidc-link-state"));

        // From now on the provider signs him in to the same account.
        var later = await browser.NewPageAsync(Server);
        await later.GotoAsync("ui/login");
        await later.ClickAsync("#sign-in-oidc");
        await SignInAtProviderAsync(later, $"s-dave/dave.campus/{group}");
        await later.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));
        var (_, groups, links) = await AccountAsync("dave");
        Assert.Equal([group], groups);
        Assert.Equal((fixture.Provider.Issuer, $"s-dave/dave.campus/{group}"), Assert.Single(links));

        // The admin's users page says where each account comes from.
        var admin = await UiUser.AddAsync(Server, "root-" + Guid.NewGuid().ToString("N")[..6], admin: true);
        var adminPage = await browser.NewPageAsync(Server);
        await adminPage.SignInAsync(admin);
        await adminPage.GotoAsync("ui/admin/users");
        Assert.Equal("identity provider", (await adminPage.InnerTextAsync("tr[data-user=dave] .source")).Trim());
        Assert.Equal("local", (await adminPage.InnerTextAsync($"tr[data-user={admin.Name}] .source")).Trim());
        await adminPage.GotoAsync("ui/admin/users/dave");
        Assert.Equal("identity provider", (await adminPage.InnerTextAsync("#account-source")).Trim());
        await adminPage.GotoAsync($"ui/admin/users/{admin.Name}");
        Assert.Equal("local", (await adminPage.InnerTextAsync("#account-source")).Trim());
    }

    private Task<IResponse?> SignInAtProviderAsync(IPage page, string login) => TestOpenIdProvider.SignInAsync(page, Server, login);

    private async Task<(User User, List<string> Groups, List<(string, string)> Links)> AccountAsync(string name)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Name == name);
        var groups = await scope.ServiceProvider.GetRequiredService<GroupDirectory>().GroupsOfAsync(user.Id, CancellationToken.None);
        var links = (await db.Set<ExternalLogin>().AsNoTracking().Where(l => l.UserId == user.Id).ToListAsync()).Select(l => (l.Issuer, l.Subject)).ToList();
        return (user, groups, links);
    }
}
