using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Tokens;

namespace Ocm.Tests.Shares;

/// <summary>
/// alice on our server shares files with bob on a 1.4 receiver that advertises <c>webapp-receive: {targets: ["blank"]}</c>.
/// Files our viewer opens carry a <c>protocol.webapp</c> (OCM §Share Creation Notification › webapp) pointing at our
/// viewer; bob's browser, given a token his server exchanged, views the file there, edits it when the share allows
/// writing, and alice finds his text in her file. The raw secret opens nothing, a read-only share saves nothing.
/// </summary>
public sealed partial class OfferingFilesAsWebApps(OfferingFilesAsWebApps.Servers servers) : IClassFixture<OfferingFilesAsWebApps.Servers>
{
    public sealed class Servers : IAsyncLifetime
    {
        internal OcmTestServer A { get; private set; } = null!;

        internal HttpClient Alice { get; private set; } = null!;

        internal ReceivingPeer Bob { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Bob = await ReceivingPeer.StartAsync("127.0.33.21", discovery: d =>
                d["resourceTypes"]![0]!["protocols"]!["webapp-receive"] = new JsonObject { ["targets"] = new JsonArray("blank") });
            A = await OcmTestServer.StartAsync("127.0.33.20", new Dictionary<string, string?> { ["Ocm:Delivery:PollSeconds"] = "0.1" });
            Alice = await A.CreateUserAsync("alice");
            await Alice.PutFileAsync("alice", "readme.md", "# Hello\n\nfrom alice\n");
            await Alice.PutFileAsync("alice", "fixed.md", "# Read only\n");
            await Alice.PutFileAsync("alice", "archive.zip", "PK not viewable");
        }

        public async Task DisposeAsync()
        {
            Alice.Dispose();
            await A.DisposeAsync();
            await Bob.DisposeAsync();
        }
    }

    private OcmTestServer A => servers.A;

    private ReceivingPeer Bob => servers.Bob;

    private async Task<JsonElement> ShareAsync(string name, params string[] permissions)
    {
        await servers.Alice.PostJsonAsync("api/v1/shares", new { path = "/" + name, shareWith = $"bob@{Bob.Authority}", permissions }, 201);
        return await Bob.ShareAsync(name);
    }

    private async Task<string> ExchangeAsync(string secret)
    {
        var message = Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret)));
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, message.TargetUri) { Content = new ByteArrayContent(message.Body?.ToArray() ?? []) };
        foreach (var (name, value) in message.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>bob's browser: a cookie jar, following redirects.</summary>
    private static HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true });

    private static async Task<(HttpStatusCode Status, string Html)> OpenAsync(HttpClient browser, string uri, string accessToken)
    {
        using var response = await browser.PostAsync(uri, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["access_token"] = accessToken,
            ["expired_session_redirect_uri"] = $"http://127.0.33.21/shared-with-me",
        }));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> SaveAsync(HttpClient browser, string uri, string editorHtml, string text)
    {
        string Field(string name) => Regex.Match(editorHtml, $"name=\"{name}\" value=\"([^\"]*)\"").Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(Field("_csrf"))), "_csrf" },
            { new StringContent(WebUtility.HtmlDecode(Field("etag"))), "etag" },
            { new StringContent(Field("crlf")), "crlf" },
            { new StringContent(Field("bom")), "bom" },
            { new StringContent(text), "content" },
        };
        return await browser.PostAsync(uri + "/save", form);
    }

    [Fact]
    public async Task AMarkdownFileSharedForWriting_IsViewedEditedAndSavedThroughOurWebApp()
    {
        var share = await ShareAsync("readme.md", "read", "write");
        var protocol = share.GetProperty("protocol");
        var webapp = protocol.GetProperty("webapp");
        var uri = webapp.GetProperty("uri").GetString()!;
        Assert.StartsWith(A.BaseUri.AbsoluteUri, uri, StringComparison.Ordinal);
        Assert.Equal(new string?[] { "blank" }, webapp.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(new string?[] { "read", "write" }, webapp.GetProperty("permissions").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("must-exchange-token", webapp.GetProperty("requirements").EnumerateArray().Select(t => t.GetString()));
        // All protocols' requirements agree (R74): WebDAV now needs the code flow too.
        Assert.Contains("must-exchange-token", protocol.GetProperty("webdav").GetProperty("requirements").EnumerateArray().Select(t => t.GetString()));

        using var browser = Browser();

        // The raw secret is refused: only an exchanged token opens the web app (R75).
        var secret = webapp.GetProperty("sharedSecret").GetString()!;
        var (refused, refusedHtml) = await OpenAsync(browser, uri, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Contains("token exchange", refusedHtml, StringComparison.Ordinal);

        var (status, view) = await OpenAsync(browser, uri, await ExchangeAsync(secret));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>Hello</h1>", view, StringComparison.Ordinal);
        Assert.Contains("id=\"edit\"", view, StringComparison.Ordinal);

        var editor = await browser.GetStringAsync(uri + "/edit");
        using var saved = await SaveAsync(browser, uri, editor, "# Changed by bob\n");
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("Changed by bob", await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // alice reads bob's text in her own file.
        Assert.Equal("# Changed by bob\n", await servers.Alice.GetStringAsync("dav/files/alice/readme.md"));

        // A save without the anti-forgery token changes nothing.
        using var forged = await SaveAsync(browser, uri, "", "# forged\n");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("# Changed by bob\n", await servers.Alice.GetStringAsync("dav/files/alice/readme.md"));

        // Without the web app's session (another browser), nothing is shown.
        using var stranger = Browser();
        using var noSession = await stranger.GetAsync(uri);
        Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
    }

    [Fact]
    public async Task AReadOnlyShare_ShowsNoEditorAndRefusesSaves()
    {
        var share = await ShareAsync("fixed.md", "read");
        var webapp = share.GetProperty("protocol").GetProperty("webapp");
        Assert.Equal(new string?[] { "read" }, webapp.GetProperty("permissions").EnumerateArray().Select(t => t.GetString()));
        var uri = webapp.GetProperty("uri").GetString()!;

        using var browser = Browser();
        var (status, view) = await OpenAsync(browser, uri, await ExchangeAsync(webapp.GetProperty("sharedSecret").GetString()!));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Read only", view, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit\"", view, StringComparison.Ordinal);

        using var edit = await browser.GetAsync(uri + "/edit");
        Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        using var save = await SaveAsync(browser, uri, view, "# overwritten\n");
        Assert.Equal(HttpStatusCode.Forbidden, save.StatusCode);
        Assert.Equal("# Read only\n", await servers.Alice.GetStringAsync("dav/files/alice/fixed.md"));
    }

    [Fact]
    public async Task AFileOurViewerCannotOpen_IsSharedOverWebDavOnly()
    {
        var share = await ShareAsync("archive.zip", "read");
        Assert.False(share.GetProperty("protocol").TryGetProperty("webapp", out _));
    }

    [Fact]
    public async Task OurDiscovery_AdvertisesSendingAndReceivingWebApps()
    {
        using var client = new HttpClient { BaseAddress = A.BaseUri };
        var discovery = await client.GetJsonAsync(".well-known/ocm");
        var file = discovery.GetProperty("resourceTypes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "file");
        Assert.Equal(JsonValueKind.Object, file.GetProperty("protocols").GetProperty("webapp").ValueKind);
        Assert.Equal(new string?[] { "blank" }, file.GetProperty("protocols").GetProperty("webapp-receive").GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
    }
}
