using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Shares;
using Ocm.Signatures;
using Ocm.Tokens;
using Ocm.Trust;

namespace Ocm.Shares;

internal static class SharesServiceCollectionExtensions
{
    public static IServiceCollection AddOcmShares(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(SharesOptions.Section).Get<SharesOptions>() ?? new SharesOptions();

        services.TryAddSingleton(options);
        services.TryAddKeyedSingleton(IncomingShareEndpoints.RateLimiterKey, (sp, _) =>
            new PeerRateLimiter(
                IncomingShareEndpoints.RateLimiterKey, sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<DatabaseWriteGate>(),
                sp.GetRequiredService<TimeProvider>(), options.IncomingBurst, options.IncomingPerHour));
        services.TryAddSingleton<ShareSecrets>();
        services.TryAddSingleton<SecretProtector>();
        services.AddSingleton<IOcmDataInitializer>(sp => sp.GetRequiredService<SecretProtector>());
        services.TryAddScoped<Notifier>();
        services.TryAddSingleton<UnsignedNotifications>();
        services.TryAddScoped<OutgoingShares>();
        services.TryAddScoped<ReceivedShares>();
        services.TryAddScoped<Reshares>();
        services.AddSingleton<IOutboxListener, ShareDeliveryListener>();
        services.AddSingleton<IOutboxListener, ReshareDeliveryListener>();
        services.AddSingleton<IOutboxListener, ReshareChangeDeliveryListener>();

        // Scoped: it applies notifications through the request's OutgoingShares and ReceivedShares.
        services.AddScoped<INotificationHandler, ShareNotificationHandler>();
        services.AddSingleton<IDiscoveryContributor, SharesDiscoveryContributor>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SharesApiJsonContext.Default));
        return services;
    }

    public static IEndpointRouteBuilder MapOcmShares(this IEndpointRouteBuilder app)
    {
        app.MapIncomingShares();
        app.MapOcmNotifications();
        app.MapOcmTokens();
        app.MapShareApi();
        app.MapReceivedShareApi();
        app.MapOcmShareWebDav();
        return app;
    }
}

/// <summary>
/// Advertises what sharing really supports: <c>file</c> and <c>folder</c> over WebDAV in both roles (served under
/// <c>/dav/ocm/</c>, relative or absolute URIs accepted), notifications, and the code flow at <c>/ocm/token</c>
/// (with <c>must-exchange-token</c> when configured).
/// </summary>
internal sealed class SharesDiscoveryContributor(SecurityOptions security, Ui.UiOptions ui) : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server)
    {
        var webDavRoot = server.Path("dav/ocm/");
        if (ui.Enabled)
        {
            // With the web interface we send files our viewer opens as web apps, and open received ones in a new
            // top-level page (OCM §OCM API Discovery › protocols: "webapp" and "webapp-receive" with the target "blank").
            document.AddResourceType(ResourceTypes.File, [ShareTypes.User], new DiscoveryProtocols
            {
                WebDav = webDavRoot,
                WebDavReceive = new WebDavReceive { Uri = WebDavUriForms.Relative },
                WebApp = new WebAppSend(),
                WebAppReceive = new WebAppReceive { Targets = [WebAppTargets.Blank] },
            });
        }
        else
        {
            document.AddWebDavResourceType(ResourceTypes.File, webDavRoot, WebDavUriForms.Relative);
        }

        document.AddWebDavResourceType(ResourceTypes.Folder, webDavRoot, WebDavUriForms.Relative);
        document.WithCapability(OcmCapabilities.Notifications);
        document.WithTokenEndPoint(server.Url("ocm/token"));
        if (security.RequireTokenExchange)
        {
            document.WithCriterion(OcmCriteria.MustExchangeToken);
        }
    }
}
