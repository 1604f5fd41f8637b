using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
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
/// <c>ocm serve</c> and the integration tests both start the server through here.
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

        var options = builder.Configuration.GetSection(OcmOptions.Section).Get<OcmOptions>() ?? new OcmOptions();
        var dataDir = DataDirectory.Prepare(options.DataDir);

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

        configureTestServices?.Invoke(builder.Services);

        var app = builder.Build();
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
        app.MapOcmWebDav();
        app.MapOcmSyncClients();
        app.MapOcmInvites();
        app.MapOcmUi();
        return app;
    }

    /// <summary>Migrates the database, then starts listening. Returns once the server accepts connections.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.MigrateOcmDatabaseAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
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
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
    }
}

/// <summary>The data directory holds the database, files and keys, so only the server user may read it.</summary>
internal static class DataDirectory
{
    public static string Prepare(string configured)
    {
        var full = Path.GetFullPath(configured);
        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return full;
    }
}
