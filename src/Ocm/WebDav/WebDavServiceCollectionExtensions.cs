using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Users;

namespace Ocm.WebDav;

internal static class WebDavServiceCollectionExtensions
{
    public static IServiceCollection AddOcmWebDav(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(WebDavOptions.Section).Get<WebDavOptions>() ?? new WebDavOptions();

        services.TryAddSingleton(options);
        services.TryAddScoped<WritePreconditions>();
        services.TryAddScoped<WebDavHandler>();
        services.TryAddScoped<VersionsHandler>();
        return services;
    }

    /// <summary>
    /// Users' trees at <c>/dav/files/{user}/</c>, <c>/remote.php/dav/files/{user}/</c> and <c>/remote.php/webdav/</c>,
    /// every method, for signed-in users (Basic).
    /// </summary>
    public static IEndpointRouteBuilder MapOcmWebDav(this IEndpointRouteBuilder app)
    {
        foreach (var mount in DavMount.All)
        {
            app.Map(mount.RoutePattern, HandleAsync)
                .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
                .WithDisplayName("WebDAV " + mount.Prefix)
                .ExcludeFromDescription();
        }

        // Earlier contents of files (Nextcloud's versions endpoint).
        foreach (var pattern in new[] { VersionsHandler.Prefix + "{**path}", VersionsHandler.Prefix.TrimEnd('/') })
        {
            app.Map(pattern, HandleVersionsAsync)
                .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
                .WithDisplayName("WebDAV file versions")
                .ExcludeFromDescription();
        }

        return app;
    }

    private static Task HandleVersionsAsync(HttpContext context) => context.RequestServices.GetRequiredService<VersionsHandler>().HandleAsync(context);

    private static Task HandleAsync(HttpContext context) => context.RequestServices.GetRequiredService<WebDavHandler>().HandleAsync(context);
}
