using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Identity.Groups;
using Ocm.Identity.Mfa;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// An admin requires two-factor authentication of a group, with <c>ocm mfa require --group</c> or with
/// <c>Ocm:Identity:Mfa:RequiredGroups</c>: at sign-in a member without TOTP is sent to enrolment (and, once enrolled
/// with a code the test computes, asked for a code next time); a non-member signs in as before.
/// </summary>
public sealed class RequiringASecondFactorForAGroup(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task GroupRequiredByTheAdminCommand_MemberIsSentToEnrolment_NonMemberIsNot()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.17.10", UiPageExtensions.Settings());
        var member = await UiUser.AddAsync(server, "mira");
        var other = await UiUser.AddAsync(server, "nils");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var groups = scope.ServiceProvider.GetRequiredService<GroupDirectory>();
            await groups.AddAsync("lab", "Secure lab", CancellationToken.None);
            await groups.AddMemberAsync("lab", member.Name, CancellationToken.None);
        }

        var required = await OcmProcess.RunAsync(["mfa", "require", "--group", "lab", "--data-dir", server.DataDir]);
        Assert.True(required.ExitCode == 0, required.StdOut + required.StdErr);
        Assert.Contains("Members of group 'lab' must now use two-factor authentication", required.StdOut, StringComparison.Ordinal);
        var unknown = await OcmProcess.RunAsync(["mfa", "require", "--group", "nosuch", "--data-dir", server.DataDir]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no group named 'nosuch'", unknown.StdErr, StringComparison.Ordinal);

        // The member: straight to enrolment, and nowhere else until enrolled.
        var page = await browser.NewPageAsync(server);
        await TotpInTheBrowser.PasswordAsync(page, member);
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));
        Assert.Contains("requires two-factor", await page.FlashAsync(), StringComparison.Ordinal);
        await page.GotoAsync("ui/files/");
        Assert.Contains("/ui/account/two-factor", page.Url, StringComparison.Ordinal);
        var key = await TotpInTheBrowser.EnrolAsync(page);
        await page.GotoAsync("ui/files/");
        Assert.Contains("/ui/files/", page.Url, StringComparison.Ordinal);

        // Next time the member is asked for a code, computed here as an authenticator app would.
        await TotpInTheBrowser.SignOutAsync(page);
        await TotpInTheBrowser.PasswordAsync(page, member);
        await TotpInTheBrowser.EnterCodeAsync(page, Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow) + 1));
        await page.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));

        // The non-member signs in without any of it.
        var free = await browser.NewPageAsync(server);
        await free.SignInAsync(other);
        Assert.Contains("/ui/files/", free.Url, StringComparison.Ordinal);

        // Unrequiring the group frees its members too (a new member would not be asked).
        var unrequired = await OcmProcess.RunAsync(["mfa", "unrequire", "--group", "lab", "--data-dir", server.DataDir]);
        Assert.True(unrequired.ExitCode == 0, unrequired.StdOut + unrequired.StdErr);
    }

    [Fact]
    public async Task GroupNamedInConfiguration_MemberIsSentToEnrolment_NonMemberIsNot()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.17.11", UiPageExtensions.Settings(("Ocm:Identity:Mfa:RequiredGroups:0", "Finance")));
        var member = await UiUser.AddAsync(server, "fiona");
        var other = await UiUser.AddAsync(server, "gus");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var groups = scope.ServiceProvider.GetRequiredService<GroupDirectory>();
            await groups.AddAsync("finance", null, CancellationToken.None);
            await groups.AddMemberAsync("finance", member.Name, CancellationToken.None);
        }

        var page = await browser.NewPageAsync(server);
        await TotpInTheBrowser.PasswordAsync(page, member);
        await page.WaitForPageAsync(url => url.Contains("/ui/account/two-factor", StringComparison.Ordinal));

        var free = await browser.NewPageAsync(server);
        await free.SignInAsync(other);
        Assert.Contains("/ui/files/", free.Url, StringComparison.Ordinal);
    }
}

/// <summary>What a user does in the browser with an authenticator app, the codes computed by the test (RFC 6238).</summary>
internal static class TotpInTheBrowser
{
    public static async Task PasswordAsync(IPage page, UiUser user)
    {
        await page.GotoAsync("ui/login");
        await page.FillAsync("#user", user.Name);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#sign-in");
        await page.WaitForLoadedAsync();
    }

    /// <summary>On the enrolment page: starts enrolment, reads the secret, confirms with a first code; returns the key.</summary>
    public static async Task<byte[]> EnrolAsync(IPage page)
    {
        if (!page.Url.Contains("/ui/account/two-factor", StringComparison.Ordinal))
        {
            await page.GotoAsync("ui/account/two-factor");
        }

        await page.ClickAsync("#start-two-factor");
        var key = FromBase32(await page.InnerTextAsync("#totp-secret"));
        await page.FillAsync("#enrol-code", Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow)));
        await page.ClickAsync("#confirm-two-factor");
        await page.WaitForSelectorAsync("#recovery-codes");
        return key;
    }

    public static async Task EnterCodeAsync(IPage page, string code)
    {
        await page.WaitForSelectorAsync("#code");
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify-code");
        await page.WaitForLoadedAsync();
    }

    public static async Task SignOutAsync(IPage page)
    {
        await page.ClickAsync("#logout");
        await page.WaitForPageAsync(url => url.Contains("/ui/login", StringComparison.Ordinal));
    }

    /// <summary>The secret as typed into an app by hand: Base32 (RFC 4648 §6), in groups.</summary>
    public static byte[] FromBase32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.Where(c => !char.IsWhiteSpace(c)))
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
