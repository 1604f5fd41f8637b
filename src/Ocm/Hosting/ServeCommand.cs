using System.CommandLine;

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
            await using var app = OcmServer.Build(flags);
            try
            {
                await OcmServer.StartAsync(app, cancellationToken);
            }
            catch (Exception ex) when (ex is UriFormatException or FormatException)
            {
                // Kestrel parses the addresses only when it starts; one from ocm.json or OCM_URLS can be malformed too.
                await Console.Error.WriteLineAsync($"error: cannot listen on '{app.Services.GetRequiredService<OcmOptions>().Urls}': {ex.Message}");
                return 2;
            }

            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
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
