using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Users;

namespace Ocm.SyncClients;

internal static class SyncClientsServiceCollectionExtensions
{
    /// <summary>What Nextcloud/ownCloud sync clients need besides WebDAV: options, the chunk store in <c>{DataDir}/chunks</c>, its sweep.</summary>
    public static IServiceCollection AddOcmSyncClients(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(SyncClientsOptions.Section).Get<SyncClientsOptions>() ?? new SyncClientsOptions();

        services.TryAddSingleton(options);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        services.TryAddSingleton(sp => new ChunkStore(
            Path.Combine(dataDir, "chunks"),
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<RandomNumberGenerator>(),
            sp.GetRequiredService<ILogger<ChunkStore>>()));
        services.TryAddScoped<ChunkedUploadHandler>();
        services.AddHostedService<ChunkSweep>();
        return services;
    }

    /// <summary><c>/status.php</c>, the OCS endpoints under <c>/ocs/v1.php/</c> and <c>/ocs/v2.php/</c>, and chunked uploads under <c>/remote.php/dav/uploads/</c>.</summary>
    public static IEndpointRouteBuilder MapOcmSyncClients(this IEndpointRouteBuilder app)
    {
        app.MapOcs();
        app.Map(ChunkedUploadHandler.Prefix + "{user}/{**path}", HandleUploadAsync)
            .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
            .WithDisplayName("Chunked uploads")
            .ExcludeFromDescription();
        app.Map(ChunkedUploadHandler.Prefix.TrimEnd('/'), HandleUploadAsync)
            .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
            .WithDisplayName("Chunked uploads")
            .ExcludeFromDescription();
        return app;
    }

    private static Task HandleUploadAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<ChunkedUploadHandler>().HandleAsync(context);
}
