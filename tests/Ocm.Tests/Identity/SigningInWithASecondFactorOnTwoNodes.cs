using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Identity.Mfa;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// Two nodes on one PostgreSQL database: the password is accepted by one node and the code by the other (the pending
/// sign-in is a sealed cookie, not memory of the first node), and a code accepted on one node is refused on the other.
/// </summary>
public sealed partial class SigningInWithASecondFactorOnTwoNodes
{
    [Fact]
    public async Task PasswordOnOneNode_CodeOnTheOther_AndACodeUsedOnOneIsRefusedOnTheOther()
    {
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var settings = UiPageExtensions.Settings(("Ocm:Database:Provider", "postgres"), ("Ocm:Database:ConnectionString", database.ConnectionString));
        await using var first = await OcmTestServer.StartAsync("127.0.0.89", settings);
        await using var second = await OcmTestServer.StartAsync("127.0.0.90", settings);
        var user = await UiUser.AddAsync(first, "nadia");

        byte[] key;
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var id = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().Where(u => u.Name == user.Name).Select(u => u.Id).SingleAsync();
            var twoFactor = scope.ServiceProvider.GetRequiredService<TwoFactor>();
            key = TotpInTheBrowser.FromBase32(await twoFactor.BeginEnrolmentAsync(id, CancellationToken.None) ?? throw new InvalidOperationException("already enrolled"));
            Assert.NotNull(await twoFactor.ConfirmEnrolmentAsync(id, Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow) - 1), CancellationToken.None));
        }

        var code = Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow) + 1);
        using (var browser = new Browser())
        {
            using var password = await browser.PasswordAsync(first, user);
            Assert.EndsWith("/ui/login/two-factor", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
            using var accepted = await browser.CodeAsync(second, code);
            Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
            Assert.EndsWith("/ui/files/", accepted.Headers.Location!.OriginalString, StringComparison.Ordinal);
            using var files = await browser.GetAsync(second, "ui/files/");
            Assert.Equal(HttpStatusCode.OK, files.StatusCode);
        }

        using (var browser = new Browser())
        {
            using var password = await browser.PasswordAsync(second, user);
            using var reused = await browser.CodeAsync(first, code);
            Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
            Assert.Contains("already used", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }


    /// <summary>One browser's cookies, sent to whichever node it asks (as behind a balancer without sticky sessions).</summary>
    private sealed partial class Browser : IDisposable
    {
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
        private readonly HttpClient _client = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });

        public async Task<HttpResponseMessage> GetAsync(OcmTestServer node, string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseUri, path));
            return await SendAsync(request);
        }

        public async Task<HttpResponseMessage> PasswordAsync(OcmTestServer node, UiUser user)
        {
            var token = await TokenAsync(node, "ui/login");
            return await PostAsync(node, "ui/login", [new("_csrf", token), new("user", user.Name), new("password", user.Password)]);
        }

        public async Task<HttpResponseMessage> CodeAsync(OcmTestServer node, string code)
        {
            var token = await TokenAsync(node, "ui/login/two-factor");
            return await PostAsync(node, "ui/login/two-factor", [new("_csrf", token), new("code", code)]);
        }

        public void Dispose() => _client.Dispose();

        private async Task<string> TokenAsync(OcmTestServer node, string path)
        {
            using var page = await GetAsync(node, path);
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path} on {node.BaseUri}: {(int)page.StatusCode} {html}");
            return TokenPattern().Match(html).Groups[1].Value;
        }

        private async Task<HttpResponseMessage> PostAsync(OcmTestServer node, string path, KeyValuePair<string, string>[] fields)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.BaseUri, path)) { Content = new FormUrlEncodedContent(fields) };
            return await SendAsync(request);
        }

        private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
            }

            var response = await _client.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var header in setCookies)
                {
                    var pair = header.Split(';')[0];
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    var (name, value) = (pair[..equals], pair[(equals + 1)..]);
                    if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                    {
                        _cookies.Remove(name);
                    }
                    else
                    {
                        _cookies[name] = value;
                    }
                }
            }

            return response;
        }

        [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
        private static partial Regex TokenPattern();
    }
}
