using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// A scripted remote OCM server on its own loopback address: serves a 1.4 discovery document whose endPoint points
/// at itself (a test may change it, e.g. add <c>jwksUri</c> or a legacy <c>publicKey</c>) and hands every other
/// request to the test's handler, recording what arrived (method, path, body, headers).
/// </summary>
internal sealed class FakeOcmPeer : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;

    private FakeOcmPeer(LoopbackHttpServer server, ConcurrentQueue<ReceivedRequest> received)
    {
        _server = server;
        Received = received;
    }

    public ConcurrentQueue<ReceivedRequest> Received { get; }

    public string Authority => _server.Authority;

    public Uri BaseUri => _server.BaseUri;

    /// <summary>Starts the peer.</summary>
    /// <param name="address">The loopback address to listen on.</param>
    /// <param name="handler">Answers every request but discovery.</param>
    /// <param name="discovery">Changes the discovery document before it is served; gets the peer's base URI.</param>
    public static async Task<FakeOcmPeer> StartAsync(string address, Func<HttpContext, string, Task> handler, Action<JsonObject, Uri>? discovery = null)
    {
        var received = new ConcurrentQueue<ReceivedRequest>();
        string? authority = null;
        var server = await LoopbackHttpServer.StartAsync(address, async context =>
        {
            if (context.Request.Path == "/.well-known/ocm")
            {
                context.Response.ContentType = "application/json";
                var json = $$"""
                    {
                      "enabled": true, "apiVersion": "1.4.0", "endPoint": "http://{{authority ?? context.Request.Host.Value}}/ocm",
                      "provider": "FakePeer",
                      "resourceTypes": [ { "name": "file", "shareTypes": ["user"],
                        "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
                      "capabilities": ["notifications", "protocol-object"]
                    }
                    """;
                if (discovery is not null)
                {
                    var document = JsonNode.Parse(json)!.AsObject();
                    discovery(document, new Uri($"http://{authority ?? context.Request.Host.Value}/"));
                    json = document.ToJsonString();
                }

                await context.Response.WriteAsync(json);
                return;
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", body)
            {
                Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            });
            await handler(context, body);
        });
        authority = server.Authority;
        return new FakeOcmPeer(server, received);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

internal sealed record ReceivedRequest(string Method, string Path, string Body)
{
    /// <summary>The request headers, several values of one name joined with ",".</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
