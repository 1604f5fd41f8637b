using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.SyncClients;

internal static class SyncClientsServiceCollectionExtensions
{
    /// <summary>
    /// What Nextcloud/ownCloud sync clients need besides WebDAV: options, the chunk store (in <c>{DataDir}/chunks</c>, or
    /// in the object store when <c>Ocm:Storage:Provider</c> is <c>s3</c>), its sweep.
    /// </summary>
    public static IServiceCollection AddOcmSyncClients(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(SyncClientsOptions.Section).Get<SyncClientsOptions>() ?? new SyncClientsOptions();

        services.TryAddSingleton(options);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        // Chunks live where the contents live: on the disk of this node, or in the object store every node shares.
        if ((configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).IsS3)
        {
            services.TryAddSingleton<IChunkStore>(sp => new S3ChunkStore(
                sp.GetRequiredService<S3FileStore>(),
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<S3ChunkStore>>()));
        }
        else
        {
            services.TryAddSingleton<IChunkStore>(sp => new LocalChunkStore(
                Path.Combine(dataDir, "chunks"),
                options,
                sp.GetRequiredService<IFileStore>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<RandomNumberGenerator>(),
                sp.GetRequiredService<ILogger<LocalChunkStore>>()));
        }

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
