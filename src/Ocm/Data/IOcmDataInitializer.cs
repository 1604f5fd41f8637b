namespace Ocm.Data;

/// <summary>
/// State a feature loads from the database once it is migrated, before the first request and before any offline
/// command uses it (e.g. the signing keys, imported from an old data directory on the first start). Runs for
/// <c>ocm serve</c> and for the offline commands alike, in registration order.
/// </summary>
internal interface IOcmDataInitializer
{
    Task InitializeAsync(CancellationToken cancellationToken);
}

internal static class OcmDataInitialization
{
    /// <summary>Runs every <see cref="IOcmDataInitializer"/>; call after <see cref="DataServiceCollectionExtensions.MigrateOcmDatabaseAsync"/>.</summary>
    public static async Task InitializeOcmDataAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        foreach (var initializer in services.GetServices<IOcmDataInitializer>())
        {
            await initializer.InitializeAsync(cancellationToken);
        }
    }
}
