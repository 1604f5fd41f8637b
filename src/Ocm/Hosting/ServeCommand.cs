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
        var command = new Command("serve", "Run the Ocm server.") { urls, dataDir, publicUrl };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var flags = Flags(parse.GetValue(urls), parse.GetValue(dataDir), parse.GetValue(publicUrl));
            await using var app = OcmServer.Build(flags);
            await OcmServer.StartAsync(app, cancellationToken);
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
