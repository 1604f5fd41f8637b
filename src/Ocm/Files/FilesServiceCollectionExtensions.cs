using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ocm.Files;

internal static class FilesServiceCollectionExtensions
{
    /// <summary>File trees in the database and contents in <c>{DataDir}/files</c> (or <c>Ocm:Files:Root</c>).</summary>
    public static IServiceCollection AddOcmFiles(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(FilesOptions.Section).Get<FilesOptions>() ?? new FilesOptions();
        services.TryAddSingleton(options);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        services.TryAddSingleton<IFileStore>(sp => new LocalFileStore(
            options.Root ?? Path.Combine(dataDir, "files"),
            options.FlushToDisk,
            sp.GetRequiredService<RandomNumberGenerator>(),
            sp.GetRequiredService<ILogger<LocalFileStore>>()));
        services.TryAddSingleton<StorageIdentity>();
        services.TryAddScoped<FileTree>();
        services.TryAddSingleton<FileWriteBatcher>();
        services.TryAddScoped<FileLocks>();
        services.AddHostedService<StorageSweep>();
        return services;
    }
}
