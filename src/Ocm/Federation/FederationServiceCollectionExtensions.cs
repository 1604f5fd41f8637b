using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Http;

namespace Ocm.Federation;

internal static class FederationServiceCollectionExtensions
{
    public static IServiceCollection AddOcmFederation(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(FederationOptions.Section).Get<FederationOptions>() ?? new FederationOptions();
        services.TryAddSingleton(options);
        services.TryAddSingleton(options.ToPolicy());
        services.TryAddSingleton(options.ToDiscoveryOptions());

        // The one outbound path (PeerClient): the guarded handler chain, registered here and nowhere else. No overall
        // timeout: each call sets its own, and a large shared file may take long to stream.
        services.AddHttpClient(PeerClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => PeerClient.CreateHandler(sp.GetRequiredService<OutboundPolicy>()));

        services.TryAddSingleton<IOcmDiscoveryClient>(sp => new OcmDiscoveryClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(PeerClient.HttpClientName),
            sp.GetRequiredService<OutboundPolicy>(),
            sp.GetRequiredService<DiscoveryClientOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OcmDiscoveryClient>>()));
        services.TryAddSingleton<PeerDirectory>();
        services.TryAddSingleton<PeerClient>();
        services.TryAddSingleton<LocalDiscovery>();
        return services;
    }

    public static IEndpointRouteBuilder MapOcmFederation(this IEndpointRouteBuilder app)
    {
        app.MapOcmDiscoveryDocument();
        return app;
    }
}
