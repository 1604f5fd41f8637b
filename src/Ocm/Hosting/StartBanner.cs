using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Ocm.Data;
using Ocm.Federation;

namespace Ocm.Hosting;

/// <summary>
/// What <c>ocm serve</c> prints once it serves requests: where its data is, which database, how peers see it, where it
/// listens, which configuration files it read and whether it talks to peers without TLS — the questions an operator
/// otherwise answers by reading code. Printed to the console, not logged: it is for the person who started the server.
/// </summary>
internal static class StartBanner
{
    public static string Describe(IServiceProvider services, IConfiguration configuration)
    {
        var server = services.GetRequiredService<OcmServerInfo>();
        var listening = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var files = OcmConfiguration.FilesRead(configuration);
        var text = new StringBuilder();
        var version = typeof(StartBanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        text.Append("Ocm ").Append(version).AppendLine(" is ready.");
        Line(text, "Data directory", server.DataDir);
        Line(text, "Database", services.GetRequiredService<DatabaseLocation>().ToString());
        Line(text, "Public URL", server.PublicUrl.ToString());
        Line(text, "Listening on", string.Join(", ", listening));
        Line(text, "Configuration", files.Count > 0
            ? string.Join(", ", files)
            : $"no file (defaults; {OcmConfiguration.OcmJson} in the data directory would be read)");
        Line(text, "Insecure peers", InsecurePeers(services.GetRequiredService<FederationOptions>()));
        text.Append("Ctrl+C stops the server.");
        return text.ToString();
    }

    private static string InsecurePeers(FederationOptions federation)
    {
        if (federation.AllowInsecurePeers)
        {
            return "ALL — Federation:AllowInsecurePeers is true: any peer over plain http and on private addresses (for test setups only)";
        }

        return federation.InsecurePeers.Length > 0
            ? $"{string.Join(", ", federation.InsecurePeers)} (Federation:InsecurePeers: plain http and private addresses allowed)"
            : "none (peers need https and public addresses)";
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append("  ").Append((label + ":").PadRight(16)).AppendLine(value);
}
