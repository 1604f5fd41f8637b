using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.Ui;

/// <summary>
/// Debian's headless Chromium (<c>/usr/bin/chromium</c>, installed by <c>scripts/install-test-tools.sh</c>) driven by
/// Playwright, whose driver ships inside the NuGet package: nothing is downloaded. One browser per test class.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: run scripts/install-test-tools.sh (apt-get install chromium).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh browser profile (own cookies) on <paramref name="server"/>, desktop-sized.</summary>
    internal async Task<IPage> NewPageAsync(OcmTestServer server, int width = Screenshots.DesktopWidth, int height = Screenshots.DesktopHeight)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseUri.AbsoluteUri,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        // Generous: on a two-core CI machine a dozen browser tests, their servers and identity providers run at once,
        // and a sign-in (a deliberately slow password hash) can wait long for a core; a test that really hangs still fails.
        context.SetDefaultTimeout(90_000);
        return await context.NewPageAsync();
    }
}

/// <summary>A user of a test server with a password the browser can type.</summary>
internal sealed record UiUser(string Name, string Password, OcmTestServer Server)
{
    public string Address => Name + "@" + Server.Authority;

    /// <summary>An HTTP client for the JSON API and WebDAV, signed in as this user (Basic).</summary>
    public HttpClient ApiClient()
    {
        var client = new HttpClient { BaseAddress = Server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Name + ":" + Password)));
        return client;
    }

    public static async Task<UiUser> AddAsync(OcmTestServer server, string name, string? displayName = null, bool admin = false, long? quotaBytes = null)
    {
        var password = "pw-" + name + "-" + Guid.NewGuid().ToString("N")[..10];
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserAccounts>()
            .AddAsync(new NewUser(name, password, displayName, QuotaBytes: quotaBytes, IsAdmin: admin), CancellationToken.None);
        return new UiUser(name, password, server);
    }
}

internal static class UiPageExtensions
{
    /// <summary>Settings every browser test server uses: quick deliveries, no generated first admin.</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ocm:Users:CreateAdminOnFirstStart"] = "false",
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            ["Ocm:Delivery:MaxRetrySeconds"] = "1",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task SignInAsync(this IPage page, UiUser user, bool remember = false)
    {
        await page.GotoAsync("ui/login");
        await page.FillAsync("#user", user.Name);
        await page.FillAsync("#password", user.Password);
        if (remember)
        {
            await page.CheckAsync("#remember");
        }

        await page.ClickAsync("#sign-in");
        await page.WaitForPageAsync(url => url.Contains("/ui/files/", StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until the page's address satisfies <paramref name="url"/> and that document has loaded. It asks the
    /// browser (the address, then <c>document.readyState</c>) instead of waiting for Playwright's navigation and load
    /// events: the client's event waits can miss an event that arrives while they subscribe and then hang until the
    /// timeout although the page is there (seen on a loaded CI machine).
    /// </summary>
    public static async Task WaitForPageAsync(this IPage page, Func<string, bool> url, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!url(page.Url))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {seconds} s waiting for another page; the browser is still on {page.Url}.");
            }

            await Task.Delay(50);
        }

        await page.WaitForLoadedAsync();
    }

    /// <summary>Waits until the current document has loaded (images and styles included), asking the browser.</summary>
    public static Task WaitForLoadedAsync(this IPage page) =>
        page.WaitForFunctionAsync("() => document.readyState === 'complete'");

    /// <summary>Reloads until <paramref name="condition"/> holds: what arrives from the other server comes asynchronously.</summary>
    public static async Task ReloadUntilAsync(this IPage page, Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what} on {page.Url}: {await page.InnerTextAsync("main")}");
            }

            await Task.Delay(250);
            await page.ReloadAsync();
        }
    }

    /// <summary>Accepts every confirm() the page shows (revoke, leave…).</summary>
    public static void AcceptDialogs(this IPage page) => page.Dialog += async (_, dialog) => await dialog.AcceptAsync();

    public static Task<string> FlashAsync(this IPage page) => page.InnerTextAsync("#flash");
}
