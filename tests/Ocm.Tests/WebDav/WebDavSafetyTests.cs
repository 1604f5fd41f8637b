using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// Hostile and malformed requests: path traversal in every spelling, other users' trees, XXE and entity expansion,
/// oversized bodies, nonsense headers. Each gets the right 4xx, never a 500, and nothing is read or written outside
/// the signed-in user's tree.
/// </summary>
public sealed class WebDavSafetyTests(WebDavSafetyTests.Fixture fixture) : IClassFixture<WebDavSafetyTests.Fixture>
{
    private readonly OcmTestServer _server = fixture.Server;
    private readonly HttpClient _alice = fixture.Alice;
    private readonly HttpClient _bob = fixture.Bob;

    /// <summary>One server for the class (the tests only read, or write under their own names): alice and bob, each with a file.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal OcmTestServer Server { get; private set; } = null!;

        public HttpClient Alice { get; private set; } = null!;

        public HttpClient Bob { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await OcmTestServer.StartAsync(settings: TestUsers.Settings(("Ocm:WebDav:MaxUploadBytes", "4096")));
            await TestUsers.CreateAsync(Server, "alice");
            await TestUsers.CreateAsync(Server, "bob");
            Alice = TestUsers.Client(Server, "alice");
            Bob = TestUsers.Client(Server, "bob");
            Assert.Equal(HttpStatusCode.Created, (await Bob.PutTextAsync("secret.txt", "bob's secret")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Alice.PutTextAsync("mine.txt", "alice's file")).StatusCode);
        }

        public async Task DisposeAsync()
        {
            Alice.Dispose();
            Bob.Dispose();
            await Server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("GET", "/dav/files/alice/../bob/secret.txt")]
    [InlineData("GET", "/dav/files/alice/%2e%2e/bob/secret.txt")]
    [InlineData("GET", "/dav/files/alice/%2E%2E/%2E%2E/%2E%2E/etc/passwd")]
    [InlineData("GET", "/dav/files/alice/..%2fbob%2fsecret.txt")]
    [InlineData("GET", "/dav/files/alice/..%5c..%5cbob%5csecret.txt")]
    [InlineData("GET", "/dav/files/alice/a\\..\\..\\bob")]
    [InlineData("GET", "/dav/files/alice/mine.txt%00.jpg")]
    [InlineData("GET", "/dav/files/alice/%ff%fe")]
    [InlineData("GET", "/remote.php/webdav/../../dav/files/bob/secret.txt")]
    [InlineData("GET", "/remote.php/webdav/./mine.txt")]
    [InlineData("PROPFIND", "/dav/files/alice/%2e%2e/")]
    [InlineData("PUT", "/dav/files/alice/../bob/evil.txt")]
    [InlineData("PUT", "/dav/files/alice/%2e%2e/bob/evil.txt")]
    [InlineData("MKCOL", "/dav/files/alice/..%2f..%2fevil")]
    [InlineData("DELETE", "/dav/files/alice/../bob/secret.txt")]
    [InlineData("DELETE", "/dav/files/alice/mine.txt#fragment")]
    public async Task TraversalAttempts_AreRefused_AndTouchNothing(string method, string target)
    {
        var (status, response) = await RawHttp.SendAsync(_server.BaseUri, method, target, TestUsers.BasicHeader("alice"), method == "PUT" ? "evil" : null);

        // 400 from the canonicalizer; 404 when Kestrel's own dot-segment removal already led outside every route.
        Assert.True(status is 400 or 404, $"{method} {target} answered {status}");
        Assert.DoesNotContain("bob's secret", response);
        Assert.DoesNotContain("root:", response);
        await AssertBobUntouchedAsync();
        Assert.Equal("alice's file", await _alice.GetStringAsync("mine.txt"));
    }

    [Theory]
    [InlineData("GET", "/dav/files/bob/secret.txt")]
    [InlineData("PROPFIND", "/dav/files/bob/")]
    [InlineData("PUT", "/dav/files/bob/evil.txt")]
    [InlineData("DELETE", "/remote.php/dav/files/bob/secret.txt")]
    [InlineData("GET", "/dav/files/BOB/secret.txt")]
    public async Task AnotherUsersTree_IsForbidden(string method, string target)
    {
        var (status, response) = await RawHttp.SendAsync(_server.BaseUri, method, target, TestUsers.BasicHeader("alice"), method == "PUT" ? "evil" : null);

        Assert.Equal(403, status);
        Assert.DoesNotContain("bob's secret", response);
        await AssertBobUntouchedAsync();
    }

    [Theory]
    [InlineData("/dav/files/bob/stolen.txt", 403)]
    [InlineData("/dav/files/alice/../bob/stolen.txt", 400)]
    [InlineData("/dav/files/alice/%2e%2e/stolen.txt", 400)]
    [InlineData("http://elsewhere.example/dav/files/bob/stolen.txt", 403)]
    [InlineData("http://elsewhere.example/other/path", 502)]
    [InlineData("/etc/passwd", 502)]
    [InlineData("not a url", 400)]
    public async Task CopyAndMove_ToDestinationsOutsideOwnTree_AreRefused(string destination, int expected)
    {
        foreach (var method in (string[])["COPY", "MOVE"])
        {
            using var response = await _alice.SendAsync(DavRequests.Method(method, "mine.txt", null, ("Destination", destination)));
            Assert.Equal(expected, (int)response.StatusCode);
        }

        Assert.Equal("alice's file", await _alice.GetStringAsync("mine.txt"));
        await AssertBobUntouchedAsync();
    }

    [Theory]
    [InlineData("PUT", "no-such-folder/new.txt", null, 409, "parent folder does not exist")]
    [InlineData("MOVE", "mine.txt", "Destination: not a url", 400, "Destination header is not an absolute URL")]
    [InlineData("COPY", "mine.txt", "Destination: /dav/files/alice/copy.txt|Overwrite: maybe", 400, "Overwrite header must be T or F")]
    [InlineData("DELETE", "nothing-here.txt", null, 404, "Not found")]
    [InlineData("LOCK", "mine.txt", "Depth: 1", 400, "Depth: 0 or infinity")]
    [InlineData("UNLOCK", "mine.txt", "Lock-Token: nonsense", 400, "Lock-Token header")]
    [InlineData("PROPFIND", "mine.txt", "Depth: 7", 400, "Depth header must be 0, 1 or infinity")]
    public async Task Errors_NameTheProblem_InPlainText(string method, string url, string? header, int expected, string named)
    {
        var headers = (header ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(h => (h[..h.IndexOf(':', StringComparison.Ordinal)], h[(h.IndexOf(':', StringComparison.Ordinal) + 2)..])).ToArray();
        var body = method switch
        {
            "PUT" => "content",
            "LOCK" => """<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>""",
            _ => null,
        };
        using var response = await _alice.SendAsync(DavRequests.Method(method, url, body, headers));

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("alice's file", await _alice.GetStringAsync("mine.txt"));
    }

    [Fact]
    public async Task Errors_OnHead_HaveNoBody()
    {
        using var response = await _alice.SendAsync(new HttpRequestMessage(HttpMethod.Head, "nothing-here.txt"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task FileNames_NeverReachTheFileSystem()
    {
        Assert.Equal(HttpStatusCode.Created, (await _alice.PutTextAsync("evil-name-marker.txt", "x")).StatusCode);
        var onDisk = Directory.EnumerateFileSystemEntries(_server.DataDir, "*", SearchOption.AllDirectories).Select(Path.GetFileName);
        Assert.DoesNotContain(onDisk, name => name!.Contains("evil-name-marker", StringComparison.Ordinal) || name.Contains("mine", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("PROPFIND")]
    [InlineData("PROPPATCH")]
    [InlineData("LOCK")]
    public async Task ExternalEntities_AreRefused_AndNothingIsRead(string method)
    {
        const string body = """
            <?xml version="1.0"?>
            <!DOCTYPE d:propfind [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><x:leak xmlns:x="urn:x">&xxe;</x:leak></d:prop></d:set></d:propertyupdate>
            """;
        using var response = await _alice.SendAsync(DavRequests.Method(method, "mine.txt", body, ("Depth", "0")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
        using var check = await _alice.PropFindAsync("mine.txt", "0", """<d:propfind xmlns:d="DAV:"><d:prop><x:leak xmlns:x="urn:x"/></d:prop></d:propfind>""");
        Assert.DoesNotContain("root:", await check.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EntityExpansion_BillionLaughs_IsRefusedQuickly()
    {
        var body = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        body.Append("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">");
        for (var i = 2; i <= 9; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        }

        body.Append("]><d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/></d:prop>&lol9;</d:propfind>");
        var watch = Stopwatch.StartNew();
        using var response = await _alice.PropFindAsync("", "0", body.ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task XmlBody_OverTheLimit_Is413()
    {
        var body = "<d:propfind xmlns:d=\"DAV:\"><d:prop>" + string.Concat(Enumerable.Repeat("<d:getetag/>", 200_000)) + "</d:prop></d:propfind>";
        using var response = await _alice.PropFindAsync("", "0", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task StrayTextInPropfind_IsTolerated()
    {
        // owncloudcmd 2.11 sends a stray character between elements.
        const string body = """<?xml version="1.0" ?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getetag/><oc:id/></d:prop>M</d:propfind>""";
        using var response = await _alice.PropFindAsync("mine.txt", "0", body);
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        Assert.Contains("<oc:id>", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("PROPFIND", "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/></d:prop>", 400)]
    [InlineData("PROPFIND", "<d:propfind xmlns:d=\"DAV:\"><d:prop><x:a xmlns:x=\"\"/></d:prop></d:propfind>", 400)]
    [InlineData("PROPFIND", "<d:propfind xmlns:d=\"DAV:\"/>", 400)]
    [InlineData("PROPFIND", "<other xmlns=\"urn:x\"/>", 400)]
    [InlineData("PROPFIND", "not xml at all", 400)]
    [InlineData("PROPPATCH", "", 400)]
    [InlineData("PROPPATCH", "<d:propertyupdate xmlns:d=\"DAV:\"/>", 400)]
    [InlineData("PROPPATCH", "<d:propfind xmlns:d=\"DAV:\"><d:allprop/></d:propfind>", 400)]
    [InlineData("LOCK", "<d:lockinfo xmlns:d=\"DAV:\"><d:lockscope><d:exclusive/></d:lockscope></d:lockinfo>", 400)]
    [InlineData("LOCK", "<d:lockinfo xmlns:d=\"DAV:\"><d:lockscope><d:everyone/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>", 400)]
    [InlineData("LOCK", "", 400)]
    [InlineData("MKCOL", "<x/>", 415)]
    public async Task MalformedBodies_Get4xx(string method, string body, int expected)
    {
        using var response = await _alice.SendAsync(DavRequests.Method(method, method == "MKCOL" ? "newdir" : "mine.txt", body, ("Depth", "0")));
        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("PROPFIND", "Depth", "2", 400)]
    [InlineData("PROPFIND", "Depth", "infinity", 403)]
    [InlineData("COPY", "Overwrite", "maybe", 400)]
    [InlineData("PUT", "If", "(<urn:x>", 400)]
    [InlineData("PUT", "If", "<urn:x>", 400)]
    [InlineData("PUT", "If", "([\"nope\"])", 412)]
    [InlineData("PUT", "If-Match", "\"nope\"", 412)]
    [InlineData("PUT", "If-None-Match", "*", 412)]
    [InlineData("PUT", "If-Match", "nope", 400)] // unquoted: not an entity tag (RFC 9110 §8.8.3)
    [InlineData("PUT", "If-None-Match", "\"a\" junk", 400)]
    [InlineData("PUT", "If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT", 412)]
    [InlineData("PUT", "Content-Range", "bytes 0-3/4", 400)]
    [InlineData("UNLOCK", "Lock-Token", "urn:no-brackets", 400)]
    [InlineData("UNLOCK", "Lock-Token", "<urn:uuid:00000000-0000-0000-0000-000000000000>", 409)]
    [InlineData("DELETE", "Depth", "0", 204)]
    public async Task NonsenseHeaders_GetTheRightStatus(string method, string header, string value, int expected)
    {
        var target = method == "DELETE" ? "disposable.txt" : "mine.txt";
        if (method == "DELETE")
        {
            Assert.Equal(HttpStatusCode.Created, (await _alice.PutTextAsync(target, "x")).StatusCode);
        }

        var isContentHeader = header.StartsWith("Content-", StringComparison.Ordinal);
        var request = DavRequests.Method(method, target, null, ("Destination", "/dav/files/alice/copy.txt"));
        if (!isContentHeader)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        if (method == "PUT")
        {
            request.Content = new StringContent("replaced");
            if (isContentHeader)
            {
                request.Content.Headers.TryAddWithoutValidation(header, value);
            }
        }

        using var response = await _alice.SendAsync(request);
        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("alice's file", await _alice.GetStringAsync("mine.txt"));
    }

    [Fact]
    public async Task PropfindInfinity_ExplainsWithTheRfcCondition()
    {
        using var response = await _alice.PropFindAsync("", "infinity");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("propfind-finite-depth", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownMethod_Is501WithAllow()
    {
        using var response = await _alice.SendAsync(new HttpRequestMessage(new HttpMethod("BREW"), "mine.txt"));
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("PROPFIND", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic Ym9i")]
    [InlineData("Bearer abc")]
    public async Task MissingOrMalformedCredentials_Are401WithChallenge(string? authorization)
    {
        var (status, response) = await RawHttp.SendAsync(_server.BaseUri, "PROPFIND", "/dav/files/alice/", authorization);
        Assert.Equal(401, status);
        Assert.Contains("WWW-Authenticate: Basic realm=\"Ocm\"", response);
    }

    [Fact]
    public async Task Upload_OverTheLimit_Is413_WithOrWithoutLength()
    {
        using (var sized = await _alice.PutAsync("big.bin", new ByteArrayContent(new byte[5000])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode);
        }

        var chunked = new StreamContent(new MemoryStream(new byte[5000]));
        var request = new HttpRequestMessage(HttpMethod.Put, "big.bin") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using (var response = await _alice.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using var get = await _alice.GetAsync("big.bin");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_server.DataDir, "files", ".uploads")));
    }

    private async Task AssertBobUntouchedAsync()
    {
        Assert.Equal("bob's secret", await _bob.GetStringAsync("secret.txt"));
        using var listing = await _bob.PropFindAsync("", "1");
        var xml = await listing.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil", xml);
        Assert.DoesNotContain("stolen", xml);
    }
}
