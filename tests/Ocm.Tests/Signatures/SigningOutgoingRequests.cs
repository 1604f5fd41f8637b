using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Signatures;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// alice on our server shares with carol on three kinds of peer; what each peer receives is signed the way it can
/// verify (OCM §HTTP Message Signatures › Applicability): RFC 9421 towards a peer advertising <c>http-sig</c> and a <c>jwksUri</c>, draft-cavage towards a
/// legacy peer that only publishes a <c>publicKey</c> (Nextcloud ≤ 34), nothing towards a peer with neither.
/// </summary>
public sealed class SigningOutgoingRequests : IAsyncLifetime
{
    private OcmTestServer _server = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.0.66", new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        });
        _alice = await _server.CreateUserAsync("alice");
        await _alice.PutFileAsync("alice", "report.txt", "quarterly numbers");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>A peer accepting every share, with <paramref name="discovery"/> changes to its discovery document.</summary>
    private static Task<FakeOcmPeer> StartPeerAsync(string address, Action<JsonObject, Uri>? discovery) =>
        FakeOcmPeer.StartAsync(
            address,
            async (context, _) =>
            {
                context.Response.StatusCode = StatusCodes.Status201Created;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"recipientDisplayName\":\"Carol\"}");
            },
            discovery);

    /// <summary>alice shares report.txt with carol on <paramref name="peer"/>; returns the request the peer received.</summary>
    private async Task<ReceivedRequest> ShareWithCarolAsync(FakeOcmPeer peer)
    {
        await _alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "carol@" + peer.Authority, permissions = new[] { "read" } }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(peer.Received.Count(r => r.Method == "POST" && r.Path == "/ocm/shares")), n => n > 0, "the share to reach the peer");
        return peer.Received.First(r => r.Method == "POST" && r.Path == "/ocm/shares");
    }

    /// <summary>The request as the peer saw it, for the library's verifiers.</summary>
    private static HttpMessage AsMessage(FakeOcmPeer peer, ReceivedRequest received)
    {
        var message = HttpMessage.CreateRequest(received.Method, new Uri(peer.BaseUri, received.Path.TrimStart('/')));
        foreach (var (name, value) in received.Headers)
        {
            message.Headers.Add(name, value);
        }

        message.Body = Encoding.UTF8.GetBytes(received.Body);
        return message;
    }

    [Fact]
    public async Task PeerAdvertisingHttpSig_ReceivesRfc9421SignatureVerifiableWithOurJwks()
    {
        await using var peer = await StartPeerAsync("127.0.0.67", (document, baseUri) =>
        {
            document["capabilities"]!.AsArray().Add("http-sig");
            document["jwksUri"] = new Uri(baseUri, "jwks").ToString();
        });

        var received = await ShareWithCarolAsync(peer);

        var activeKid = _server.GetRequiredService<ServerKeyStore>().ActiveSigningKey.KeyId;
        Assert.StartsWith("ocm=(\"@method\" \"@target-uri\" \"content-digest\" \"content-length\");created=", received.Headers["Signature-Input"], StringComparison.Ordinal);
        Assert.Contains($";keyid=\"{activeKid}\";alg=\"ed25519\";tag=\"ocm\"", received.Headers["Signature-Input"], StringComparison.Ordinal);
        Assert.StartsWith("sha-256=:", received.Headers["Content-Digest"], StringComparison.Ordinal);
        Assert.False(received.Headers.ContainsKey("Digest"));

        var verifier = new OcmRequestVerifier(new JwksOf(_server));
        var result = await verifier.VerifyAsync(AsMessage(peer, received), signerHost: null);
        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(_server.Authority, result.SignerHost);
    }

    [Fact]
    public async Task LegacyPeerWithOnlyPublicKey_ReceivesCavageSignatureVerifiableWithOurDiscoveryKey()
    {
        using var legacyKey = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256);
        await using var peer = await StartPeerAsync("127.0.0.68", (document, baseUri) =>
            document["publicKey"] = new JsonObject
            {
                ["keyId"] = CavageSigner.NextcloudKeyId(new Uri(baseUri, "ocm")),
                ["publicKeyPem"] = legacyKey.ExportPublicKeyPem(),
            });

        var received = await ShareWithCarolAsync(peer);

        Assert.False(received.Headers.ContainsKey("Signature-Input"));
        var discovery = await _server.Client.GetJsonAsync(".well-known/ocm");
        var keyId = discovery.GetProperty("publicKey").GetProperty("keyId").GetString()!;
        var pem = discovery.GetProperty("publicKey").GetProperty("publicKeyPem").GetString()!;
        Assert.StartsWith($"keyId=\"{keyId}\",algorithm=\"rsa-sha512\",headers=\"(request-target) content-length date digest host\"", received.Headers["Signature"], StringComparison.Ordinal);
        Assert.StartsWith("SHA-512=", received.Headers["Digest"], StringComparison.Ordinal);
        Assert.True(received.Headers.ContainsKey("Date"));

        var result = new CavageVerifier().Verify(AsMessage(peer, received), VerificationKey.ImportPem(pem, HttpSignatureAlgorithm.RsaV15Sha512, keyId));
        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public async Task PeerWithNeitherHttpSigNorPublicKey_ReceivesUnsignedRequestWithExplicitLength()
    {
        await using var peer = await StartPeerAsync("127.0.0.69", discovery: null);

        var received = await ShareWithCarolAsync(peer);

        Assert.False(received.Headers.ContainsKey("Signature-Input"));
        Assert.False(received.Headers.ContainsKey("Signature"));
        Assert.False(received.Headers.ContainsKey("Content-Digest"));
        Assert.False(received.Headers.ContainsKey("Digest"));
        Assert.False(received.Headers.ContainsKey("Transfer-Encoding"));
        Assert.Equal(Encoding.UTF8.GetByteCount(received.Body).ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["Content-Length"]);
    }

    /// <summary>Looks keys up in a server's published JWK Set, as a peer would.</summary>
    private sealed class JwksOf(OcmTestServer server) : IOcmKeyResolver
    {
        public async ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken)
        {
            var jwks = JsonWebKeySet.Parse(await server.Client.GetStringAsync("ocm/jwks", cancellationToken));
            return jwks.Find(keyId)?.ToVerificationKey();
        }
    }
}
