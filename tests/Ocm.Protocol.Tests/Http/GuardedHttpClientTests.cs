using System.Net;
using Microsoft.AspNetCore.Http;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Tests.Http;

/// <summary>The SSRF guard on real connections to loopback servers.</summary>
public sealed class GuardedHttpClientTests
{
    private static HttpClient Client(OutboundPolicy policy) =>
        new(new GuardedRedirectHandler(policy) { InnerHandler = GuardedHttpHandler.Create(policy) });

    [Fact]
    public async Task Send_HttpToHostNotAllowListed_IsRefusedBeforeConnecting()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c => c.Response.WriteAsync("ok"));
        using var client = Client(new OutboundPolicy());

        var error = await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(peer.BaseUri));
        Assert.Contains("only https", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, peer.RequestCount);
    }

    [Fact]
    public async Task Send_HttpsToLoopbackAddress_IsRefusedByAddressCheck()
    {
        using var client = Client(new OutboundPolicy());

        var error = await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(new Uri("https://127.0.0.5:1/")));
        Assert.Contains("non-public", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_HostNameResolvingToLoopback_IsRefused()
    {
        using var client = Client(new OutboundPolicy());

        var error = await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(new Uri("https://localhost:1/")));
        Assert.Contains("localhost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_IPv4MappedLoopbackLiteral_IsRefused()
    {
        using var client = Client(new OutboundPolicy());

        await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(new Uri("https://[::ffff:127.0.0.1]:1/")));
    }

    [Fact]
    public async Task Send_AllowListedHost_Succeeds()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c => c.Response.WriteAsync("hello"));
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"] });

        Assert.Equal("hello", await client.GetStringAsync(peer.BaseUri));
    }

    [Fact]
    public async Task Send_RedirectToHostNotAllowListed_IsRefused()
    {
        await using var internalService = await LoopbackHttpServer.StartAsync("127.0.0.6", c => c.Response.WriteAsync("secret"));
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c =>
        {
            c.Response.Redirect(new Uri(internalService.BaseUri, "admin").ToString());
            return Task.CompletedTask;
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"] });

        await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(peer.BaseUri));
        Assert.Equal(1, peer.RequestCount);
        Assert.Equal(0, internalService.RequestCount);
    }

    [Fact]
    public async Task Send_RedirectToAllowListedHost_IsFollowedWithoutCredentials()
    {
        string? authorizationSeen = "not called";
        await using var target = await LoopbackHttpServer.StartAsync("127.0.0.6", async c =>
        {
            authorizationSeen = c.Request.Headers.Authorization.ToString();
            await c.Response.WriteAsync("moved here");
        });
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c =>
        {
            c.Response.Redirect(new Uri(target.BaseUri, "new").ToString());
            return Task.CompletedTask;
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5", "127.0.0.6"] });
        using var request = new HttpRequestMessage(HttpMethod.Get, peer.BaseUri);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");

        using var response = await client.SendAsync(request);

        Assert.Equal("moved here", await response.Content.ReadAsStringAsync());
        Assert.Equal("", authorizationSeen);
    }

    [Fact]
    public async Task Send_RedirectLoop_StopsAtTheFirstRepeat()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c =>
        {
            c.Response.Redirect("/again");
            return Task.CompletedTask;
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"], MaxRedirects = 3 });

        var error = await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(peer.BaseUri));
        Assert.Equal(OutboundBlockReason.RedirectLoop, error.Reason);
        Assert.Contains($"Redirect loop: {peer.BaseUri} → {peer.BaseUri}again → {peer.BaseUri}again", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, peer.RequestCount);
    }

    [Fact]
    public async Task Send_EndlessRedirects_StopAfterLimit()
    {
        var next = 0;
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c =>
        {
            c.Response.Redirect($"/hop{Interlocked.Increment(ref next)}");
            return Task.CompletedTask;
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"], MaxRedirects = 3 });

        var error = await Assert.ThrowsAsync<OutboundRequestBlockedException>(() => client.GetAsync(peer.BaseUri));
        Assert.Equal(OutboundBlockReason.TooManyRedirects, error.Reason);
        Assert.Contains("Too many redirects", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, peer.RequestCount);
    }

    [Fact]
    public async Task Send_PostRedirect_IsReturnedNotFollowed()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", c =>
        {
            c.Response.Redirect("/elsewhere");
            return Task.CompletedTask;
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"] });

        using var response = await client.PostAsync(peer.BaseUri, new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(1, peer.RequestCount);
    }

    [Fact]
    public async Task ReadAsBytes_BodyOverLimit_Throws()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.0.5", async c =>
        {
            // No Content-Length: the limit must hold while streaming, not only on the header.
            await c.Response.StartAsync();
            for (var i = 0; i < 64; i++)
            {
                await c.Response.Body.WriteAsync(new byte[1024]);
            }
        });
        using var client = Client(new OutboundPolicy { InsecurePeers = ["127.0.0.5"] });
        using var response = await client.GetAsync(peer.BaseUri, HttpCompletionOption.ResponseHeadersRead);

        await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsBytesAsync(response.Content, 10_000, CancellationToken.None));
    }
}
