using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Ocm.Hosting;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Json;

namespace Ocm.Federation;

/// <summary><c>ocm discover TARGET</c>: what a remote OCM server advertises, which dialect it speaks, what it gets wrong.</summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "host, host:port, OCM address (user@host) or URL" };
        var json = CommandJson.Switch();
        var insecure = new Option<bool>("--insecure")
        {
            Description = "Allow plain http and private/loopback addresses (test setups). Same as Ocm:Federation:AllowInsecurePeers=true.",
        };
        var timeout = new Option<int>("--timeout") { Description = "Seconds per discovery request.", DefaultValueFactory = _ => 10, HelpName = "seconds" };
        var command = new Command("discover", "Discover a remote OCM server: version, endpoints, resource types, protocols, capabilities, criteria, dialect and spec violations.")
        {
            target, json, insecure, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationManager();
            OcmConfiguration.Apply(configuration, new Dictionary<string, string?>());
            var options = configuration.GetSection(FederationOptions.Section).Get<FederationOptions>() ?? new FederationOptions();
            if (parse.GetValue(insecure))
            {
                options = options with { AllowInsecurePeers = true };
            }

            DiscoveredServer server;
            try
            {
                server = await PeerClient.DiscoverOnceAsync(
                    options, parse.GetValue(target)!, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), cancellationToken);
            }
            catch (OcmDiscoveryException ex)
            {
                await Console.Error.WriteLineAsync(Explain(ex, parse.GetValue(target)!, parse.GetValue(insecure)));
                return 1;
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return 2;
            }

            if (parse.GetValue(json))
            {
                await WriteJsonAsync(server, cancellationToken);
            }
            else
            {
                WriteText(server);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The reason in words on the first line; then every URL tried and what it answered. A refusal by our own policy
    /// names both ways to allow the peer: <c>--insecure</c> for this command, the configuration for the server.
    /// </summary>
    internal static string Explain(OcmDiscoveryException ex, string typed, bool insecure)
    {
        var text = new StringBuilder("error: cannot discover ").Append(ex.Target).Append(": ").Append(ex.Summary);
        var scheme = DiscoveryTarget.TryParse(typed, out var target, out _) ? target.ExplicitScheme : null;
        if (!insecure && ex.Failure == DiscoveryFailure.Blocked)
        {
            text.Append(" Add --insecure to allow it for this command.");
        }
        else if (!insecure && ex.Failure == DiscoveryFailure.PlainHttpOnTlsPort && scheme is null)
        {
            text.Append(" In a test setup, add --insecure to try plain http too (for the server: Ocm:Federation:InsecurePeers or Ocm:Federation:AllowInsecurePeers).");
        }
        else if (ex.Failure == DiscoveryFailure.PlainHttpOnTlsPort && scheme == Uri.UriSchemeHttps)
        {
            text.Append(" Try http://").Append(ex.Target).Append(insecure ? "" : " with --insecure").Append('.');
        }

        foreach (var attempt in ex.Attempts)
        {
            text.Append('\n').Append("  ").Append(attempt.Url).Append(" → ").Append(attempt.Outcome);
        }

        return text.ToString();
    }

    private static void WriteText(DiscoveredServer server)
    {
        var d = server.Document;
        var o = Console.Out;
        o.WriteLine($"Peer:           {server.Authority}");
        o.WriteLine($"Document:       {server.DocumentUrl}");
        o.WriteLine($"Provider:       {d.Provider ?? "(not given)"}");
        o.WriteLine($"API version:    {(d.ApiVersion.Length > 0 ? d.ApiVersion : "(missing)")}");
        o.WriteLine($"Enabled:        {(d.Enabled ? "yes" : "no")}");
        o.WriteLine($"Dialect:        {server.Dialect}");
        o.WriteLine($"Endpoint:       {d.EndPoint}");
        o.WriteLine($"Token endpoint: {d.TokenEndPoint ?? "-"}");
        o.WriteLine($"JWKS:           {d.JwksUri ?? "-"}");
        o.WriteLine($"Invite dialog:  {d.InviteAcceptDialog ?? "-"}");
        o.WriteLine($"Legacy key:     {(d.PublicKey is null ? "-" : d.PublicKey.KeyId ?? "(no keyId)")}");
        o.WriteLine($"Capabilities:   {(d.Capabilities.Count == 0 ? "-" : string.Join(", ", d.Capabilities))}");
        o.WriteLine($"Criteria:       {(d.Criteria.Count == 0 ? "-" : string.Join(", ", d.Criteria))}");
        o.WriteLine("Resource types:");
        if (d.ResourceTypes.Count == 0)
        {
            o.WriteLine("  (none)");
        }

        foreach (var type in d.ResourceTypes)
        {
            var p = type.Protocols;
            var protocols = new List<string>();
            if (p.WebDav is not null)
            {
                protocols.Add($"webdav {p.WebDav}");
            }

            if (p.WebDavReceive is not null)
            {
                protocols.Add($"webdav-receive (uri: {p.WebDavReceive.Uri})");
            }

            if (p.WebApp is not null)
            {
                protocols.Add("webapp");
            }

            if (p.WebAppReceive is not null)
            {
                protocols.Add($"webapp-receive ({string.Join(", ", p.WebAppReceive.Targets)})");
            }

            if (p.Ssh is not null)
            {
                protocols.Add($"ssh {p.Ssh}");
            }

            if (p.SshReceive is not null)
            {
                protocols.Add("ssh-receive");
            }

            foreach (var other in p.Other ?? [])
            {
                protocols.Add(other.Key);
            }

            o.WriteLine($"  {type.Name} [{string.Join(", ", type.ShareTypes)}]: {(protocols.Count == 0 ? "no protocols" : string.Join("; ", protocols))}");
        }

        if (server.Violations.Count == 0)
        {
            o.WriteLine("Spec violations: none");
        }
        else
        {
            o.WriteLine($"Spec violations ({server.Violations.Count}):");
            foreach (var violation in server.Violations)
            {
                o.WriteLine("  - " + violation);
            }
        }
    }

    private static async Task WriteJsonAsync(DiscoveredServer server, CancellationToken cancellationToken)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("peer", server.Authority);
        writer.WriteString("documentUrl", server.DocumentUrl.ToString());
        writer.WriteString("dialect", server.Dialect.ToString());
        writer.WriteStartArray("violations");
        foreach (var violation in server.Violations)
        {
            writer.WriteStringValue(violation);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("document");
        using (var document = JsonDocument.Parse(OcmJson.Write(server.Document)))
        {
            document.RootElement.WriteTo(writer);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }
}
