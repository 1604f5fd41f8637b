using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;

namespace Ocm.Signatures;

internal static class SignaturesServiceCollectionExtensions
{
    public static IServiceCollection AddOcmSignatures(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();

        services.TryAddSingleton(options);
        services.TryAddSingleton<ServerKeyStore>();
        services.AddSingleton<IOcmDataInitializer>(sp => sp.GetRequiredService<ServerKeyStore>());
        services.TryAddSingleton<PeerKeyResolver>();
        services.TryAddSingleton<ISignatureReplayCache, DatabaseSignatureReplayCache>();
        services.TryAddSingleton(sp => new OcmRequestVerifier(
            sp.GetRequiredService<PeerKeyResolver>(),
            new OcmVerifierOptions
            {
                MaxFutureSkew = TimeSpan.FromSeconds(options.MaxFutureSkewSeconds),
                MaxAge = TimeSpan.FromSeconds(options.MaxAgeSeconds),
                UntaggedOcmLabelPeers = options.UntaggedSignaturePeers,
            },
            sp.GetRequiredService<ISignatureReplayCache>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new CavageVerifier(
            new CavageVerifierOptions { DateWindow = TimeSpan.FromSeconds(options.MaxAgeSeconds), MaxFutureSkew = TimeSpan.FromSeconds(options.MaxFutureSkewSeconds) },
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddScoped<OcmRequestAuthentication>();
        services.TryAddSingleton<OutgoingRequestSigner>();
        services.AddSingleton<IDiscoveryContributor, SignaturesDiscoveryContributor>();
        services.AddHostedService<ServerKeyRefresher>();
        return services;
    }
}
