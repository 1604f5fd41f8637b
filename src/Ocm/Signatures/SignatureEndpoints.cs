using System.Text;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Discovery;

namespace Ocm.Signatures;

internal static class SignatureEndpoints
{
    /// <summary>
    /// Our JWK Set at <c>{public-url}/ocm/jwks</c> (advertised as <c>jwksUri</c>) and at
    /// <c>/.well-known/jwks.json</c> for -05 peers: pending, active and recently retired keys.
    /// </summary>
    public static IEndpointRouteBuilder MapOcmSignatures(this IEndpointRouteBuilder app)
    {
        static async Task<IResult> Serve(ServerKeyStore keys, HttpContext context)
        {
            // A key another node (or 'ocm keys') just added or activated is published at once, wherever the peer asks.
            await keys.RefreshAsync(context.RequestAborted);
            context.Response.Headers.CacheControl = "public, max-age=60";
            return Results.Text(keys.PublishedKeySet.ToJson(), "application/jwk-set+json", Encoding.UTF8);
        }

        app.MapGet("/ocm/jwks", Serve).ExcludeFromDescription();
        app.MapGet("/.well-known/jwks.json", Serve).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Advertises <c>jwksUri</c> + <c>http-sig</c>, the legacy cavage <c>publicKey</c>, and <c>must-use-http-sig</c> when enforced.</summary>
internal sealed class SignaturesDiscoveryContributor(ServerKeyStore keys, SecurityOptions options) : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server)
    {
        document.WithJwksUri(server.Url("ocm/jwks"));
        var (cavage, keyId) = keys.CavageKey;
        document.WithLegacyPublicKey(keyId, cavage.ExportPublicKeyPem());
        if (options.RequireSignatures)
        {
            document.WithCriterion(OcmCriteria.MustUseHttpSig);
        }
    }
}
