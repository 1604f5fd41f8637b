using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Bench.Federation;

/// <summary>
/// Remote OCM servers as far as a receiver can tell: one Kestrel host in this process listening on several loopback
/// addresses, each address a separate server with its own Ed25519 key, answering discovery (OCM 1.4 with
/// <c>http-sig</c> and a <c>jwksUri</c>) and its JWK Set. Shares are built and signed here with Ocm.Protocol's
/// <see cref="OcmRequestSigner"/>, exactly as an Ocm server signs its outbound requests.
/// </summary>
internal sealed class SigningPeers : IAsyncDisposable
{
    private static readonly string[] UserShareType = ["user"];
    private static readonly string[] Capabilities = ["http-sig", "notifications"];
    private static readonly string[] ReadOnly = ["read"];

    private readonly WebApplication _app;
    private readonly Dictionary<string, SigningKey> _keys;
    private int _keyFetches;

    private SigningPeers(WebApplication app, Dictionary<string, SigningKey> keys, IReadOnlyList<string> authorities)
    {
        _app = app;
        _keys = keys;
        Authorities = authorities;
    }

    /// <summary><c>host:port</c> of each peer.</summary>
    public IReadOnlyList<string> Authorities { get; }

    /// <summary>How many discovery and JWK Set requests the peers answered (the receiver's cache misses).</summary>
    public int KeyFetches => _keyFetches;

    public static async Task<SigningPeers> StartAsync(IReadOnlyList<string> addresses)
    {
        var ports = addresses.Select(OcmServeProcess.FreePort).ToList();
        var authorities = addresses.Select((a, i) => $"{a}:{ports[i]}").ToList();
        var keys = authorities.ToDictionary(a => a, a => SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, $"{a}#ed25519-bench"), StringComparer.OrdinalIgnoreCase);
        var jwks = new JsonWebKeySet(keys.Values.Select(k => k.ExportPublicJwk())).ToJson();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            for (var i = 0; i < addresses.Count; i++)
            {
                kestrel.Listen(IPAddress.Parse(addresses[i]), ports[i]);
            }
        });
        var app = builder.Build();
        SigningPeers? self = null;
        app.MapGet("/.well-known/ocm", (HttpContext context) =>
        {
            Interlocked.Increment(ref self!._keyFetches);
            var authority = context.Request.Host.Value;
            var document = new Dictionary<string, object>
            {
                ["enabled"] = true,
                ["apiVersion"] = "1.4.0",
                ["endPoint"] = $"http://{authority}/ocm",
                ["provider"] = "OcmBenchPeer",
                ["resourceTypes"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["name"] = "file",
                        ["shareTypes"] = UserShareType,
                        ["protocols"] = new Dictionary<string, object> { ["webdav"] = "/dav/ocm/" },
                    },
                },
                ["capabilities"] = Capabilities,
                ["jwksUri"] = $"http://{authority}/jwks",
            };
            return Results.Text(JsonSerializer.Serialize(document), "application/json");
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref self!._keyFetches);
            return Results.Text(jwks, "application/jwk-set+json");
        });
        app.MapFallback(() => Results.NotFound());
        self = new SigningPeers(app, keys, authorities);
        await app.StartAsync();
        return self;
    }

    /// <summary>
    /// A <c>POST /ocm/shares</c> from alice at <paramref name="peer"/> to <paramref name="recipient"/> on the server at
    /// <paramref name="target"/>: a new file share (fresh providerId and secret) in the OCM 1.4 form, signed unless told not to.
    /// </summary>
    public HttpMessage Share(string peer, Uri target, string recipient, int sequence, bool sign = true)
    {
        var providerId = Guid.NewGuid().ToString("N");
        var sender = $"alice@{peer}";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["shareWith"] = recipient,
            ["name"] = $"ingest-{sequence:D6}.txt",
            ["providerId"] = providerId,
            ["owner"] = sender,
            ["sender"] = sender,
            ["ownerDisplayName"] = "Alice",
            ["senderDisplayName"] = "Alice",
            ["shareType"] = "user",
            ["resourceType"] = "file",
            ["protocol"] = new Dictionary<string, object>
            {
                ["name"] = "multi",
                ["webdav"] = new Dictionary<string, object>
                {
                    ["uri"] = providerId,
                    ["sharedSecret"] = Convert.ToHexString(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray()),
                    ["permissions"] = ReadOnly,
                },
            },
        });
        var message = HttpMessage.CreateRequest("POST", target);
        message.Headers.Add("Content-Type", "application/json");
        message.Body = body;
        if (sign)
        {
            new OcmRequestSigner(_keys[peer]).Sign(message);
        }

        return message;
    }

    /// <summary>The message as an <see cref="HttpRequestMessage"/>, headers and body bytes exactly as signed.</summary>
    public static HttpRequestMessage ToRequest(HttpMessage message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, message.TargetUri)
        {
            Content = new ByteArrayContent(message.Body!.Value.ToArray()),
            Version = HttpVersion.Version11,
        };
        foreach (var field in message.Headers)
        {
            if (field.Name.Equals("Host", StringComparison.OrdinalIgnoreCase) || field.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue; // HttpClient writes both itself, with the same values
            }

            if (!request.Headers.TryAddWithoutValidation(field.Name, field.Value))
            {
                request.Content.Headers.TryAddWithoutValidation(field.Name, field.Value);
            }
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}
