using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.TryAddSingleton<PeerKeyResolver>();
        services.TryAddSingleton<ISignatureReplayCache>(sp => new MemorySignatureReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new OcmRequestVerifier(
            sp.GetRequiredService<PeerKeyResolver>(),
            new OcmVerifierOptions
            {
                MaxFutureSkew = TimeSpan.FromSeconds(options.MaxFutureSkewSeconds),
                MaxAge = TimeSpan.FromSeconds(options.MaxAgeSeconds),
            },
            sp.GetRequiredService<ISignatureReplayCache>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new CavageVerifier(
            new CavageVerifierOptions { DateWindow = TimeSpan.FromSeconds(options.MaxAgeSeconds), MaxFutureSkew = TimeSpan.FromSeconds(options.MaxFutureSkewSeconds) },
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddScoped<OcmRequestAuthentication>();
        services.TryAddSingleton<OutgoingRequestSigner>();
        services.AddSingleton<IDiscoveryContributor, SignaturesDiscoveryContributor>();
        services.AddHostedService<ServerKeysInitializer>();
        return services;
    }
}

/// <summary>Creates the server's keys on first start, before the first request needs them.</summary>
internal sealed class ServerKeysInitializer(ServerKeyStore keys) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        keys.EnsureInitialized();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
