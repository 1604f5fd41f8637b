using System.Net;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Ui;

/// <summary>
/// The share form over plain HTTP on one server (127.0.8.20): what a user types that cannot become a share is
/// explained next to the form, in words, with everything typed still there — never a 500.
/// </summary>
public sealed class SharePageOverHttp(SharePageOverHttp.ServerFixture fixture) : IClassFixture<SharePageOverHttp.ServerFixture>
{
    [Theory]
    [InlineData("9999-12-31", "The expiry date must be before 9999-12-31.")] // the day after has no DateTime: was a 500
    [InlineData("2020-01-01", "The expiry date must be today or later.")]
    [InlineData("31/12/2030", "The expiry date is not a date (YYYY-MM-DD).")]
    public async Task AnExpiryThatIsNoUsableDate_IsExplainedNextToTheForm_WhichKeepsWhatWasTyped(string expires, string reason)
    {
        var (session, api) = await SignedInWithAFileAsync();
        using (session)
        using (api)
        {
            using var response = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", "bob@127.0.8.21:9"), ("write", "1"), ("expires", expires));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal(reason, ShareError(html));
            Assert.Contains("value=\"bob@127.0.8.21:9\"", html, StringComparison.Ordinal);
            Assert.Matches("id=\"perm-write\"[^>]* checked", html);
            Assert.Matches($"id=\"expires\"[^>]* value=\"{Regex.Escape(WebUtility.HtmlEncode(expires))}\" aria-invalid=\"true\"", html);
            Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
        }
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("bob@")]
    [InlineData("@127.0.8.21:9")]
    public async Task AnAddressThatIsNoOcmAddress_IsExplainedInWords_AndKept(string address)
    {
        var (session, api) = await SignedInWithAFileAsync();
        using (session)
        using (api)
        {
            using var response = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", address), ("reshare", "1"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            var error = ShareError(html);
            Assert.DoesNotContain("shareWith", error, StringComparison.Ordinal);
            Assert.Matches("id=\"share-with\"[^>]* aria-describedby=\"share-with-help share-error\" aria-invalid=\"true\" value=\"" + Regex.Escape(WebUtility.HtmlEncode(address)) + "\"", html);
            Assert.Matches("id=\"perm-share\"[^>]* checked", html);
            Assert.Contains("The recipient's address", html, StringComparison.Ordinal);
            Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
        }
    }

    [Theory]
    [InlineData("'shareWith' must be an OCM address like bob@cloud.example.org: no '@'.", "The recipient's address must be an OCM address like bob@cloud.example.org: no '@'.")]
    [InlineData("Give 'path' and 'shareWith'.", "Give the file or folder and the recipient's address.")]
    [InlineData("'expiration' must be in the future.", "The expiry date must be in the future.")]
    [InlineData("bob@host is a user of this server.", "bob@host is a user of this server.")]
    public void MessagesOfTheSharesApi_NameFieldsInWords(string message, string shown) =>
        Assert.Equal(shown, Ocm.Ui.SharePages.InWords(message));

    private async Task<(UiHttpSession Session, HttpClient Api)> SignedInWithAFileAsync()
    {
        var user = await UiUser.AddAsync(fixture.Server, "u" + Guid.NewGuid().ToString("N")[..10]);
        var session = await UiHttpSession.SignInAsync(user);
        var api = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        api.DefaultRequestHeaders.Authorization = new("Basic", TestUsers.BasicHeader(user.Name, user.Password)["Basic ".Length..]);
        await api.PutFileAsync(user.Name, "report.txt", "numbers");
        return (session, api);
    }

    /// <summary>The text of the error shown next to the share form.</summary>
    private static string ShareError(string html)
    {
        var match = Regex.Match(html, "<p class=\"flash error\" role=\"alert\" id=\"share-error\">([^<]*)</p>");
        Assert.True(match.Success, html);
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>One server for the class; each test makes its own user.</summary>
    public sealed class ServerFixture : IAsyncLifetime
    {
        internal OcmTestServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await OcmTestServer.StartAsync("127.0.8.20", UiPageExtensions.Settings());

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
