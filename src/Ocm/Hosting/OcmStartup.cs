using Ocm.Data;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.Hosting;

/// <summary>
/// The order of a start: listen first, then create what the data directory and the database need, then serve.
/// A start that cannot listen (address in use, no permission) must leave nothing behind — no data directory, database,
/// keys or admin account — so everything that writes waits until Kestrel holds its sockets. The hosting model starts
/// every hosted service before the server (ASP.NET Core docs, "Background tasks with hosted services"), so the
/// features' hosted services are taken out of the host in <see cref="DeferHostedServices"/> and started here once the
/// data is ready; requests that arrive in between wait in <see cref="HoldRequestsUntilReadyAsync"/>.
/// </summary>
internal sealed partial class OcmStartup(
    IServiceProvider services,
    IReadOnlyList<Func<IServiceProvider, IHostedService>> deferred,
    IHostApplicationLifetime lifetime,
    ILogger<OcmStartup> logger) : IHostedService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IHostedService> _started = [];

    /// <summary>
    /// Takes every hosted service registered so far out of the host (the web server's own is added only when the
    /// application is built, so it stays) and registers <see cref="OcmStartup"/>, which starts them after the data is
    /// ready and stops them after the server stopped (the host stops services in reverse order).
    /// </summary>
    public static void DeferHostedServices(IServiceCollection serviceCollection)
    {
        var descriptors = serviceCollection.Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService).ToList();
        var factories = new List<Func<IServiceProvider, IHostedService>>();
        foreach (var descriptor in descriptors)
        {
            serviceCollection.Remove(descriptor);
            if (descriptor.ImplementationInstance is IHostedService instance)
            {
                factories.Add(_ => instance);
            }
            else if (descriptor.ImplementationFactory is { } factory)
            {
                factories.Add(sp => (IHostedService)factory(sp));
            }
            else if (descriptor.ImplementationType is { } type)
            {
                // Registered as itself, so that the container still owns (and disposes) the one instance.
                serviceCollection.Add(ServiceDescriptor.Singleton(type, type));
                factories.Add(sp => (IHostedService)sp.GetRequiredService(type));
            }
        }

        serviceCollection.AddSingleton(sp => new OcmStartup(
            sp, factories, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<OcmStartup>>()));
        serviceCollection.AddHostedService(sp => sp.GetRequiredService<OcmStartup>());
    }

    /// <summary>True once the data is ready and requests are served.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Runs once the server listens: reaches the database (for PostgreSQL the first contact, before anything is created
    /// on disk) and the object store when contents live in one, creates the data directory, migrates, starts the deferred hosted services (the signing keys are
    /// created there), creates the first admin. Returns the first admin's password when one was created.
    /// </summary>
    public async Task<string?> InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await services.EnsureDatabaseReachableAsync(cancellationToken);
            await services.EnsureFileStoreReachableAsync(cancellationToken);
            DataDirectory.Prepare(services.GetRequiredService<OcmServerInfo>().DataDir);
            services.GetRequiredService<SqliteNodeLock>().Acquire();
            services.GetRequiredService<DeploymentSecret>().EnsureLoaded();
            await services.MigrateOcmDatabaseAsync(cancellationToken);
            await services.InitializeOcmDataAsync(cancellationToken);
            foreach (var create in deferred)
            {
                var service = create(services);
                await service.StartAsync(cancellationToken);
                _started.Add(service);
                if (service is BackgroundService background)
                {
                    _ = WatchAsync(background);
                }
            }

            var password = await services.GetRequiredService<FirstAdmin>().CreateIfNoUserAsync(cancellationToken);
            _ready.TrySetResult();
            return password;
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            _ = _ready.Task.Exception; // observed here; waiting requests get a 503
            throw;
        }
    }

    /// <summary>First in the request pipeline: a request that arrives while the data is being prepared waits for it.</summary>
    public async Task HoldRequestsUntilReadyAsync(HttpContext context, RequestDelegate next)
    {
        // The probes answer at once: a balancer or orchestrator asks whether the process lives and whether it is
        // ready, and "starting" is an answer (Readiness).
        if (!IsReady && !Readiness.IsProbe(context.Request.Path))
        {
            try
            {
                await _ready.Task.WaitAsync(context.RequestAborted);
            }
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                // The start failed and the server is about to stop.
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
        }

        await next(context);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].StopAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StopFailed(logger, ex, _started[i].GetType().Name);
            }
        }

        _started.Clear();
        services.GetRequiredService<SqliteNodeLock>().Dispose();
    }

    /// <summary>What the host does for the background services it starts itself: a crash is logged and stops the server.</summary>
    private async Task WatchAsync(BackgroundService service)
    {
        try
        {
            if (service.ExecuteTask is { } task)
            {
                await task;
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.BackgroundServiceFailed(logger, ex, service.GetType().Name);
            lifetime.StopApplication();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1010, LogLevel.Critical, "{Service} stopped with an error; the server stops")]
        public static partial void BackgroundServiceFailed(ILogger logger, Exception exception, string service);

        [LoggerMessage(1011, LogLevel.Error, "{Service} did not stop cleanly")]
        public static partial void StopFailed(ILogger logger, Exception exception, string service);
    }
}
