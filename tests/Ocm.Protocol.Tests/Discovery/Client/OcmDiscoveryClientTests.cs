using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Tests.Discovery.Client;

/// <summary>Discovery against real HTTP servers on loopback addresses, one per peer dialect.</summary>
public sealed class OcmDiscoveryClientTests
{
    private const string Address = "127.0.0.7";

    private static OcmDiscoveryClient Client(OutboundPolicy? policy = null, DiscoveryClientOptions? options = null, TimeProvider? time = null)
    {
        policy ??= new OutboundPolicy { InsecurePeers = [Address] };
        var http = new HttpClient(new GuardedRedirectHandler(policy) { InnerHandler = GuardedHttpHandler.Create(policy) });
        return new OcmDiscoveryClient(http, policy, options ?? new DiscoveryClientOptions { AttemptTimeout = TimeSpan.FromSeconds(5) }, time ?? TimeProvider.System);
    }

    private const string Strict14 = """
        {
          "enabled": true, "apiVersion": "1.4.0", "endPoint": "https://peer.example/ocm", "provider": "Strict",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"],
            "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
          "capabilities": ["notifications", "protocol-object"]
        }
        """;

    private const string NextcloudLegacy = """
        {
          "enabled": true, "apiVersion": "1.1.0", "version": "1.1.0", "endPoint": "https://nc.example/index.php/ocm",
          "provider": "Nextcloud",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user", "group"], "protocols": { "webdav": "/public.php/webdav/" } } ],
          "capabilities": ["invite-accepted", "notifications", "shares"],
          "publicKey": { "keyId": "https://nc.example/ocm#signature", "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n" }
        }
        """;

    private const string OwnCloud10 = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "endPoint": "https://oc.example/index.php/apps/federatedfilesharing",
          "shareTypes": [ { "name": "file", "protocols": { "webdav": "https://oc.example/public.php/webdav/" } } ]
        }
        """;

    private const string Seafile = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "endPoint": "https://seafile.example/api/v2.1/ocm/",
          "resourceTypes": { "name": "library", "shareTypes": ["user"], "protocols": { "webdav": "url" } }
        }
        """;

    private const string Reva = """
        {
          "enabled": true, "apiVersion": "1.2.0", "endPoint": "https://cernbox.example/ocm", "provider": "cernbox",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"],
            "protocols": { "webdav": "/remote.php/dav/ocm/", "webapp": "/app/ocm/", "datatx": "/remote.php/dav/ocm/" } } ],
          "capabilities": ["webdav-uri", "protocol-object"]
        }
        """;

    public static TheoryData<string, string, OcmDialect> Dialects => new()
    {
        { Strict14, "/.well-known/ocm", OcmDialect.Ocm14 },
        { NextcloudLegacy, "/ocm-provider/", OcmDialect.NextcloudLegacy },
        { OwnCloud10, "/ocm-provider/", OcmDialect.OwnCloud10 },
        { Seafile, "/ocm-provider/", OcmDialect.Seafile },
        { Reva, "/ocm-provider", OcmDialect.RevaFamily },
    };

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Discover_EachPeerDialect_IsReadAndRecognised(string document, string path, OcmDialect dialect)
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, document, path);

        var server = await Client().DiscoverAsync(peer.Authority, CancellationToken.None);

        Assert.Equal(dialect, server.Dialect);
        Assert.Equal(path, server.DocumentUrl.AbsolutePath);
        Assert.True(server.Document.Enabled);
        Assert.NotEmpty(server.Document.ResourceTypes);
        Assert.Equal(peer.Authority, server.Authority);
        Assert.Contains(server.Violations, v => v.Contains("plain http", StringComparison.Ordinal));
        if (path != "/.well-known/ocm")
        {
            Assert.Contains(server.Violations, v => v.Contains("legacy path", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Discover_LegacyPeer_TriesPathsInInteropOrder()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Reva, "/ocm-provider");

        await Client().DiscoverAsync(peer.Authority, CancellationToken.None);

        // https is refused by the plain-http test server first, then http: the spec path, then both legacy forms.
        Assert.Equal(["/.well-known/ocm", "/ocm-provider/", "/ocm-provider"], peer.Paths);
    }

    [Theory]
    [InlineData("alice@{0}")]
    [InlineData("nomen.nescio@example.org@{0}")]
    [InlineData("http://{0}/some/path")]
    [InlineData("{0}")]
    public async Task Discover_AddressOrUrlOrHost_DiscoversTheHost(string pattern)
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Strict14, "/.well-known/ocm");

        var server = await Client().DiscoverAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, peer.Authority), CancellationToken.None);

        Assert.Equal("Strict", server.Document.Provider);
    }

    [Fact]
    public async Task Discover_RedirectToWellKnown_IsFollowed()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, async c =>
        {
            if (c.Request.Path == "/.well-known/ocm")
            {
                c.Response.StatusCode = 404;
            }
            else if (c.Request.Path == "/ocm-provider/")
            {
                c.Response.Redirect("/ocm/discovery");
            }
            else if (c.Request.Path == "/ocm/discovery")
            {
                await c.Response.WriteAsync(Strict14);
            }
            else
            {
                c.Response.StatusCode = 404;
            }
        });

        var server = await Client().DiscoverAsync(peer.Authority, CancellationToken.None);

        Assert.Equal("/ocm/discovery", server.DocumentUrl.AbsolutePath);
    }

    [Fact]
    public async Task Discover_LoopbackPeerNotAllowListed_IsRefusedWithoutContact()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Strict14, "/.well-known/ocm");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client(new OutboundPolicy()).DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Contains("blocked", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, peer.RequestCount);
        Assert.Equal(DiscoveryFailure.Blocked, error.Failure);
        Assert.False(error.IsTransient);
        Assert.Contains("Ocm:Federation:", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_WebPage_IsDescribedAsAWebPageNamingEveryUrlTried()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c => c.Response.WriteAsync("<!DOCTYPE html>\n<html><body>Welcome</body></html>"));

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.WebPage, error.Failure);
        Assert.Contains("this is a web page, not an OCM server", error.Summary, StringComparison.Ordinal);
        Assert.Contains("/.well-known/ocm", error.Message, StringComparison.Ordinal);
        Assert.Contains("/ocm-provider/", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Attempts.Count(a => a.Url.Scheme == "http"));
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Discover_NameThatDoesNotResolve_IsAnUnknownHostNotWorthRetrying()
    {
        // RFC 6761 §6.4: names under .invalid never resolve.
        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("bob@nonexistent.invalid", CancellationToken.None));

        Assert.Equal(DiscoveryFailure.UnknownHost, error.Failure);
        Assert.False(error.IsTransient);
        Assert.Contains("there is no server named nonexistent.invalid", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_NothingListening_IsUnreachableAndWorthRetrying()
    {
        var port = FreePort();

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync($"{Address}:{port}", CancellationToken.None));

        Assert.Equal(DiscoveryFailure.Unreachable, error.Failure);
        Assert.True(error.IsTransient);
        Assert.Contains($"the server {Address}:{port} cannot be reached right now", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_ServerAnswering503_IsATemporaryServerError()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c =>
        {
            c.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.ServerError, error.Failure);
        Assert.True(error.IsTransient);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Parse(Address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Discover_JsonThatIsNoDiscoveryDocument_SaysSo()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, "[1, 2, 3]", "/.well-known/ocm", "/ocm-provider/", "/ocm-provider");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.NotDiscoveryDocument, error.Failure);
        Assert.Contains("not a discovery document", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not look like an OCM server", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_ServerWithoutDiscovery_IsNotAnOcmServer()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, "{}", "/elsewhere");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("http://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.NotFound, error.Failure);
        Assert.Contains("it is not an OCM server", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_HttpUrlNotAllowed_IsRefusedOverHttpNotSwitchedToHttps()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Strict14, "/.well-known/ocm");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client(new OutboundPolicy()).DiscoverAsync("http://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.Blocked, error.Failure);
        Assert.All(error.Attempts, a => Assert.Equal("http", a.Url.Scheme));
        Assert.Contains("Ocm:Federation:InsecurePeers", error.Summary, StringComparison.Ordinal);
        Assert.Equal(0, peer.RequestCount);
    }

    [Fact]
    public async Task Discover_HttpsUrlOfAPlainHttpPort_SaysThePortSpeaksPlainHttp()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Strict14, "/.well-known/ocm");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("https://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.PlainHttpOnTlsPort, error.Failure);
        Assert.Contains("plain-http port, not https", error.Summary, StringComparison.Ordinal);
        // The scheme typed is the scheme used: no fallback to http although the policy would allow it.
        Assert.All(error.Attempts, a => Assert.Equal("https", a.Url.Scheme));
        Assert.Equal(0, peer.RequestCount);
    }

    [Fact]
    public async Task Discover_HttpUrlOfATlsPort_SaysItIsAnHttpsPort()
    {
        await using var peer = await LoopbackHttpServer.StartHttpsAsync(Address, c => c.Response.WriteAsync(Strict14));

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("http://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.TlsOnPlainHttpPort, error.Failure);
        Assert.Contains($"it is an https port, not plain http; use https://{peer.Authority}", error.Summary, StringComparison.Ordinal);
        Assert.All(error.Attempts, a => Assert.Equal("http", a.Url.Scheme));
    }

    [Fact]
    public async Task Discover_PlainHttpAnsweredWithTheNginxPage_SaysItIsAnHttpsPort()
    {
        // What nginx answers on its TLS port to a plain-http request.
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c =>
        {
            c.Response.StatusCode = 400;
            c.Response.ContentType = "text/html";
            return c.Response.WriteAsync("<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>");
        });

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("http://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.TlsOnPlainHttpPort, error.Failure);
        Assert.Contains("https port", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_UntrustedCertificate_IsNamed()
    {
        await using var peer = await LoopbackHttpServer.StartHttpsAsync(Address, c => c.Response.WriteAsync(Strict14));

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("https://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.Certificate, error.Failure);
        Assert.Contains("TLS certificate", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_RedirectLoop_IsNamedAsALoop()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c =>
        {
            c.Response.Redirect(c.Request.Path == "/moved" ? "/.well-known/ocm" : "/moved");
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync("http://" + peer.Authority, CancellationToken.None));

        Assert.Equal(DiscoveryFailure.RedirectLoop, error.Failure);
        Assert.Contains("round in circles", error.Summary, StringComparison.Ordinal);
        Assert.Contains($"Redirect loop: http://{peer.Authority}/.well-known/ocm → http://{peer.Authority}/moved → http://{peer.Authority}/.well-known/ocm", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_HugeDocument_IsRefused()
    {
        var huge = "{\"enabled\":true,\"x\":\"" + new string('a', 400_000) + "\"}";
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, huge, "/.well-known/ocm", "/ocm-provider/", "/ocm-provider");

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => Client().DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Contains("larger than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_PeerThatNeverAnswers_TimesOut()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, async c => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted));
        var client = Client(options: new DiscoveryClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<OcmDiscoveryException>(() => client.DiscoverAsync(peer.Authority, CancellationToken.None));

        Assert.Contains("no answer within", error.Message, StringComparison.Ordinal);
        Assert.Equal(DiscoveryFailure.Timeout, error.Failure);
        Assert.True(error.IsTransient);
        // An unresponsive host is not asked again on the other paths of the same scheme.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal(1, peer.RequestCount);
    }

    [Fact]
    public async Task Discover_FailedPeer_IsRememberedUntilNegativeTtlPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c =>
        {
            c.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var client = Client(options: new DiscoveryClientOptions { NegativeCacheTtl = TimeSpan.FromSeconds(60) }, time: time);

        await Assert.ThrowsAsync<OcmDiscoveryException>(() => client.DiscoverAsync(peer.Authority, CancellationToken.None));
        var afterFirst = peer.RequestCount;
        await Assert.ThrowsAsync<OcmDiscoveryException>(() => client.DiscoverAsync(peer.Authority, CancellationToken.None));
        Assert.Equal(afterFirst, peer.RequestCount);

        time.Advance(TimeSpan.FromSeconds(61));
        await Assert.ThrowsAsync<OcmDiscoveryException>(() => client.DiscoverAsync(peer.Authority, CancellationToken.None));
        Assert.True(peer.RequestCount > afterFirst);
    }

    [Fact]
    public async Task Discover_Success_IsCachedUntilTtlPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Strict14, "/.well-known/ocm");
        var client = Client(options: new DiscoveryClientOptions { CacheTtl = TimeSpan.FromMinutes(10) }, time: time);

        await client.DiscoverAsync(peer.Authority, CancellationToken.None);
        var afterFirst = peer.RequestCount;
        await client.DiscoverAsync("bob@" + peer.Authority, CancellationToken.None);
        Assert.Equal(afterFirst, peer.RequestCount);

        time.Advance(TimeSpan.FromMinutes(11));
        await client.DiscoverAsync(peer.Authority, CancellationToken.None);
        Assert.True(peer.RequestCount > afterFirst);
    }

    [Fact]
    public async Task Discover_ConcurrentCallsForOneHost_ShareOneFetch()
    {
        var gate = new TaskCompletionSource();
        await using var peer = await LoopbackHttpServer.StartAsync(Address, async c =>
        {
            await gate.Task;
            if (c.Request.Path == "/.well-known/ocm")
            {
                await c.Response.WriteAsync(Strict14);
            }
            else
            {
                c.Response.StatusCode = 404;
            }
        });
        var client = Client();

        var calls = Enumerable.Range(0, 20).Select(_ => client.DiscoverAsync(peer.Authority, CancellationToken.None)).ToArray();
        await Task.Delay(200);
        gate.SetResult();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Equal(1, peer.Paths.Count(p => p == "/.well-known/ocm"));
    }

    [Fact]
    public async Task Discover_CallerCancels_OtherWaitersStillGetTheResult()
    {
        var gate = new TaskCompletionSource();
        await using var peer = await LoopbackHttpServer.StartAsync(Address, async c =>
        {
            await gate.Task;
            await c.Response.WriteAsync(Strict14);
        });
        var client = Client();
        using var cancelled = new CancellationTokenSource();

        var first = client.DiscoverAsync(peer.Authority, cancelled.Token);
        var second = client.DiscoverAsync(peer.Authority, CancellationToken.None);
        await cancelled.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal("Strict", (await second).Document.Provider);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("alice@")]
    [InlineData("host/with/path")]
    public async Task Discover_InputWithoutHost_ThrowsFormatException(string input)
    {
        await Assert.ThrowsAsync<FormatException>(() => Client().DiscoverAsync(input, CancellationToken.None));
    }
}
