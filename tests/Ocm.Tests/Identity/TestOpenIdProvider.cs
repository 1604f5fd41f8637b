using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// npm <c>oidc-provider</c> (a certified OpenID Provider) on a loopback port of its own, started and stopped through
/// <c>scripts/oidc-provider.sh</c>, with the client <c>ocm-test</c> registered for one Ocm server's base URL. Accounts:
/// the login name is the subject, and <c>NAME/USERNAME/GROUP,GROUP</c> sets the user name and groups
/// (scripts/oidc-provider.mjs, or <see cref="SetClaimsAsync"/>); logins starting with <c>guest</c> lack the entitlement.
/// </summary>
internal sealed class TestOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "ocm-test";
    public const string ClientSecret = "ocm-test-secret";
    public const string Entitlement = "urn:mace:example.org:ocm";

    private TestOpenIdProvider(int port) => Port = port;

    public int Port { get; }

    public string Issuer => $"http://127.0.0.1:{Port}";

    /// <summary>Starts the provider with the client registered for each of the Ocm servers at <paramref name="relyingParties"/>.</summary>
    public static async Task<TestOpenIdProvider> StartAsync(params Uri[] relyingParties)
    {
        var provider = new TestOpenIdProvider(OcmProcess.FreePort("127.0.0.1"));
        await RunAsync(["start", provider.Port.ToString(CultureInfo.InvariantCulture), .. relyingParties.Select(r => r.AbsoluteUri.TrimEnd('/'))]);
        return provider;
    }

    /// <summary>The settings of an Ocm server signing in with this provider (and requiring the entitlement).</summary>
    public Dictionary<string, string?> ServerSettings(string urls, params (string Key, string? Value)[] extra)
    {
        var settings = UiPageExtensions.Settings(
            ("Ocm:Urls", urls),
            ("Ocm:Identity:Oidc:Authority", Issuer),
            ("Ocm:Identity:Oidc:ClientId", ClientId),
            ("Ocm:Identity:Oidc:ClientSecret", ClientSecret),
            ("Ocm:Identity:Oidc:RequireHttpsMetadata", "false"),
            ("Ocm:Identity:Oidc:DisplayName", "Example University"),
            ("Ocm:Identity:Oidc:Scopes:0", "profile"),
            ("Ocm:Identity:Oidc:Scopes:1", "email"),
            ("Ocm:Identity:Oidc:Scopes:2", "groups"),
            ("Ocm:Identity:Oidc:Scopes:3", "entitlements"),
            ("Ocm:Identity:Oidc:RequiredClaim", "eduperson_entitlement=" + Entitlement));
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Changes what the provider says about <paramref name="login"/> from its next sign-in on (a rename, new groups).</summary>
    public async Task SetClaimsAsync(string login, Dictionary<string, object> claims)
    {
        var file = $"/tmp/ocm-oidc-provider-{Port}/accounts.json";
        var all = File.Exists(file)
            ? System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, object>>>(await File.ReadAllTextAsync(file))!
            : [];
        all[login] = claims;
        await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(all));
    }

    /// <summary>
    /// Fills the provider's login form on <paramref name="page"/> (any password; the login name picks the account),
    /// submits it, and returns the answer of <paramref name="server"/>'s callback.
    /// </summary>
    public static async Task<IResponse?> SignInAsync(IPage page, OcmTestServer server, string login)
    {
        await page.WaitForSelectorAsync("input[name=login]");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any");
        var callback = server.BaseUri.AbsoluteUri + "signin-oidc";
        var response = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("button[type=submit]"),
            r => r.Url.StartsWith(callback, StringComparison.Ordinal));
        await page.WaitForLoadedAsync();
        return response;
    }

    public async ValueTask DisposeAsync() => await RunAsync("stop", Port.ToString(CultureInfo.InvariantCulture));

    private static async Task RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(OcmProcess.RepositoryRoot, "scripts", "oidc-provider.sh"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/oidc-provider.sh {string.Join(' ', arguments)} failed: {await stdout}{await stderr}");
    }
}
