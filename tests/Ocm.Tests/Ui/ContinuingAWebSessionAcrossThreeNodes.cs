using System.Net;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// Three nodes, each with its own empty data directory, behind haproxy (round-robin, no sticky sessions): a browser
/// signs in through the balancer, and its page loads and a form post, landing on the three nodes in turn, all find
/// the session; each node, asked directly with the same cookie, knows it too.
/// </summary>
public sealed partial class ContinuingAWebSessionAcrossThreeNodes
{
    private const string Password = "session-cluster-pw";

    [Fact]
    public async Task SignedInThroughTheBalancer_PageLoadsAndAFormPostOnEveryNode_KeepTheSession()
    {
        await using var cluster = await OcmCluster.StartAsync(3, "127.0.12", new ClusterSettings
        {
            BehindHaproxy = true,
            AdminUser = ("erin", Password),
            // Every request is logged, so the test sees which node served it.
            Environment = new Dictionary<string, string> { ["OCM_LOGGING__LOGLEVEL__MICROSOFT.ASPNETCORE.HOSTING.DIAGNOSTICS"] = "Information" },
        });
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = cluster.BaseUri };

        var loginToken = Token(await browser.GetStringAsync("ui/login"));
        using (var login = await browser.PostAsync("ui/login", new FormUrlEncodedContent([new("_csrf", loginToken), new("user", "erin"), new("password", Password)])))
        {
            Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        }

        // Six page loads through the balancer: each one is the signed-in files page, and together they reach all three nodes.
        var marks = cluster.Nodes.Select(n => n.Output.Length).ToList();
        string? formToken = null;
        for (var i = 0; i < 6; i++)
        {
            using var page = await browser.GetAsync("ui/files/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            formToken = Token(await page.Content.ReadAsStringAsync());
        }

        var served = cluster.Nodes.Select((n, i) => PageLoads(n.Output[marks[i]..])).ToList();
        Assert.All(served, count => Assert.True(count > 0, $"page loads per node: {string.Join(", ", served)}"));

        // A form post through the balancer, three times so that one lands on each node, with the token one page carried.
        marks = cluster.Nodes.Select(n => n.Output.Length).ToList();
        for (var i = 0; i < 3; i++)
        {
            using var created = await browser.PostAsync("ui/mkdir", new FormUrlEncodedContent([new("_csrf", formToken!), new("dir", "/"), new("name", $"Folder {i}")]));
            Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        }

        Assert.All(cluster.Nodes.Select((n, i) => n.Output[marks[i]..]), log => Assert.Contains("POST http://", log, StringComparison.Ordinal));

        // Each node, asked directly with the cookie the balancer's address got, shows the session's folders.
        var cookieHeader = cookies.GetCookieHeader(cluster.BaseUri);
        Assert.False(string.IsNullOrEmpty(cookieHeader));
        foreach (var node in cluster.Nodes)
        {
            using var direct = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = node.BaseUri };
            using var request = new HttpRequestMessage(HttpMethod.Get, "ui/files/");
            request.Headers.Add("Cookie", cookieHeader);
            using var page = await direct.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("Folder 0", html, StringComparison.Ordinal);
            Assert.Contains("Folder 2", html, StringComparison.Ordinal);
        }

        // Signed out, the page sends to the sign-in form again.
        using var anonymous = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = cluster.BaseUri };
        using var signedOut = await anonymous.GetAsync("ui/files/");
        Assert.NotEqual(HttpStatusCode.OK, signedOut.StatusCode);
    }

    private static int PageLoads(string log) => FilesPage().Count(log);

    private static string Token(string html)
    {
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, "no form token on the page");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("Request starting HTTP/[0-9.]+ GET http://[^ ]+/ui/files/")]
    private static partial Regex FilesPage();

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
