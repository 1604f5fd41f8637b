using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// A remote OCM server whose requests we craft and sign by hand: a <see cref="FakeOcmPeer"/> advertising
/// <c>http-sig</c> with a <c>jwksUri</c> (an Ed25519 key, and an <c>oct</c> key that OCM §Keys and Algorithms forbids) and, like
/// Nextcloud 35, also a legacy RSA <c>publicKey</c> for draft-cavage.
/// </summary>
internal sealed class SigningPeer : IAsyncDisposable
{
    private readonly FakeOcmPeer _server;

    private SigningPeer(FakeOcmPeer server)
    {
        _server = server;
        Authority = server.Authority;
        Key = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, $"{Authority}#ed25519-1");
        SharedSecret = SigningKey.Generate(HttpSignatureAlgorithm.HmacSha256, $"{Authority}#shared-1");
        CavageKeyId = CavageSigner.NextcloudKeyId(new Uri(server.BaseUri, "ocm"));
        CavageKey = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, CavageKeyId);
    }

    public string Authority { get; }

    /// <summary>The key published in the JWK Set.</summary>
    public SigningKey Key { get; }

    /// <summary>A shared secret, published as an <c>oct</c> JWK: what a misconfigured peer would do.</summary>
    public SigningKey SharedSecret { get; }

    public SigningKey CavageKey { get; }

    public string CavageKeyId { get; }

    /// <summary>How often the JWK Set was fetched.</summary>
    public int JwksFetches => _server.Received.Count(r => r.Path == "/jwks");

    public static async Task<SigningPeer> StartAsync(string address)
    {
        SigningPeer? self = null;
        var server = await FakeOcmPeer.StartAsync(
            address,
            async (context, _) =>
            {
                if (context.Request.Path == "/jwks")
                {
                    context.Response.ContentType = "application/jwk-set+json";
                    await context.Response.WriteAsync(new JsonWebKeySet([self!.Key.ExportPublicJwk(), self.SharedSecret.ExportPrivateJwk()]).ToJson());
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
            },
            (document, baseUri) =>
            {
                document["jwksUri"] = new Uri(baseUri, "jwks").ToString();
                document["capabilities"]!.AsArray().Add("http-sig");
                document["publicKey"] = new JsonObject { ["keyId"] = self!.CavageKeyId, ["publicKeyPem"] = self.CavageKey.ExportPublicKeyPem() };
            });
        self = new SigningPeer(server);
        return self;
    }

    /// <summary>An OCM address of a user here.</summary>
    public string User(string name) => $"{name}@{Authority}";

    /// <summary>
    /// An unsigned <c>POST /ocm/shares</c> to <paramref name="target"/>: alice here (or <paramref name="sender"/>) shares
    /// a file with <paramref name="shareWith"/>.
    /// </summary>
    public HttpMessage Share(Uri target, string shareWith, string name = "report.txt", string? sender = null) =>
        ShareMessage(target, shareWith, sender ?? User("alice"), name);

    /// <summary>An unsigned <c>POST /ocm/shares</c>: <paramref name="sender"/> shares <paramref name="name"/> with <paramref name="shareWith"/>.</summary>
    public static HttpMessage ShareMessage(Uri target, string shareWith, string sender, string name)
    {
        var providerId = Guid.NewGuid().ToString("N");
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            shareWith,
            name,
            providerId,
            owner = sender,
            sender,
            ownerDisplayName = "Alice",
            senderDisplayName = "Alice",
            shareType = "user",
            resourceType = "file",
            protocol = new { name = "multi", webdav = new { uri = providerId, sharedSecret = "secret-" + providerId, permissions = new[] { "read" } } },
        });
        var message = HttpMessage.CreateRequest("POST", target);
        message.Headers.Add("Content-Type", "application/json");
        message.Body = body;
        return message;
    }

    /// <summary>Signs as OCM §Signing Requirements says, with our JWK Set key unless told otherwise.</summary>
    public HttpMessage Sign(HttpMessage message, SigningKey? key = null, TimeProvider? time = null, OcmSignerOptions? options = null)
    {
        new OcmRequestSigner(key ?? Key, options, time).Sign(message);
        return message;
    }

    /// <summary>An OCM-profile signature made with the shared secret (<see cref="OcmRequestSigner"/> rightly refuses to).</summary>
    public HttpMessage SignWithSharedSecret(HttpMessage message)
    {
        var body = message.Body!.Value;
        message.Headers.Set("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.Set(ContentDigest.FieldName, ContentDigest.Create(body.Span, DigestAlgorithm.Sha256));
        HttpMessageSigner.Sign(
            message,
            "ocm",
            [.. OcmSignatureProfile.RequiredComponents, ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength],
            new SignatureParameters { Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), KeyId = SharedSecret.KeyId, Tag = "ocm" },
            SharedSecret);
        return message;
    }

    /// <summary>Signs the way Nextcloud 31–34 does towards servers without <c>http-sig</c> (draft-cavage, rsa-sha512).</summary>
    public HttpMessage SignCavage(HttpMessage message)
    {
        new CavageSigner(CavageKey, CavageKeyId, CavageSignerOptions.Nextcloud).Sign(message);
        return message;
    }

    /// <summary>
    /// Sends <paramref name="message"/> exactly as built (headers and body bytes) to <paramref name="sendTo"/>, by
    /// default its own target URI; returns the status and the body.
    /// </summary>
    public static async Task<(int Status, string Body)> SendAsync(HttpMessage message, Uri? sendTo = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(message.Method!), sendTo ?? message.TargetUri)
        {
            Content = new ByteArrayContent(message.Body?.ToArray() ?? []),
        };
        foreach (var (name, value) in message.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue; // HttpClient sends both itself, for where the request really goes
            }

            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Key.Dispose();
        SharedSecret.Dispose();
        CavageKey.Dispose();
        await _server.DisposeAsync();
    }
}
