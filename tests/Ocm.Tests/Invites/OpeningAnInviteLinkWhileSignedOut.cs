using System.Net;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Invites;

/// <summary>
/// Bob opens the accept dialog of his server B (127.0.9.2) for Alice's invite on A (127.0.9.1) in a browser that is
/// not signed in, followed over HTTP with a cookie jar, as a browser does: B sends him to its sign-in page, which
/// brings him back to the dialog with the invite's query intact; he accepts with the web interface's anti-forgery
/// token. No step answers with a Basic-auth challenge (a browser pop-up).
/// </summary>
public sealed partial class OpeningAnInviteLinkWhileSignedOut
{
    private const string AddressA = "127.0.9.1";
    private const string AddressB = "127.0.9.2";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AcceptDialog_SignedOut_SignInAndBack_ThenAccepted(string provider)
    {
        await using var databaseA = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var databaseB = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(InvitingAUserOnAnotherServer.DatabaseSettings(provider, databaseA)));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(InvitingAUserOnAnotherServer.DatabaseSettings(provider, databaseB)));
        using var alice = await a.AddUserAsync("alice", "Alice Liddell");
        using var bob = await b.AddUserAsync("bob", "Bob Builder");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString()!;
        var dialog = $"/ocm/accept-invite?token={Uri.EscapeDataString(token)}&providerDomain={Uri.EscapeDataString(a.Authority)}";
        using var browser = UiHttpSession.Anonymous(new UiUser(bob.Name, bob.Password, b));

        // Signed out: to the sign-in page, never a Basic challenge.
        using (var signedOut = await browser.Client.GetAsync(dialog))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
            Assert.Empty(signedOut.Headers.WwwAuthenticate);
            Assert.Equal("/ui/login?returnUrl=" + Uri.EscapeDataString(dialog), signedOut.Headers.Location!.OriginalString);
        }

        // The sign-in page keeps where to go back to, and says why it is asked.
        var login = await browser.GetPageAsync("ui/login?returnUrl=" + Uri.EscapeDataString(dialog));
        Assert.Equal(dialog, WebUtility.HtmlDecode(ReturnField().Match(login).Groups[1].Value));
        Assert.Contains("accept the invite", login, StringComparison.Ordinal);

        using (var signedIn = await browser.SubmitLoginAsync(bob.Name, bob.Password, returnUrl: dialog))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
            Assert.Equal(dialog, signedIn.Headers.Location!.OriginalString);
        }

        // Back on the dialog, signed in: it names both sides and carries the interface's anti-forgery token.
        var page = await browser.GetPageAsync(dialog.TrimStart('/'));
        Assert.Contains("<h1 id=\"title\">Accept an invite</h1>", page, StringComparison.Ordinal);
        Assert.Contains(bob.Address, page, StringComparison.Ordinal);
        Assert.Contains(a.Authority, page, StringComparison.Ordinal);
        var csrf = CsrfField().Match(page);
        Assert.True(csrf.Success, page);

        using var accepted = await browser.Client.PostAsync("ocm/accept-invite", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_csrf"] = WebUtility.HtmlDecode(csrf.Groups[1].Value),
            ["token"] = token,
            ["providerDomain"] = a.Authority,
            ["decision"] = "accept",
        }));
        var result = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, result);
        Assert.Contains("Invite accepted", result, StringComparison.Ordinal);
        Assert.Equal([alice.Address], (await bob.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
        Assert.Equal([bob.Address], (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task AcceptDialog_WithBasicCredentialsOnly_AsksForTheSignInPage_NotAPopUp()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString()!;
        using var noRedirects = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(noRedirects) { BaseAddress = b.BaseUri };
        client.DefaultRequestHeaders.Authorization = bob.Client.DefaultRequestHeaders.Authorization;

        using var get = await client.GetAsync($"ocm/accept-invite?token={Uri.EscapeDataString(token)}&providerDomain={Uri.EscapeDataString(a.Authority)}");
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.StartsWith("/ui/login?returnUrl=", get.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Empty(get.Headers.WwwAuthenticate);

        // A cross-site form post would carry cached Basic credentials; they open nothing here.
        using var post = await client.PostAsync("ocm/accept-invite", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["providerDomain"] = a.Authority,
            ["decision"] = "accept",
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.Empty(post.Headers.WwwAuthenticate);
        Assert.Empty(await bob.ContactsAsync());
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AcceptForm_WithoutTheInterfacesAntiForgeryToken_IsRefused()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString()!;
        using var session = await UiHttpSession.SignInAsync(new UiUser(bob.Name, bob.Password, b));

        // Signed in, but the form did not come from our page: no token, or one that is not this session's.
        foreach (var csrf in new[] { null, "CfDJ8forged" })
        {
            var fields = new Dictionary<string, string> { ["token"] = token, ["providerDomain"] = a.Authority, ["decision"] = "accept" };
            if (csrf is not null)
            {
                fields["_csrf"] = csrf;
            }

            using var forged = await session.Client.PostAsync("ocm/accept-invite", new FormUrlEncodedContent(fields));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Contains("Form expired", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(await bob.ContactsAsync());
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task WithoutTheWebInterface_TheWayfPageWorks_AndTheDialogShowsTheCommandToUse()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(("Ocm:Ui:Enabled", "false")));
        using var bobOnB = await b.AddUserAsync("bob");
        var invite = await bobOnB.CreateInviteAsync();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = b.BaseUri };

        // B's own invite link still leads to its WAYF page, styled, though B serves no web interface.
        var wayf = await browser.GetStringAsync(invite.GetProperty("link").GetString());
        Assert.Contains("You are invited", wayf, StringComparison.Ordinal);
        var stylesheet = Regex.Match(wayf, "<link rel=\"stylesheet\" href=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(WebUtility.HtmlDecode(stylesheet))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("ui/files/")).StatusCode);

        // An invite from A arriving at B's dialog: no sign-in page to go to, so the page says how to accept it.
        using var alice = await a.AddUserAsync("alice");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString()!;
        using var dialog = await browser.GetAsync($"ocm/accept-invite?token={Uri.EscapeDataString(token)}&providerDomain={Uri.EscapeDataString(a.Authority)}");
        var page = WebUtility.HtmlDecode(await dialog.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, dialog.StatusCode);
        Assert.Empty(dialog.Headers.WwwAuthenticate);
        Assert.Contains($"ocm invite accept {new Ocm.Protocol.Invites.InviteString(token, a.Authority).Encode()} --server {b.BaseUri.AbsoluteUri.TrimEnd('/')}", page, StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnField();

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
