using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ocm.Testing;

/// <summary>
/// A real HTTP server on a loopback address (e.g. 127.0.0.5) answering with a test's handler, counting requests.
/// Stands in for a remote OCM peer.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackHttpServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary><c>host:port</c>.</summary>
    public string Authority => BaseUri.Authority;

    public string Host => BaseUri.Host;

    public int Port => BaseUri.Port;

    public int RequestCount => Volatile.Read(ref _requests);

    public List<string> Paths { get; } = [];

    public static Task<LoopbackHttpServer> StartAsync(string address, RequestDelegate handler) =>
        StartAsync(address, handler, certificate: null);

    /// <summary>
    /// An https server with a self-signed certificate for <paramref name="address"/> (which no client trusts): for
    /// what happens when TLS is spoken where plain http was expected, and the reverse.
    /// </summary>
    public static Task<LoopbackHttpServer> StartHttpsAsync(string address, RequestDelegate handler)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={address}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Exported and loaded again: on Linux, Kestrel needs a certificate whose private key it can use on its own.
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
        return StartAsync(address, handler, certificate);
    }

    private static async Task<LoopbackHttpServer> StartAsync(string address, RequestDelegate handler, X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        if (certificate is null)
        {
            builder.WebHost.UseUrls($"http://{address}:0");
        }
        else
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(address), 0, listen => listen.UseHttps(certificate)));
        }

        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackHttpServer? server = null;
        app.Run(async context =>
        {
            Interlocked.Increment(ref server!._requests);
            lock (server.Paths)
            {
                server.Paths.Add(context.Request.Path + context.Request.QueryString);
            }

            await handler(context);
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        if (certificate is not null)
        {
            // Kestrel reports an endpoint configured with Listen() as http://…; it speaks https.
            bound = "https://" + bound[(bound.IndexOf("://", StringComparison.Ordinal) + 3)..];
        }

        server = new LoopbackHttpServer(app, new Uri(bound.TrimEnd('/') + "/"));
        return server;
    }

    /// <summary>Serves <paramref name="json"/> at the given paths with 200 and 404 elsewhere.</summary>
    public static Task<LoopbackHttpServer> ServingAsync(string address, string json, params string[] paths) =>
        StartAsync(address, async context =>
        {
            if (paths.Contains(context.Request.Path.Value, StringComparer.Ordinal))
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(json);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
