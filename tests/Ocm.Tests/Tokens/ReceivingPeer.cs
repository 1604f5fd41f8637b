using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Tokens;

/// <summary>
/// A scripted receiving server in the strict 1.4 dialect (reva/oCIS shape: <c>protocol.webdav</c>, <c>http-sig</c> with an
/// Ed25519 key in its JWK Set, <c>exchange-token</c>): it accepts every share sent to it (201), answers notifications with
/// 201, and lets a test craft signed token requests and notifications as that server. A test changes its discovery (drop
/// the keys, add criteria) through <c>discovery</c>.
/// </summary>
internal sealed class ReceivingPeer : IAsyncDisposable
{
    private readonly FakeOcmPeer _server;

    private ReceivingPeer(FakeOcmPeer server, SigningKey key)
    {
        _server = server;
        Key = key;
    }

    public string Authority => _server.Authority;

    public SigningKey Key { get; }

    /// <summary>Every request but discovery, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received => _server.Received;

    /// <summary>Starts the peer on <paramref name="address"/>; <paramref name="signs"/> false publishes no key at all (a server that cannot sign).</summary>
    public static async Task<ReceivingPeer> StartAsync(string address, bool signs = true, Action<JsonObject>? discovery = null)
    {
        SigningKey? key = null;
        var server = await FakeOcmPeer.StartAsync(
            address,
            async (context, _) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path == "/jwks" && signs)
                {
                    context.Response.ContentType = "application/jwk-set+json";
                    await context.Response.WriteAsync(new JsonWebKeySet([key!.ExportPublicJwk()]).ToJson());
                    return;
                }

                if (path is "/ocm/shares" or "/ocm/notifications")
                {
                    context.Response.StatusCode = StatusCodes.Status201Created;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(path == "/ocm/shares" ? """{"recipientDisplayName":"Bob"}""" : "{}");
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
            },
            (document, baseUri) =>
            {
                document["capabilities"] = signs
                    ? new JsonArray("notifications", "protocol-object", "exchange-token", "http-sig")
                    : new JsonArray("notifications", "protocol-object");
                if (signs)
                {
                    document["jwksUri"] = new Uri(baseUri, "jwks").ToString();
                    document["tokenEndPoint"] = new Uri(baseUri, "ocm/token").ToString();
                }

                discovery?.Invoke(document);
            });
        key = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, $"{server.Authority}#ed25519-1");
        return new ReceivingPeer(server, key);
    }

    /// <summary>The share payloads that arrived, oldest first.</summary>
    public IReadOnlyList<JsonElement> Shares =>
        [.. Received.Where(r => r.Path == "/ocm/shares").Select(r => JsonDocument.Parse(r.Body).RootElement.Clone())];

    /// <summary>Waits for the share payload of <paramref name="name"/>.</summary>
    public Task<JsonElement> ShareAsync(string name) =>
        OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(Shares.FirstOrDefault(s => s.GetProperty("name").GetString() == name)),
            s => s.ValueKind == JsonValueKind.Object,
            $"the share of {name} to arrive at {Authority}");

    /// <summary>The <c>protocol.webdav.sharedSecret</c> of a share payload.</summary>
    public static string SecretOf(JsonElement share) =>
        share.GetProperty("protocol").GetProperty("webdav").GetProperty("sharedSecret").GetString()!;

    /// <summary>A token request (OCM §Code Flow › Token Request) to <paramref name="server"/>, not yet signed.</summary>
    public static HttpMessage TokenRequest(OcmTestServer server, string form, string contentType = "application/x-www-form-urlencoded")
    {
        var message = HttpMessage.CreateRequest("POST", new Uri(server.BaseUri, "ocm/token"));
        message.Headers.Add("Content-Type", contentType);
        message.Body = Encoding.UTF8.GetBytes(form);
        return message;
    }

    /// <summary>The form of a valid token request by this server for <paramref name="code"/>.</summary>
    public string Form(string code, string grantType = "authorization_code", string? clientId = null) =>
        $"grant_type={Uri.EscapeDataString(grantType)}&client_id={Uri.EscapeDataString(clientId ?? Authority)}&code={Uri.EscapeDataString(code)}";

    /// <summary>A notification to <paramref name="server"/> about <paramref name="providerId"/>, not yet signed.</summary>
    public static HttpMessage Notification(OcmTestServer server, string type, string providerId, string? sharedSecret)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            notificationType = type,
            resourceType = "file",
            providerId,
            notification = sharedSecret is null ? (object)new { message = "from the test" } : new { message = "from the test", sharedSecret },
        });
        var message = HttpMessage.CreateRequest("POST", new Uri(server.BaseUri, "ocm/notifications"));
        message.Headers.Add("Content-Type", "application/json");
        message.Body = body;
        return message;
    }

    /// <summary>Signs as OCM §Signing Requirements says, with this server's key.</summary>
    public HttpMessage Sign(HttpMessage message)
    {
        new OcmRequestSigner(Key).Sign(message);
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        Key.Dispose();
        await _server.DisposeAsync();
    }
}
