using Ocm.Hosting;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Json;

namespace Ocm.Federation;

/// <summary>
/// A feature that works adds itself to our discovery document through one of these; nothing is advertised that no
/// feature registered (e.g. the signatures feature adds <c>jwksUri</c> and <c>http-sig</c> only when keys exist).
/// </summary>
internal interface IDiscoveryContributor
{
    void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server);
}

/// <summary>Builds this server's discovery document (<c>/.well-known/ocm</c>) from what is really enabled.</summary>
internal sealed class LocalDiscovery(OcmServerInfo server, IEnumerable<IDiscoveryContributor> contributors)
{
    private byte[]? _json;

    /// <summary>The OCM API base, <c>{public-url}/ocm</c>.</summary>
    public Uri EndPoint => server.Url("ocm");

    public DiscoveryDocument Build()
    {
        var builder = new DiscoveryDocumentBuilder(EndPoint).WithProvider(server.ProviderName);
        foreach (var contributor in contributors)
        {
            contributor.Contribute(builder, server);
        }

        return builder.Build();
    }

    /// <summary>The serialized document; built once (the enabled features do not change while running).</summary>
    public byte[] Json => _json ??= OcmJson.Write(Build());
}

internal static class DiscoveryDocumentEndpoints
{
    /// <summary>
    /// <c>GET /.well-known/ocm</c> (OCM 1.4) and the pre-1.4 aliases <c>/ocm-provider</c> and <c>/ocm-provider/</c>
    /// that pre-1.4 peers still try.
    /// </summary>
    public static IEndpointRouteBuilder MapOcmDiscoveryDocument(this IEndpointRouteBuilder app)
    {
        static IResult Serve(LocalDiscovery discovery, HttpContext context)
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            context.Response.Headers.AccessControlAllowOrigin = "*";
            return Results.Bytes(discovery.Json, "application/json; charset=utf-8");
        }

        app.MapGet("/.well-known/ocm", Serve).ExcludeFromDescription();
        // Routing matches this with and without the trailing slash, which old peers add.
        app.MapGet("/ocm-provider", Serve).ExcludeFromDescription();
        return app;
    }
}
