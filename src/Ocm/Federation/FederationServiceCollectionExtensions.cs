using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Http;

namespace Ocm.Federation;

internal static class FederationServiceCollectionExtensions
{
    /// <summary>The name of the one outbound <see cref="HttpClient"/> every call to another server goes through.</summary>
    public const string OutboundClient = "ocm-outbound";

    /// <summary>
    /// The same guarded path without signing, for unsigned GETs that signing itself depends on (discovery, JWKS);
    /// keeping it separate avoids the signing handler needing discovery to build itself.
    /// </summary>
    public const string DiscoveryClient = "ocm-discovery";

    public static IServiceCollection AddOcmFederation(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(FederationOptions.Section).Get<FederationOptions>() ?? new FederationOptions();
        services.TryAddSingleton(options);
        services.TryAddSingleton(options.ToPolicy());

        // One outbound path: SSRF guard at connect time, every redirect hop re-checked. Feature handlers (signing)
        // are added to this same client by their features.
        foreach (var name in new[] { OutboundClient, DiscoveryClient })
        {
            services.AddHttpClient(name, client => client.Timeout = TimeSpan.FromSeconds(60))
                .ConfigurePrimaryHttpMessageHandler(sp => GuardedHttpHandler.Create(sp.GetRequiredService<OutboundPolicy>()))
                .AddHttpMessageHandler(sp => new GuardedRedirectHandler(sp.GetRequiredService<OutboundPolicy>()));
        }

        services.TryAddSingleton<IOcmDiscoveryClient>(sp => new OcmDiscoveryClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(DiscoveryClient),
            sp.GetRequiredService<OutboundPolicy>(),
            options.ToDiscoveryOptions(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OcmDiscoveryClient>>()));
        services.TryAddSingleton<PeerDirectory>();
        services.TryAddSingleton<LocalDiscovery>();
        return services;
    }

    public static IEndpointRouteBuilder MapOcmFederation(this IEndpointRouteBuilder app)
    {
        app.MapOcmDiscoveryDocument();
        return app;
    }
}
