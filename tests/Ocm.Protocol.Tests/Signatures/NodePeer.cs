using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>
/// Runs the independent Node.js signature implementations (tests/interop). Missing node or npm packages make the
/// calling test fail with instructions — never skip.
/// </summary>
internal static class NodePeer
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly Lazy<string?> Problem = new(CheckEnvironment);

    public static string RepositoryRoot => Root.Value;

    public static string NodeModules =>
        Environment.GetEnvironmentVariable("OCM_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot, ".tmp", "node", "node_modules");

    public static string InteropScript => Path.Combine(RepositoryRoot, "tests", "interop", "sig-interop.js");

    /// <summary>Runs one job through sig-interop.js and returns its JSON result (fails the test on a Node error).</summary>
    public static async Task<JsonNode> RunAsync(JsonObject job)
    {
        var results = await RunAsync([job]);
        return results[0];
    }

    /// <summary>Runs several jobs in one Node process.</summary>
    public static async Task<IReadOnlyList<JsonNode>> RunAsync(IReadOnlyList<JsonObject> jobs)
    {
        var array = new JsonArray([.. jobs.Select(j => (JsonNode)j.DeepClone())]);
        var (exit, stdout, stderr) = await RunNodeAsync(InteropScript, array.ToJsonString(), []);
        Assert.True(exit == 0, $"sig-interop.js exited with {exit}: {stderr}");
        var results = JsonNode.Parse(stdout)!.AsArray();
        foreach (var result in results)
        {
            Assert.True(result!["error"] is null, $"Node peer error: {result["error"]}");
        }

        return [.. results.Select(r => r!)];
    }

    /// <summary>Runs a Node script with arguments; NODE_PATH points at the installed packages.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunNodeAsync(string script, string stdin, IEnumerable<string> arguments)
    {
        if (Problem.Value is { } problem)
        {
            Assert.Fail(problem);
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NODE_PATH"] = NodeModules;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The message in the shape the npm libraries take: method, url / status, headers (repeated → array).</summary>
    public static JsonObject ToJson(HttpMessage message)
    {
        var headers = new JsonObject();
        foreach (var group in message.Headers.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
        {
            var values = group.Select(f => f.Value).ToList();
            headers[group.Key] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(v => (JsonNode)v)]);
        }

        var json = new JsonObject { ["headers"] = headers };
        if (message.IsRequest)
        {
            json["method"] = message.Method;
            json["url"] = message.TargetUri!.OriginalString;
        }
        else
        {
            json["status"] = message.StatusCode;
        }

        return json;
    }

    private static string? CheckEnvironment()
    {
        const string Fix = "Install Node.js (>= 18) and run tests/interop/install.sh (it installs http-message-signatures@1.0.6 and http-signature@1.4.0 into .tmp/node; set OCM_NODE_MODULES to use another node_modules).";
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            node.WaitForExit(30_000);
            if (node.ExitCode != 0)
            {
                return "`node --version` failed. " + Fix;
            }
        }
        catch (Win32Exception)
        {
            return "The cross-implementation tests need `node` on PATH, which was not found. " + Fix;
        }

        foreach (var (package, version) in new[] { ("http-message-signatures", "1.0.6"), ("http-signature", "1.4.0") })
        {
            var manifest = Path.Combine(NodeModules, package, "package.json");
            if (!File.Exists(manifest))
            {
                return $"npm package {package}@{version} is missing from {NodeModules}. {Fix}";
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            if (doc.RootElement.GetProperty("version").GetString() != version)
            {
                return $"{NodeModules}/{package} is version {doc.RootElement.GetProperty("version").GetString()}, the tests pin {version}. {Fix}";
            }
        }

        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ocm.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Cannot find the repository root (Ocm.slnx) above " + AppContext.BaseDirectory);
    }
}
