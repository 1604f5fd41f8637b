using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>
/// Remote access for recipients: accepted received shares appear in the recipient's WebDAV tree under
/// <c>/Shared with me/</c> and are read and written on the sender's server through the peer client
/// (<see cref="Federation.PeerClient"/>): not signed (WebDAV access is authorized by the share's secret or token,
/// OCM §Resource Access), the wait for the sender's answer bounded per request by <c>Ocm:Shares:RemoteTimeoutSeconds</c>,
/// the body streamed however long it takes.
/// </summary>
internal static class RemoteSharesServiceCollectionExtensions
{
    public static IServiceCollection AddOcmRemoteShares(this IServiceCollection services)
    {
        services.TryAddSingleton<RemoteShareClient>();
        services.TryAddSingleton<RemoteShareProxy>();
        services.TryAddScoped<SharedWithMeFolder>();
        services.AddScoped<IDavVirtualFolder>(sp => sp.GetRequiredService<SharedWithMeFolder>());
        services.TryAddScoped<ShareTransfers>();
        services.TryAddSingleton<ShareTransferSignal>();
        services.TryAddSingleton<ShareTransferWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ShareTransferWorker>());
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, TransfersApiJsonContext.Default));
        return services;
    }

    /// <summary>Copies of received shares (OCM datatx): <see cref="ShareTransferEndpoints"/>.</summary>
    public static IEndpointRouteBuilder MapOcmRemoteShares(this IEndpointRouteBuilder app) => app.MapShareTransferApi();
}
