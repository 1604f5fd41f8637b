using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Protocol.Http;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>
/// Remote access for recipients: accepted received shares appear in the recipient's WebDAV tree
/// under <c>/Shared with me/</c> and are read and written on the sender's server through the guarded outbound path.
/// </summary>
internal static class RemoteSharesServiceCollectionExtensions
{
    public static IServiceCollection AddOcmRemoteShares(this IServiceCollection services)
    {
        // Data transfers: the SSRF-guarded path without signing (WebDAV access is authorized by the share's secret or
        // token, OCM §Resource Access) and without an overall timeout — a 1 GiB body may take long; the wait for the
        // sender's answer is bounded per request by Ocm:Shares:RemoteTimeoutSeconds.
        services.AddHttpClient(RemoteShareClient.DataClient, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => GuardedHttpHandler.Create(sp.GetRequiredService<OutboundPolicy>(), bulkReceive: true))
            .AddHttpMessageHandler(sp => new GuardedRedirectHandler(sp.GetRequiredService<OutboundPolicy>()));
        services.TryAddSingleton<RemoteShareClient>();
        services.TryAddSingleton<RemoteShareProxy>();
        services.TryAddScoped<SharedWithMeFolder>();
        services.AddScoped<IDavVirtualFolder>(sp => sp.GetRequiredService<SharedWithMeFolder>());
        return services;
    }
}
