using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// Our server runs behind a TLS-terminating reverse proxy: peers sign for the public URL
/// (<c>https://files.example.test/…</c>), the request arrives over plain http on a loopback address. The filter
/// rebuilds <c>@target-uri</c> (and the draft-cavage <c>Host</c>) from <c>--public-url</c> (RFC 9421 §2.2.2: the URI the client used).
/// </summary>
public sealed class SignaturesBehindAReverseProxy : IAsyncLifetime
{
    private SigningPeer _peer = null!;
    private OcmTestServer? _server;
    private HttpClient? _bob;

    public async Task InitializeAsync() => _peer = await SigningPeer.StartAsync("127.0.0.65");

    public async Task DisposeAsync()
    {
        _bob?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _peer.DisposeAsync();
    }

    /// <summary>Our server, configured with <paramref name="publicUrl"/> but listening on a loopback address; bob on it.</summary>
    private async Task<(OcmTestServer Server, HttpClient Bob)> StartBehindProxyAsync(string publicUrl)
    {
        _server = await OcmTestServer.StartAsync("127.0.0.64", new Dictionary<string, string?>
        {
            ["Ocm:PublicUrl"] = publicUrl,
            ["Ocm:Security:RequireSignatures"] = "true",
        });
        _bob = await _server.CreateUserAsync("bob");
        return (_server, _bob);
    }

    private static async Task<IReadOnlyList<string>> SharesBobSeesAsync(HttpClient bob) =>
        [.. (await bob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    [Theory]
    [InlineData("https://files.example.test/")]
    [InlineData("https://files.example.test/cloud/")] // the proxy strips /cloud
    public async Task Rfc9421_SignedForPublicUrl_ReceivedOverLoopback_Accepted(string publicUrl)
    {
        var (server, bob) = await StartBehindProxyAsync(publicUrl);
        var request = _peer.Sign(_peer.Share(new Uri(new Uri(publicUrl), "ocm/shares"), "bob@files.example.test", "proxied.txt"));

        var (status, body) = await SigningPeer.SendAsync(request, sendTo: new Uri(server.BaseUri, "ocm/shares"));

        Assert.True(status == 201, $"expected 201, got {status}: {body}");
        Assert.Contains("proxied.txt", await SharesBobSeesAsync(bob));
    }

    [Fact]
    public async Task Rfc9421_SignedForTheInternalAddress_Rejected()
    {
        // The internal address is not what peers use: a signature over it does not match the public @target-uri.
        var (server, bob) = await StartBehindProxyAsync("https://files.example.test/");
        var request = _peer.Sign(_peer.Share(new Uri(server.BaseUri, "ocm/shares"), "bob@files.example.test", "internal.txt"));

        var (status, body) = await SigningPeer.SendAsync(request);

        Assert.Equal(401, status);
        Assert.Contains("BadSignature", body, StringComparison.Ordinal);
        Assert.DoesNotContain("internal.txt", await SharesBobSeesAsync(bob));
    }

    [Fact]
    public async Task Cavage_SignedForPublicHost_ProxyForwardsInternalHost_Accepted()
    {
        var (server, bob) = await StartBehindProxyAsync("https://files.example.test/");
        var request = _peer.SignCavage(_peer.Share(new Uri("https://files.example.test/ocm/shares"), "bob@files.example.test", "proxied-cavage.txt"));
        Assert.Equal("files.example.test", request.Headers.GetCombinedValue("Host"));

        var (status, body) = await SigningPeer.SendAsync(request, sendTo: new Uri(server.BaseUri, "ocm/shares"));

        Assert.True(status == 201, $"expected 201, got {status}: {body}");
        Assert.Contains("proxied-cavage.txt", await SharesBobSeesAsync(bob));
    }
}
