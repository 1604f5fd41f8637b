using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.Files;

internal static class FilesServiceCollectionExtensions
{
    /// <summary>
    /// File trees in the database; contents on the local disk in <c>{DataDir}/files</c> (or <c>Ocm:Files:Root</c>), or
    /// in an S3-compatible object store when <c>Ocm:Storage:Provider</c> is <c>s3</c>.
    /// </summary>
    public static IServiceCollection AddOcmFiles(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(FilesOptions.Section).Get<FilesOptions>() ?? new FilesOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var versions = configuration.GetSection(VersionsOptions.Section).Get<VersionsOptions>() ?? new VersionsOptions();
        var errors = storage.Validate().ToList();
        var versionErrors = versions.Validate().ToList();
        if (versionErrors.Count > 0)
        {
            throw new OptionsValidationException(VersionsOptions.Section, typeof(VersionsOptions), versionErrors);
        }

        if (storage.IsS3)
        {
            var s3 = configuration.GetSection(S3StorageOptions.Section).Get<S3StorageOptions>() ?? new S3StorageOptions();
            errors.AddRange(s3.Validate());
            services.TryAddSingleton(s3);
            services.TryAddSingleton<S3Connection>();
            services.TryAddSingleton(sp => new S3FileStore(
                sp.GetRequiredService<S3Connection>(), sp.GetRequiredService<RandomNumberGenerator>(), sp.GetRequiredService<ILogger<S3FileStore>>()));
            services.TryAddSingleton<IFileStore>(sp => sp.GetRequiredService<S3FileStore>());
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions), errors);
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton(storage);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        services.TryAddSingleton(sp => LocalStore(sp, options, dataDir));
        services.TryAddSingleton<IFileStore>(sp => sp.GetRequiredService<LocalFileStore>());
        services.TryAddSingleton<StorageIdentity>();
        services.TryAddScoped<FileTree>();
        services.TryAddSingleton<FileWriteBatcher>();
        services.TryAddScoped<FileLocks>();
        services.AddHostedService<StorageSweep>();
        services.TryAddSingleton(versions);
        services.TryAddSingleton<VersionHousekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<VersionHousekeeping>());
        return services;
    }

    /// <summary>
    /// Refuses to serve with contents in an object store but the database in a SQLite file: the object store is there so
    /// that several nodes share the contents, and a SQLite file cannot be shared by them — each node would have its own
    /// file tree over one set of objects, and sweep the others' objects as orphans.
    /// </summary>
    public static void EnsureShareable(IServiceProvider services)
    {
        var database = services.GetRequiredService<DatabaseLocation>();
        if (services.GetRequiredService<StorageOptions>().IsS3 && !database.IsPostgres)
        {
            throw new OcmStartupException(
                $"Ocm:Storage:Provider is s3 but the database is SQLite ({database.Description}), which the nodes sharing an object store cannot share. "
                + "Use PostgreSQL with S3 (Ocm:Database:Provider=postgres and Ocm:Database:ConnectionString), or keep Ocm:Storage:Provider=disk",
                StartupFailures.ExitConfiguration);
        }
    }

    /// <summary>
    /// With contents in an object store: reaches it (and creates the bucket when missing) before anything else is
    /// created, so a store that does not answer, or refuses the credentials, stops the start in one line.
    /// </summary>
    public static async Task EnsureFileStoreReachableAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<S3Connection>() is not { } s3)
        {
            return;
        }

        try
        {
            await s3.EnsureAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new OcmStartupException(
                $"cannot use the object store: {StartupFailures.OneLine(ex.Message).TrimEnd('.')}. Start it, or correct the Ocm:Storage:S3 settings (OCM_STORAGE__S3__…)",
                StartupFailures.ExitEnvironment,
                ex);
        }
    }

    /// <summary>The local disk store (the default store, and the source of <c>ocm storage migrate</c>).</summary>
    public static LocalFileStore LocalStore(IServiceProvider services, FilesOptions options, string dataDir) => new(
        options.Root ?? Path.Combine(dataDir, "files"),
        options.FlushToDisk,
        services.GetRequiredService<RandomNumberGenerator>(),
        services.GetRequiredService<ILogger<LocalFileStore>>());
}
