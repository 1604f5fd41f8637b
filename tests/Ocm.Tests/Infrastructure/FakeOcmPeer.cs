using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// A scripted remote OCM server on its own loopback address: serves a 1.4 discovery document whose endPoint points
/// at itself and hands every other request to the test's handler, recording what arrived.
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

    public static async Task<FakeOcmPeer> StartAsync(string address, Func<HttpContext, string, Task> handler)
    {
        var received = new ConcurrentQueue<ReceivedRequest>();
        string? authority = null;
        var server = await LoopbackHttpServer.StartAsync(address, async context =>
        {
            if (context.Request.Path == "/.well-known/ocm")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""
                    {
                      "enabled": true, "apiVersion": "1.4.0", "endPoint": "http://{{authority ?? context.Request.Host.Value}}/ocm",
                      "provider": "FakePeer",
                      "resourceTypes": [ { "name": "file", "shareTypes": ["user"],
                        "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
                      "capabilities": ["notifications", "protocol-object"]
                    }
                    """);
                return;
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", body));
            await handler(context, body);
        });
        authority = server.Authority;
        return new FakeOcmPeer(server, received);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

internal sealed record ReceivedRequest(string Method, string Path, string Body);
