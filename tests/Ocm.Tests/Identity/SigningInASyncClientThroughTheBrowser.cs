using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Identity.LoginFlow;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;
using Ocm.Tests.Ui;
using Ocm.Tests.WebDav;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// Nextcloud's Login Flow v2 end to end: a client starts the flow over HTTP, the user signs in with the web sign-in in
/// Chromium and grants access, the client's poll returns an app password exactly once, and <c>nextcloudcmd</c> syncs
/// with it. Expired and collected tokens are refused, on SQLite and PostgreSQL.
/// </summary>
public sealed class SigningInASyncClientThroughTheBrowser(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string ClientName = "Mozilla/5.0 (Linux) mirall/3.7.3 (Nextcloud, debian)";

    [Fact]
    public async Task ClientStartsFlow_UserGrantsInBrowser_PollAnswersAppPasswordOnce_AndNextcloudcmdSyncsWithIt()
    {
        Assert.True(File.Exists("/usr/bin/nextcloudcmd"), "nextcloudcmd is missing: run scripts/install-test-tools.sh (Debian package nextcloud-desktop-cmd).");
        await using var server = await OcmTestServer.StartAsync("127.0.0.84", UiPageExtensions.Settings());
        var user = await UiUser.AddAsync(server, "laura");
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(ClientName);

        // 1. The client starts the flow, anonymously, at Nextcloud's path.
        var started = await StartAsync(client, "index.php/login/v2");
        Assert.Equal(new Uri(server.BaseUri, "login/v2/poll"), new Uri(started.Endpoint));
        Assert.StartsWith(new Uri(server.BaseUri, "login/v2/flow/").AbsoluteUri, started.Login, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, started.Endpoint, started.Token)).StatusCode);

        // 2. The browser opens the link: the normal sign-in first, then the approval page naming the client.
        var page = await browser.NewPageAsync(server);
        await page.GotoAsync(started.Login);
        await page.WaitForPageAsync(url => url.Contains("/ui/login", StringComparison.Ordinal));
        await page.FillAsync("#user", user.Name);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#grant-access");
        Assert.Equal(ClientName, await page.InnerTextAsync("#login-flow-client"));
        await Screenshots.Create().CaptureAsync(page, "login-flow-approve");

        // Still waiting until the user grants access.
        Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, started.Endpoint, started.Token)).StatusCode);
        await page.ClickAsync("#grant-access");
        await page.WaitForSelectorAsync("#login-flow-done");

        // 3. The poll answers the credentials once; the token is then used up.
        using var answer = await PollAsync(client, started.Endpoint, started.Token);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var credentials = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal(server.BaseUri.AbsoluteUri.TrimEnd('/'), credentials.RootElement.GetProperty("server").GetString());
        Assert.Equal(user.Name, credentials.RootElement.GetProperty("loginName").GetString());
        var appPassword = credentials.RootElement.GetProperty("appPassword").GetString()!;
        Assert.True(SecretGenerator.LooksLikeAppPassword(appPassword), appPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, started.Endpoint, started.Token)).StatusCode);

        // The app password is an ordinary one, named after the client, listed (and revocable) on the account page.
        await page.GotoAsync("ui/account");
        Assert.Contains(ClientName, await page.InnerTextAsync("#app-passwords"), StringComparison.Ordinal);

        // 4. nextcloudcmd syncs a folder with the app password.
        await SyncWithNextcloudcmdAsync(server, user.Name, appPassword);
    }

    [Fact]
    public async Task UserWithTwoFactor_EntersTheCodeOnTheWay_AndTheApprovalRecordsIt()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.91", UiPageExtensions.Settings());
        var user = await UiUser.AddAsync(server, "otto");
        byte[] key;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var id = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().Where(u => u.Name == user.Name).Select(u => u.Id).SingleAsync();
            var twoFactor = scope.ServiceProvider.GetRequiredService<Ocm.Identity.Mfa.TwoFactor>();
            var secret = await twoFactor.BeginEnrolmentAsync(id, CancellationToken.None);
            key = TotpInTheBrowser.FromBase32(secret!);
            Assert.NotNull(await twoFactor.ConfirmEnrolmentAsync(id, Ocm.Identity.Mfa.Totp.Code(key, Ocm.Identity.Mfa.Totp.StepAt(DateTimeOffset.UtcNow) - 1), CancellationToken.None));
        }

        using var client = new HttpClient { BaseAddress = server.BaseUri };
        var started = await StartAsync(client, "index.php/login/v2");
        var page = await browser.NewPageAsync(server);
        await page.GotoAsync(started.Login);
        await page.FillAsync("#user", user.Name);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#sign-in");
        await page.FillAsync("#code", Ocm.Identity.Mfa.Totp.Code(key, Ocm.Identity.Mfa.Totp.StepAt(DateTimeOffset.UtcNow) + 1));
        await page.ClickAsync("#verify-code");
        await page.ClickAsync("#grant-access");
        await page.WaitForSelectorAsync("#login-flow-done");

        await using (var scope = server.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<PendingLoginFlow>().Select(f => f.ApprovedWithMfa).SingleAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await PollAsync(client, started.Endpoint, started.Token)).StatusCode);

        // Approved from a two-factor session, the client's app password counts as two-factor (it opens must-use-mfa shares).
        await page.GotoAsync("ui/account");
        Assert.Equal("yes", (await page.InnerTextAsync("#app-passwords .two-factor")).Trim());
    }


    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task ExpiredReusedAndUnknownTokens_AreRefused(string provider)
    {
        TestDatabase? database = null;
        var settings = UiPageExtensions.Settings(("Ocm:Identity:LoginFlow:MaxPendingPerAddress", "3"));
        if (provider == TestDatabases.Postgres)
        {
            database = await TestDatabases.CreateAsync(provider);
            settings["Ocm:Database:Provider"] = "postgres";
            settings["Ocm:Database:ConnectionString"] = database.ConnectionString;
        }

        var clock = new ShiftedClock();
        try
        {
            await using var server = await OcmTestServer.StartAsync("127.0.0.85", settings, services => services.AddSingleton<TimeProvider>(clock));
            var user = await UiUser.AddAsync(server, "mia");
            using var client = new HttpClient { BaseAddress = server.BaseUri };

            // Without /index.php too, as older clients ask; a client without User-Agent gets a generic name.
            var expiring = await StartAsync(client, "login/v2");
            var unapproved = await StartAsync(client, "login/v2");
            Assert.True(await ApproveAsync(server, expiring, user.Name));
            clock.Advance(TimeSpan.FromMinutes(21));
            Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, expiring.Endpoint, expiring.Token)).StatusCode);
            Assert.False(await ApproveAsync(server, unapproved, user.Name));

            // Collected once, then refused; its browser link cannot be approved again either.
            var once = await StartAsync(client, "index.php/login/v2");
            Assert.True(await ApproveAsync(server, once, user.Name));
            Assert.Equal(HttpStatusCode.OK, (await PollAsync(client, once.Endpoint, once.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, once.Endpoint, once.Token)).StatusCode);
            Assert.False(await ApproveAsync(server, once, user.Name));
            await using (var scope = server.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
                Assert.Equal(["Sync client"], await db.Set<AppPassword>().Select(a => a.Label).ToListAsync());

                // Only digests of the tokens are stored.
                Assert.False(await db.Set<PendingLoginFlow>().AnyAsync(f => f.PollTokenHash == unapproved.Token || f.LoginTokenHash == unapproved.LoginToken));
            }

            // Bad input: a missing token is named; an unknown one is simply not found.
            using var missing = await client.PostAsync("login/v2/poll", new FormUrlEncodedContent([]));
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Contains("token", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await PollAsync(client, expiring.Endpoint, new string('x', 64))).StatusCode);

            // Anonymous clients cannot pile up flows: the third waiting one from this address is the last.
            await StartAsync(client, "login/v2");
            await StartAsync(client, "login/v2");
            await StartAsync(client, "login/v2");
            using var refused = await client.PostAsync("index.php/login/v2", null);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        finally
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// <c>nextcloudcmd</c> uploads a new file of a local folder with <paramref name="appPassword"/>; the file is then
    /// read back over WebDAV with the same credentials.
    /// </summary>
    internal static async Task SyncWithNextcloudcmdAsync(OcmTestServer server, string userName, string appPassword)
    {
        Assert.True(File.Exists("/usr/bin/nextcloudcmd"), "nextcloudcmd is missing: run scripts/install-test-tools.sh (Debian package nextcloud-desktop-cmd).");
        var work = TempDirectory.Create("login-flow-sync");
        try
        {
            var folder = Path.Combine(work, "synced");
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "from-the-client.txt"), "signed in through the browser\n");
            var result = await Tool.RunAsync(
                "nextcloudcmd",
                ["--non-interactive", "-u", userName, "-p", appPassword, folder, server.BaseUri.AbsoluteUri.TrimEnd('/')],
                workingDirectory: work,
                environment: new Dictionary<string, string>
                {
                    ["HOME"] = work,
                    ["XDG_CONFIG_HOME"] = Path.Combine(work, ".config"),
                    ["XDG_DATA_HOME"] = Path.Combine(work, ".local"),
                },
                timeout: TimeSpan.FromMinutes(3));
            Assert.True(result.ExitCode == 0, result.All);

            using var dav = new HttpClient { BaseAddress = server.BaseUri };
            dav.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + appPassword)));
            Assert.Equal("signed in through the browser\n", await dav.GetStringAsync($"remote.php/dav/files/{userName}/from-the-client.txt"));
        }
        finally
        {
            TempDirectory.Delete(work);
        }
    }

    internal sealed record Started(string Token, string Endpoint, string Login)
    {
        public string LoginToken => Login[(Login.LastIndexOf('/') + 1)..];
    }

    internal static async Task<Started> StartAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(path, null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var poll = json.RootElement.GetProperty("poll");
        return new Started(poll.GetProperty("token").GetString()!, poll.GetProperty("endpoint").GetString()!, json.RootElement.GetProperty("login").GetString()!);
    }

    internal static Task<HttpResponseMessage> PollAsync(HttpClient client, string endpoint, string token) =>
        client.PostAsync(endpoint, new FormUrlEncodedContent([new("token", token)]));

    /// <summary>What the approval page's button does, for tests about the client side only.</summary>
    private static async Task<bool> ApproveAsync(OcmTestServer server, Started flow, string userName)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var id = await db.Set<User>().Where(u => u.Name == userName).Select(u => u.Id).SingleAsync();
        return await scope.ServiceProvider.GetRequiredService<LoginFlows>().ApproveAsync(flow.LoginToken, id, withMfa: false, CancellationToken.None);
    }
}
