using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Identity.Mfa;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// TOTP in the browser, with codes computed by the test as an authenticator app would (RFC 6238): enrolment on the
/// account page (QR code, secret, first code, recovery codes shown once), then signing in asks for a code after the
/// password; wrong and reused codes are refused, a recovery code works once. Enforcement for everyone and for one
/// user sends a user without TOTP to enrolment and nowhere else, while app passwords keep working.
/// </summary>
public sealed class SigningInWithASecondFactor(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task EnrolOnTheAccountPage_ThenSignInNeedsACode_WrongAndReusedCodesRefused_RecoveryCodeOnce()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.86", UiPageExtensions.Settings());
        var user = await UiUser.AddAsync(server, "tessa");
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(user);

        // Enrolment: the account page leads to it; the secret comes as a QR code and as text.
        await page.GotoAsync("ui/account");
        Assert.Contains("off", await page.InnerTextAsync("#two-factor-state"), StringComparison.Ordinal);
        await page.ClickAsync("#two-factor-settings");
        await page.ClickAsync("#start-two-factor");
        await page.WaitForSelectorAsync("#totp-qr");
        Assert.StartsWith("data:image/png;base64,", await page.GetAttributeAsync("#totp-qr", "src"), StringComparison.Ordinal);
        var key = TotpInTheBrowser.FromBase32(await page.InnerTextAsync("#totp-secret"));
        Assert.Equal(20, key.Length);
        await Screenshots.Create().CaptureAsync(page, "two-factor-enrolment");

        // A wrong first code does not turn it on; the right one does and shows the recovery codes once.
        await page.FillAsync("#enrol-code", WrongCode(key));
        await page.ClickAsync("#confirm-two-factor");
        Assert.Contains("does not match", await page.InnerTextAsync("#enrol-error"), StringComparison.Ordinal);
        await page.FillAsync("#enrol-code", Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow)));
        await page.ClickAsync("#confirm-two-factor");
        var recoveryCodes = await page.Locator("#recovery-codes code").AllInnerTextsAsync();
        Assert.Equal(10, recoveryCodes.Count);
        Assert.Equal(10, recoveryCodes.Distinct().Count());
        await page.GotoAsync("ui/account/two-factor");
        Assert.Equal(0, await page.Locator("#recovery-codes").CountAsync());
        Assert.Equal("10", await page.InnerTextAsync("#recovery-codes-left"));

        // Signing in now asks for a code after the password: a wrong one is refused.
        await SignOutAsync(page);
        await PasswordAsync(page, user);
        await EnterCodeAsync(page, WrongCode(key));
        Assert.Contains("Wrong code", await page.InnerTextAsync("#code-error"), StringComparison.Ordinal);

        // The next step's code is accepted (one step of clock drift), once.
        var code = Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow) + 1);
        await EnterCodeAsync(page, code);
        await page.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));
        await SignOutAsync(page);
        await PasswordAsync(page, user);
        await EnterCodeAsync(page, code);
        Assert.Contains("already used", await page.InnerTextAsync("#code-error"), StringComparison.Ordinal);

        // A recovery code instead of a code: signs in once, then it is used up.
        await EnterCodeAsync(page, recoveryCodes[0]);
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));
        Assert.Contains("recovery code", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal("9", await page.InnerTextAsync("#recovery-codes-left"));
        await SignOutAsync(page);
        await PasswordAsync(page, user);
        await EnterCodeAsync(page, recoveryCodes[0]);
        Assert.Contains("Wrong code", await page.InnerTextAsync("#code-error"), StringComparison.Ordinal);
        await EnterCodeAsync(page, recoveryCodes[1].ToUpperInvariant().Replace("-", " ", StringComparison.Ordinal));
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));
        Assert.Equal("8", await page.InnerTextAsync("#recovery-codes-left"));

        // The code step cannot be skipped: without the password step there is nothing to continue.
        var fresh = await browser.NewPageAsync(server);
        await fresh.GotoAsync("ui/login/two-factor");
        await fresh.WaitForPageAsync(url => url.EndsWith("/ui/login", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequiredForEveryone_UserWithoutTotpIsSentToEnrolment_UntilEnrolled_AppPasswordsUnaffected()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.87", UiPageExtensions.Settings(("Ocm:Identity:Mfa:Required", "all")));
        var user = await UiUser.AddAsync(server, "uwe");
        string appPassword;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            (_, appPassword) = await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAppPasswordAsync(user.Name, "laptop", CancellationToken.None);
        }

        var page = await browser.NewPageAsync(server);
        await PasswordAsync(page, user);
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));
        Assert.Contains("requires two-factor", await page.FlashAsync(), StringComparison.Ordinal);

        // No other page until enrolled.
        foreach (var path in (string[])["ui/files/", "ui/account", "ui/contacts"])
        {
            await page.GotoAsync(path);
            Assert.Contains("/ui/account/two-factor", page.Url, StringComparison.Ordinal);
        }

        // Sync clients and WebDAV with an app password are not affected.
        using (var dav = new HttpClient { BaseAddress = server.BaseUri })
        {
            dav.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user.Name + ":" + appPassword)));
            using var propfind = await dav.SendAsync(new HttpRequestMessage(new HttpMethod("PROPFIND"), $"remote.php/dav/files/{user.Name}/") { Headers = { { "Depth", "0" } } });
            Assert.Equal(HttpStatusCode.MultiStatus, propfind.StatusCode);
        }

        // Enrolling opens the interface, in this very session.
        await page.ClickAsync("#start-two-factor");
        var key = TotpInTheBrowser.FromBase32(await page.InnerTextAsync("#totp-secret"));
        await page.FillAsync("#enrol-code", Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow)));
        await page.ClickAsync("#confirm-two-factor");
        await page.WaitForSelectorAsync("#recovery-codes");
        Assert.Equal(0, await page.Locator("#disable-form").CountAsync()); // required: it cannot be turned off
        await page.GotoAsync("ui/files/");
        Assert.Contains("/ui/files/", page.Url, StringComparison.Ordinal);

        // The next sign-in asks for the code.
        await SignOutAsync(page);
        await PasswordAsync(page, user);
        await page.WaitForPageAsync(url => url.Contains("/ui/login/two-factor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequiredOfOneUserByTheAdminCommand_OnlyThatUserIsSentToEnrolment()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.88", UiPageExtensions.Settings());
        var required = await UiUser.AddAsync(server, "rita");
        var free = await UiUser.AddAsync(server, "fred");

        var command = await OcmProcess.RunAsync(["mfa", "require", required.Name, "--data-dir", server.DataDir]);
        Assert.True(command.ExitCode == 0, command.StdOut + command.StdErr);
        var unknown = await OcmProcess.RunAsync(["mfa", "require", "nobody", "--data-dir", server.DataDir]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no user named 'nobody'", unknown.StdErr, StringComparison.Ordinal);

        var page = await browser.NewPageAsync(server);
        await PasswordAsync(page, required);
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));

        var other = await browser.NewPageAsync(server);
        await other.SignInAsync(free);
    }

    private static async Task PasswordAsync(IPage page, UiUser user)
    {
        await page.GotoAsync("ui/login");
        await page.FillAsync("#user", user.Name);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForLoadedAsync();
    }

    private static async Task EnterCodeAsync(IPage page, string code)
    {
        await page.WaitForSelectorAsync("#code");
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify-code");
        await page.WaitForLoadedAsync();
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.ClickAsync("#logout");
        await page.WaitForPageAsync(url => url.Contains("/ui/login", StringComparison.Ordinal));
    }

    /// <summary>A six-digit code that is none of the three an app could show now.</summary>
    private static string WrongCode(byte[] key)
    {
        var step = Totp.StepAt(DateTimeOffset.UtcNow);
        var valid = new[] { step - 1, step, step + 1, step + 2 }.Select(s => Totp.Code(key, s)).ToHashSet();
        return Enumerable.Range(0, 10).Select(i => new string((char)('0' + i), 6)).First(c => !valid.Contains(c));
    }
}
