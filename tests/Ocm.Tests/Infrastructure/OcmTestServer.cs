using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Hosting;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// A real Ocm server (Kestrel on a real socket) on a loopback address of its own, e.g. 127.0.0.2 for "server A" and
/// 127.0.0.3 for "server B", with a throw-away data directory. Built through the same code as <c>ocm serve</c>.
/// </summary>
internal sealed class OcmTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private OcmTestServer(WebApplication app, string dataDir, Uri baseUri)
    {
        _app = app;
        DataDir = dataDir;
        BaseUri = baseUri;
        Client = new HttpClient { BaseAddress = baseUri };
    }

    public string DataDir { get; }

    public Uri BaseUri { get; }

    /// <summary><c>host:port</c>, as in OCM addresses of this server's users.</summary>
    public string Authority => BaseUri.Authority;

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<OcmTestServer> StartAsync(
        string loopbackAddress = "127.0.0.1",
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        string? dataDir = null)
    {
        dataDir ??= TempDirectory.Create("ocm-server");
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Ocm:DataDir"] = dataDir,
            ["Ocm:Urls"] = $"http://{loopbackAddress}:0",
            ["Ocm:Federation:AllowInsecurePeers"] = "true",
            ["Ocm:Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        if (string.Equals(overrides.GetValueOrDefault("Ocm:Database:Provider"), "postgres", StringComparison.OrdinalIgnoreCase)
            && !overrides.ContainsKey("Ocm:DeploymentSecret") && !overrides.ContainsKey("Ocm:DeploymentSecretFile"))
        {
            overrides["Ocm:DeploymentSecret"] = OcmProcess.TestDeploymentSecret;
        }

        var app = OcmServer.Build(new Dictionary<string, string?>(), overrides, configureServices);
        await OcmServer.StartAsync(app, CancellationToken.None);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OcmTestServer(app, dataDir, new Uri(address.TrimEnd('/') + "/"));
    }

    public T GetRequiredService<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Stops the server but keeps its data directory (to start it again on the same address and data).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        TempDirectory.Delete(DataDir);
    }
}

internal static class TempDirectory
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held by a just-stopped process; the OS temp cleaner takes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
