using System.Net;
using System.Text.RegularExpressions;

namespace Ocm.Tests.Ui;

/// <summary>A browser-like HTTP client for the web interface: a cookie jar, no automatic redirects, form posts with the page's token.</summary>
internal sealed partial class UiHttpSession : IDisposable
{
    private UiHttpSession(UiUser user)
    {
        User = user;
        Handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true };
        Client = new HttpClient(Handler) { BaseAddress = user.Server.BaseUri };
    }

    public UiUser User { get; }

    public CookieContainer Cookies { get; } = new();

    public HttpClientHandler Handler { get; }

    public HttpClient Client { get; }

    /// <summary>Signs in through the form, as a browser does; fails the test unless it worked.</summary>
    public static async Task<UiHttpSession> SignInAsync(UiUser user, bool remember = false)
    {
        var session = new UiHttpSession(user);
        using var response = await session.SubmitLoginAsync(user.Name, user.Password, remember);
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"sign-in of {user.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return session;
    }

    /// <summary>A visitor who has not signed in.</summary>
    public static UiHttpSession Anonymous(UiUser user) => new(user);

    public async Task<HttpResponseMessage> SubmitLoginAsync(string name, string password, bool remember = false, string? returnUrl = null)
    {
        var token = await TokenAsync("ui/login");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("_csrf", token), new("user", name), new("password", password),
        };
        if (remember)
        {
            fields.Add(new("remember", "on"));
        }

        if (returnUrl is not null)
        {
            fields.Add(new("returnUrl", returnUrl));
        }

        return await Client.PostAsync("ui/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>The anti-forgery token of the forms on <paramref name="page"/>.</summary>
    public async Task<string> TokenAsync(string page = "ui/files/")
    {
        var html = await Client.GetStringAsync(page);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"no form token on {page}");
        return match.Groups[1].Value;
    }

    public async Task<HttpResponseMessage> PostFormAsync(string url, params (string Name, string Value)[] fields)
    {
        var token = await TokenAsync();
        var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Prepend(new("_csrf", token)));
        return await Client.PostAsync(url, content);
    }

    public Task<string> GetPageAsync(string url) => Client.GetStringAsync(url);

    public void Dispose()
    {
        Client.Dispose();
        Handler.Dispose();
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
