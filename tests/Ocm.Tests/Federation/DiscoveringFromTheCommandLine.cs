using Microsoft.AspNetCore.Http;
using Ocm.Testing;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Federation;

/// <summary>
/// <c>ocm discover</c> (the real executable) against small servers on 127.0.14.31: the scheme typed is the scheme used,
/// and what goes wrong is said in words on the first line — with the way out when our own policy refuses.
/// </summary>
public sealed class DiscoveringFromTheCommandLine
{
    private const string Address = "127.0.14.31";

    private const string Document = """
        { "enabled": true, "apiVersion": "1.4.0", "endPoint": "http://peer.example/ocm", "provider": "Tiny",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm/" } } ] }
        """;

    private static readonly Dictionary<string, string> Strict = new() { ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "false" };

    [Fact]
    public async Task HttpUrl_NotAllowed_IsRefusedNamingInsecureAndTheSetting_WithoutTryingHttps()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Document, "/.well-known/ocm");

        var result = await OcmProcess.RunAsync(["discover", "http://" + peer.Authority], Strict);

        Assert.Equal(1, result.ExitCode);
        var first = result.StdErr.Split('\n')[0];
        Assert.StartsWith($"error: cannot discover {peer.Authority}: Refusing http:// request", first, StringComparison.Ordinal);
        Assert.Contains("Ocm:Federation:InsecurePeers", first, StringComparison.Ordinal);
        Assert.Contains("Add --insecure to allow it for this command.", first, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(0, peer.RequestCount);
    }

    [Fact]
    public async Task HttpUrl_WithInsecure_IsDiscoveredOverHttp()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Document, "/.well-known/ocm");

        var result = await OcmProcess.RunAsync(["discover", "http://" + peer.Authority, "--insecure"], Strict);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"Document:       http://{peer.Authority}/.well-known/ocm", result.StdOut, StringComparison.Ordinal);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task WebPage_IsCalledAWebPage()
    {
        await using var peer = await LoopbackHttpServer.StartAsync(Address, c =>
        {
            c.Response.ContentType = "text/html; charset=utf-8";
            return c.Response.WriteAsync("<!doctype html><title>Welcome to our lab</title>");
        });

        var result = await OcmProcess.RunAsync(["discover", peer.Authority, "--insecure"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("this is a web page, not an OCM server", result.StdErr.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains($"http://{peer.Authority}/.well-known/ocm → a web page (HTML)", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsPort_AskedOverHttp_IsCalledAnHttpsPort()
    {
        await using var peer = await LoopbackHttpServer.StartHttpsAsync(Address, c => c.Response.WriteAsync(Document));

        var result = await OcmProcess.RunAsync(["discover", "http://" + peer.Authority, "--insecure"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"it is an https port, not plain http; use https://{peer.Authority}", result.StdErr.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainPort_AskedOverHttps_IsCalledAPlainHttpPort()
    {
        await using var peer = await LoopbackHttpServer.ServingAsync(Address, Document, "/.well-known/ocm");

        var result = await OcmProcess.RunAsync(["discover", "https://" + peer.Authority, "--insecure"]);

        Assert.Equal(1, result.ExitCode);
        var first = result.StdErr.Split('\n')[0];
        Assert.Contains("it is a plain-http port, not https", first, StringComparison.Ordinal);
        Assert.Contains($"Try http://{peer.Authority}.", first, StringComparison.Ordinal);
    }
}
