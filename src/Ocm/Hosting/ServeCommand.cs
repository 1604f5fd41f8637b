using System.CommandLine;
using Ocm.Users;

namespace Ocm.Hosting;

/// <summary><c>ocm serve</c>: run the server until Ctrl+C / SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (default http://localhost:8080)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory: database, files, keys, ocm.json (default ./data)." };
        var publicUrl = new Option<string?>("--public-url") { Description = "Externally visible base URL used in discovery and OCM addresses." };
        urls.Validators.Add(result =>
        {
            foreach (var url in (result.GetValueOrDefault<string?>() ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    result.AddError($"--urls: '{url}' is not an address to listen on (e.g. http://0.0.0.0:8080 or https://[::]:443).");
                }
            }
        });
        var command = new Command("serve", "Run the Ocm server.") { urls, dataDir, publicUrl };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var flags = Flags(parse.GetValue(urls), parse.GetValue(dataDir), parse.GetValue(publicUrl));
            WebApplication? app = null;
            try
            {
                app = OcmServer.Build(flags);
                var firstAdminPassword = await OcmServer.StartAsync(app, cancellationToken);
                await Console.Out.WriteLineAsync(StartBanner.Describe(app.Services, app.Configuration));
                if (firstAdminPassword is not null)
                {
                    await app.Services.GetRequiredService<FirstAdmin>().AnnounceAsync(
                        firstAdminPassword, app.Services.GetRequiredService<OcmServerInfo>().DataDir, cancellationToken);
                }

                // Said here because the host's own lifetime messages are filtered out (see OcmServer.ConfigureLogging).
                app.Lifetime.ApplicationStopping.Register(() => Console.Out.WriteLine("Stopping: finishing the requests in progress…"));
                await Console.Out.FlushAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return 0;
            }
            catch (Exception ex) when (StartupFailures.Describe(ex, app?.Services.GetService<OcmOptions>()?.Urls ?? flags.GetValueOrDefault("Ocm:Urls")) is { } failure)
            {
                await Console.Error.WriteLineAsync("error: " + failure.Message);
                return failure.ExitCode;
            }
            finally
            {
                if (app is not null)
                {
                    await app.DisposeAsync();
                }
            }
        });
        return command;
    }

    /// <summary>The command-line flags every command that opens the data directory shares.</summary>
    public static Dictionary<string, string?> Flags(string? urls, string? dataDir, string? publicUrl)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (urls is not null)
        {
            flags["Ocm:Urls"] = urls;
        }

        if (dataDir is not null)
        {
            flags["Ocm:DataDir"] = dataDir;
        }

        if (publicUrl is not null)
        {
            flags["Ocm:PublicUrl"] = publicUrl;
        }

        return flags;
    }
}
