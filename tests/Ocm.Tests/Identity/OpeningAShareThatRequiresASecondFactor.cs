using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// OCM's <c>must-use-mfa</c> between two servers (OCM Appendix A). alice on A shares a folder asking for it; B
/// advertises <c>enforce-mfa</c> and accepts it, C has the enforcement turned off and is refused as a recipient by A
/// with a message naming it. On B, bob opens the share in the browser only after signing in with TOTP (before: a page
/// saying why, with the way to set it up), and over WebDAV only with an app password created in that two-factor
/// session; carl, who never used a second factor, is refused on the web and with his app password, told why.
/// </summary>
public sealed class OpeningAShareThatRequiresASecondFactor(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static string PlanUrl(string user) => $"dav/files/{user}/Shared%20with%20me/Secret/plan.txt";

    [Fact]
    public async Task MustUseMfaShare_OpensForTheTwoFactorUserOnly_OnTheWebAndOverWebDav()
    {
        var settings = UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false"));
        await using var a = await OcmTestServer.StartAsync("127.0.17.14", settings);
        await using var b = await OcmTestServer.StartAsync("127.0.17.15", settings);
        await using var c = await OcmTestServer.StartAsync("127.0.17.16", UiPageExtensions.Settings(
            ("Ocm:Trust:QuarantineUnknownSenders", "false"), ("Ocm:Identity:Mfa:EnforceForShares", "false")));
        using var alice = await a.CreateUserAsync("alice", "Alice Liddell");
        await alice.MkColAsync("alice", "Secret");
        await alice.PutFileAsync("alice", "Secret/plan.txt", "the secret plan");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        var carl = await UiUser.AddAsync(b, "carl", "Carl Clerk");
        await UiUser.AddAsync(c, "cora");

        // B promises to honour must-use-mfa; C, with the enforcement off, does not.
        using (var anonymous = new HttpClient())
        {
            Assert.Contains("enforce-mfa", Capabilities(await anonymous.GetStringAsync(new Uri(b.BaseUri, ".well-known/ocm"))));
            Assert.DoesNotContain("enforce-mfa", Capabilities(await anonymous.GetStringAsync(new Uri(c.BaseUri, ".well-known/ocm"))));
        }

        // C, not honouring it, refuses a share that carries it (OCM: a receiver MUST reject requirements it cannot honour).
        using (var peer = new HttpClient { BaseAddress = c.BaseUri })
        using (var offered = await peer.PostAsync("ocm/shares", new StringContent($$"""
            { "shareWith": "cora@{{c.Authority}}", "name": "x.txt", "providerId": "p-mfa", "owner": "alice@{{a.Authority}}",
              "sender": "alice@{{a.Authority}}", "shareType": "user", "resourceType": "file",
              "protocol": { "name": "multi", "webdav": { "uri": "p-mfa", "sharedSecret": "s3cret", "permissions": ["read"], "requirements": ["must-use-mfa"] } } }
            """, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotImplemented, offered.StatusCode);
            Assert.Contains("UNSUPPORTED_REQUIREMENT", await offered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A sends the requirement only where it is promised to be honoured; the refusal names the server.
        var refused = await alice.PostJsonAsync("api/v1/shares", new { path = "/Secret", shareWith = "cora@" + c.Authority, permissions = new[] { "read" }, mustUseMfa = true }, 422);
        var detail = refused.GetProperty("detail").GetString()!;
        Assert.Contains(c.Authority, detail, StringComparison.Ordinal);
        Assert.Contains("multi-factor", detail, StringComparison.Ordinal);
        var toBob = await alice.PostJsonAsync("api/v1/shares", new { path = "/Secret", shareWith = bob.Address, permissions = new[] { "read" }, mustUseMfa = true }, 201);
        Assert.True(toBob.GetProperty("mustUseMfa").GetBoolean());
        await alice.PostJsonAsync("api/v1/shares", new { path = "/Secret", shareWith = carl.Address, permissions = new[] { "read" }, mustUseMfa = true }, 201);

        // Both accept on B (accepting needs no second factor; opening does). Each has an app password made without one.
        var bobShare = await AcceptAsync(bob);
        var carlShare = await AcceptAsync(carl);
        var bobOldAppPassword = await AppPasswordAsync(b, bob.Name);
        var carlAppPassword = await AppPasswordAsync(b, carl.Name);

        // bob, signed in with his password only: a page that says why, and leads to two-factor set-up.
        var page = await browser.NewPageAsync(b);
        await page.SignInAsync(bob);
        var before = await page.GotoAsync($"ui/received/{bobShare}/folder/");
        Assert.Equal(403, before!.Status);
        Assert.Contains("requires multi-factor authentication", await page.InnerTextAsync("#mfa-refusal"), StringComparison.Ordinal);
        await page.ClickAsync("#set-up-two-factor");
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));

        // Enrolled (the first code counts for this session): the share opens, listed from A.
        await TotpInTheBrowser.EnrolAsync(page);
        var after = await page.GotoAsync($"ui/received/{bobShare}/folder/");
        Assert.Equal(200, after!.Status);
        Assert.Contains("plan.txt", await page.ContentAsync(), StringComparison.Ordinal);

        // An app password created in this two-factor session opens it over WebDAV; his older one does not, and says why.
        await page.GotoAsync("ui/account");
        await page.FillAsync("#app-label", "laptop");
        await page.ClickAsync("#create-app-password");
        var bobAppPassword = (await page.InnerTextAsync("#app-password-value")).Trim();
        using (var dav = Dav(b, bob.Name, bobAppPassword))
        using (var response = await dav.GetAsync(PlanUrl(bob.Name)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("the secret plan", await response.Content.ReadAsStringAsync());
        }

        await AssertRefusedOverWebDavAsync(b, bob.Name, bobOldAppPassword);
        await AssertRefusedOverWebDavAsync(b, bob.Name, bob.Password);

        // carl never used a second factor: refused on the web and with his app password.
        var carlPage = await browser.NewPageAsync(b);
        await carlPage.SignInAsync(carl);
        var carlWeb = await carlPage.GotoAsync($"ui/received/{carlShare}/folder/");
        Assert.Equal(403, carlWeb!.Status);
        Assert.Equal(1, await carlPage.Locator("#set-up-two-factor").CountAsync());
        await AssertRefusedOverWebDavAsync(b, carl.Name, carlAppPassword);
    }

    private static List<string?> Capabilities(string discovery) =>
        [.. JsonDocument.Parse(discovery).RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString())];

    private static async Task<long> AcceptAsync(UiUser user)
    {
        using var api = user.ApiClient();
        var pending = await OcmTestServerExtensions.EventuallyAsync(
            () => api.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == "Secret"),
            $"the share to arrive for {user.Name}");
        var id = pending.EnumerateArray().First(s => s.GetProperty("name").GetString() == "Secret").GetProperty("id").GetInt64();
        await api.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        return id;
    }

    private static async Task<string> AppPasswordAsync(OcmTestServer server, string user)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var (_, password) = await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAppPasswordAsync(user, "script", CancellationToken.None);
        return password;
    }

    private static HttpClient Dav(OcmTestServer server, string user, string password)
    {
        var client = new HttpClient { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        return client;
    }

    private static async Task AssertRefusedOverWebDavAsync(OcmTestServer server, string user, string password)
    {
        using var dav = Dav(server, user, password);
        using var response = await dav.GetAsync(PlanUrl(user));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {body}");
        Assert.Contains("requires multi-factor authentication", body, StringComparison.Ordinal);
        Assert.Contains("two-factor", body, StringComparison.Ordinal);
    }
}
