using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Contacts;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Discovery;
using Ocm.RequestShares;

namespace Ocm.Invites;

/// <summary>Advertises <c>invites</c> and <c>invite-wayf</c> with our <c>inviteAcceptDialog</c> path (OCM §OCM API Discovery › Fields).</summary>
internal sealed class InvitesDiscoveryContributor : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server) =>
        document.WithInvites(server.Path(InvitePaths.AcceptDialog), wayf: true);
}

internal static class InvitesServiceCollectionExtensions
{
    /// <summary>
    /// The invite flow and what it feeds: invites, the WAYF page and directory services (read and published), the accept dialog,
    /// <c>/ocm/invite-accepted</c>, the contacts (address book) and the <c>/ocm/request-share</c> inbox.
    /// </summary>
    public static IServiceCollection AddOcmInvites(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(InvitesOptions.Section).Get<InvitesOptions>() ?? new InvitesOptions();

        services.TryAddSingleton(options);
        services.TryAddScoped<InviteRegistry>();
        services.TryAddScoped<InviteAcceptor>();
        services.TryAddSingleton<DirectoryServiceClient>();
        services.TryAddSingleton<PublishedDirectory>();
        services.AddSingleton<IDiscoveryContributor, InvitesDiscoveryContributor>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, InvitesJsonContext.Default));
        services.AddOcmContacts();
        services.AddOcmRequestShares(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapOcmInvites(this IEndpointRouteBuilder app)
    {
        app.MapInviteApi();
        app.MapInviteAccepted();
        app.MapInvitePages();
        app.MapPublishedDirectory();
        app.MapOcmContacts();
        app.MapOcmRequestShares();
        return app;
    }
}
