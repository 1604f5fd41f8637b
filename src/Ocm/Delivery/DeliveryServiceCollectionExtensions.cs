using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Federation;

namespace Ocm.Delivery;

internal static class DeliveryServiceCollectionExtensions
{
    public static IServiceCollection AddOcmDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions();
        services.TryAddSingleton(options);
        services.TryAddSingleton<OutboxSignal>();
        services.AddSingleton<IInterceptor, OutboxCommitInterceptor>();
        services.TryAddSingleton(sp => new PeerCircuitBreaker(
            sp.GetRequiredService<TimeProvider>(), options.CircuitBreakerThreshold, options.CircuitBreakSeconds));
        services.TryAddScoped<Outbox>();
        services.TryAddSingleton<OutboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWorker>());
        return services;
    }
}
