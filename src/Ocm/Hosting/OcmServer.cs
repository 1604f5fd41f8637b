using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Identity;
using Ocm.Identity.LoginFlow;
using Ocm.Identity.Mfa;
using Ocm.Invites;
using Ocm.RemoteShares;
using Ocm.Shares;
using Ocm.Signatures;
using Ocm.SyncClients;
using Ocm.Trust;
using Ocm.Ui;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.Hosting;

/// <summary>
/// Composes the server: configuration, logging, the database, then every feature's <c>AddX()</c> and <c>MapX()</c>.
/// <c>ocm serve</c> and the integration tests both start the server through here. Building touches nothing on disk
/// (it only reads the configuration files); <see cref="StartAsync"/> creates the data once the server listens.
/// </summary>
internal static class OcmServer
{
    public static WebApplication Build(
        IReadOnlyDictionary<string, string?> flags,
        IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configureTestServices = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(OcmServer).Assembly.GetName().Name,
        });
        OcmConfiguration.Apply(builder.Configuration, flags, overrides);

        // Every section at once, before any feature reads its own: all errors in one start-up failure.
        ConfigurationValidation.ValidateAll(builder.Configuration);
        var options = builder.Configuration.GetSection(OcmOptions.Section).Get<OcmOptions>() ?? new OcmOptions();
        var proxy = ProxyOptions.From(builder.Configuration);

        var dataDir = Path.GetFullPath(options.DataDir);

        builder.WebHost.UseKestrelCore();
        builder.Services.RemoveAll<IMemoryPoolFactory<byte>>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Uploads are limited per endpoint (WebDAV has its own limit); the API endpoints cap their bodies themselves.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddRoutingCore();

        ConfigureLogging(builder.Logging, builder.Configuration, options);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new OcmServerInfo(options, dataDir, sp.GetRequiredService<IServer>()));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new NulFreeStringConverter()));
        builder.Services.AddOcmApiDocumentation();
        builder.Services.AddOcmData(builder.Configuration, dataDir);
        builder.Services.AddSingleton<DeploymentSecret>();
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddOcmFederation(builder.Configuration);
        builder.Services.AddOcmDelivery(builder.Configuration);
        builder.Services.AddOcmSignatures(builder.Configuration);
        builder.Services.AddOcmTrust(builder.Configuration);
        builder.Services.AddOcmShares(builder.Configuration);
        builder.Services.AddOcmRemoteShares();
        builder.Services.AddOcmUsers(builder.Configuration);
        builder.Services.AddOcmFiles(builder.Configuration, dataDir);
        builder.Services.AddOcmWebDav(builder.Configuration);
        builder.Services.AddOcmSyncClients(builder.Configuration, dataDir);
        builder.Services.AddOcmInvites(builder.Configuration);
        builder.Services.AddOcmUi(builder.Configuration, dataDir);
        builder.Services.AddOcmMfa(builder.Configuration);
        builder.Services.AddOcmLoginFlow(builder.Configuration);
        builder.Services.AddOcmIdentity(builder.Configuration);

        configureTestServices?.Invoke(builder.Services);
        OcmStartup.DeferHostedServices(builder.Services);

        var app = builder.Build();

        // First: the throttles, rate limits, logs and cookies below see the client as the trusted proxy saw it.
        app.UseOcmForwardedHeaders(proxy);
        app.Use(app.Services.GetRequiredService<OcmStartup>().HoldRequestsUntilReadyAsync);
        app.UseOcmErrorHandling();
        app.UseOcmApiProblemDetails();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOcmHealth();
        app.MapOcmApiDocumentation();
        app.MapOcmFederation();
        app.MapOcmSignatures();
        app.MapOcmShares();
        app.MapOcmRemoteShares();
        app.MapOcmWebDav();
        app.MapOcmSyncClients();
        app.MapOcmInvites();
        app.MapOcmUi();
        app.MapOcmMfa();
        app.MapOcmLoginFlow();
        app.MapOcmIdentity();
        return app;
    }

    /// <summary>
    /// Starts listening, then creates or migrates the data (<see cref="OcmStartup.InitializeAsync"/>) and opens for
    /// requests. Returns once requests are served, with the first admin's password when this start created it. When
    /// the server cannot listen, nothing has been created; when the data cannot be prepared, the server is stopped again.
    /// </summary>
    public static async Task<string?> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        FilesServiceCollectionExtensions.EnsureShareable(app.Services);
        await app.StartAsync(cancellationToken);
        try
        {
            return await app.Services.GetRequiredService<OcmStartup>().InitializeAsync(cancellationToken);
        }
        catch
        {
            await app.StopAsync(CancellationToken.None);
            throw;
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration, OcmOptions options)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Ocm:Logging"));
        if (string.Equals(options.LogFormat, "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
            });
        }

        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // The start banner (StartBanner) says where the server listens, once the data is ready; the host's own
        // "Now listening"/"Application started" lines would come before that. A failed start is reported in one line by
        // the caller, so the host's "Hosting failed to start" with its stack trace is not logged as well.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
    }
}

/// <summary>The data directory holds the database, files and keys, so only the server user may read it.</summary>
internal static class DataDirectory
{
    /// <summary>Creates the directory (mode 0700) when it does not exist, and makes sure files can be created in it.</summary>
    public static void Prepare(string fullPath)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(fullPath);
            }
            else
            {
                Directory.CreateDirectory(fullPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unusable(fullPath, "cannot be created", NearestExisting(fullPath) is { } blocker && File.Exists(blocker)
                ? $"{blocker} is a file, not a directory"
                : Reason(ex), ex);
        }

        // An existing directory may still be read-only (permissions, a read-only mount): find out now, not at the
        // first upload.
        var probe = Path.Combine(fullPath, $".ocm-write-test-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unusable(fullPath, "cannot be written", ex.Message.Contains(probe, StringComparison.Ordinal) ? "no file can be created in it" : Reason(ex), ex);
        }
    }

    private static OcmStartupException Unusable(string fullPath, string what, string reason, Exception ex) => new(
        $"the data directory {fullPath} {what} ({reason}): choose another with --data-dir, or let the server's user write there",
        StartupFailures.ExitEnvironment,
        ex);

    private static string Reason(Exception ex) => ex is UnauthorizedAccessException ? "permission denied" : StartupFailures.OneLine(ex.Message).TrimEnd('.');

    private static string? NearestExisting(string path)
    {
        for (var current = Path.GetDirectoryName(path); current is not null; current = Path.GetDirectoryName(current))
        {
            if (Path.Exists(current))
            {
                return current;
            }
        }

        return null;
    }
}
