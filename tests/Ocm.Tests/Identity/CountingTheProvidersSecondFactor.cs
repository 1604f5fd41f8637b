using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// Two Ocm servers that require two-factor authentication of everyone sign in with one OpenID Provider (npm
/// oidc-provider) whose ID tokens say how the user authenticated (<c>amr</c>, RFC 8176). Where
/// <c>Ocm:Identity:Oidc:MfaAmrValues</c> lists <c>otp</c>, a provider sign-in with <c>amr: [pwd, otp]</c> is a
/// two-factor sign-in: no TOTP is asked and an app password made in it counts as two-factor; one with only a password
/// is sent to TOTP enrolment. Where nothing is configured (the default), the provider's amr does not count.
/// </summary>
public sealed class CountingTheProvidersSecondFactor(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AmrWithOtp_CountsWhereConfigured_TotpAskedOtherwise()
    {
        var counting = new Uri($"http://127.0.17.12:{OcmProcess.FreePort("127.0.17.12")}/");
        var ignoring = new Uri($"http://127.0.17.13:{OcmProcess.FreePort("127.0.17.13")}/");
        await using var provider = await TestOpenIdProvider.StartAsync(counting, ignoring);
        await using var countingServer = await OcmTestServer.StartAsync("127.0.17.12", provider.ServerSettings(
            counting.AbsoluteUri.TrimEnd('/'),
            ("Ocm:Identity:Mfa:Required", "all"),
            ("Ocm:Identity:Oidc:MfaAmrValues:0", "otp"),
            ("Ocm:Identity:Oidc:MfaAmrValues:1", "hwk")));
        await using var ignoringServer = await OcmTestServer.StartAsync("127.0.17.13", provider.ServerSettings(
            ignoring.AbsoluteUri.TrimEnd('/'),
            ("Ocm:Identity:Mfa:Required", "all")));
        await provider.SetClaimsAsync("m-anna", new() { ["amr"] = new[] { "pwd", "otp" } });
        await provider.SetClaimsAsync("m-ben", new() { ["amr"] = new[] { "pwd" } });

        // anna's provider asked for a one-time password: her files open at once, no TOTP here.
        var anna = await browser.NewPageAsync(countingServer);
        await SignInWithProviderAsync(anna, countingServer, "m-anna");
        await anna.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));

        // The session counts as two-factor: an app password created in it is marked so.
        await anna.GotoAsync("ui/account");
        await anna.FillAsync("#app-label", "laptop");
        await anna.ClickAsync("#create-app-password");
        await anna.WaitForSelectorAsync("#app-password-value");
        Assert.Equal("yes", (await anna.InnerTextAsync("#app-passwords tr[data-label=laptop] .two-factor")).Trim());

        // ben's provider asked for a password only: sent to TOTP enrolment, as after a local password.
        var ben = await browser.NewPageAsync(countingServer);
        await SignInWithProviderAsync(ben, countingServer, "m-ben");
        await ben.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));
        Assert.Contains("requires two-factor", await ben.FlashAsync(), StringComparison.Ordinal);

        // Where the provider's amr is not configured to count, anna too must set up TOTP.
        var annaElsewhere = await browser.NewPageAsync(ignoringServer);
        await SignInWithProviderAsync(annaElsewhere, ignoringServer, "m-anna");
        await annaElsewhere.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));

        // Once enrolled there, her next provider sign-in asks for the code (computed here) before the session starts.
        var key = await TotpInTheBrowser.EnrolAsync(annaElsewhere);
        var again = await browser.NewPageAsync(ignoringServer);
        await SignInWithProviderAsync(again, ignoringServer, "m-anna");
        await TotpInTheBrowser.EnterCodeAsync(again, Ocm.Identity.Mfa.Totp.Code(key, Ocm.Identity.Mfa.Totp.StepAt(DateTimeOffset.UtcNow) + 1));
        await again.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));

        // The session that began with the provider kept its ID token through the code step: signing out also signs
        // out at the provider (RP-initiated logout), which asks to confirm and sends her back.
        await again.ClickAsync("#logout");
        await again.WaitForPageAsync(url => url.StartsWith(provider.Issuer, StringComparison.Ordinal));
        await again.ClickAsync("button[name=logout]");
        await again.WaitForPageAsync(url => url.Contains("/ui/login", StringComparison.Ordinal));
    }

    private static async Task SignInWithProviderAsync(IPage page, OcmTestServer server, string login)
    {
        await page.GotoAsync("ui/login");
        await page.ClickAsync("#sign-in-oidc");
        await page.WaitForSelectorAsync("input[name=login]");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any");
        var callback = server.BaseUri.AbsoluteUri + "signin-oidc";
        await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button[type=submit]"), r => r.Url.StartsWith(callback, StringComparison.Ordinal));
        await page.WaitForLoadedAsync();
    }
}
