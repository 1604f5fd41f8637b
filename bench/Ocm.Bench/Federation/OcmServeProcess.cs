using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Ocm.Bench.Federation;

/// <summary>
/// A real <c>ocm serve</c> process (the <c>ocm.dll</c> built next to this benchmark) on one loopback address, with its
/// own data directory; its log goes to <c>serve.log</c> there. Federation over plain http to loopback peers is allowed
/// (<c>Ocm:Federation:AllowInsecurePeers</c>); everything else is the default configuration, so what is measured is
/// what an operator runs (SQLite, Information logging, signature verification on, quarantine for unknown senders).
/// </summary>
internal sealed class OcmServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private OcmServeProcess(Process process, Uri baseUri, string dataDir, StreamWriter log)
    {
        _process = process;
        BaseUri = baseUri;
        DataDir = dataDir;
        _log = log;
    }

    public Uri BaseUri { get; }

    /// <summary><c>host:port</c>, the server part of its users' OCM addresses.</summary>
    public string Authority => BaseUri.Authority;

    public string DataDir { get; }

    public int ProcessId => _process.Id;

    /// <summary>CPU time (user + system, all threads) the server process used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Peak resident set size (VmHWM) in MiB.</summary>
    public long PeakRssMiB
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64 >> 20;
        }
    }

    public static string OcmDll => Path.Combine(AppContext.BaseDirectory, "ocm.dll");

    /// <summary>Creates <paramref name="users"/> with <c>ocm user add</c>, then starts <c>ocm serve</c> and waits for <c>/readyz</c>.</summary>
    public static async Task<OcmServeProcess> StartAsync(string address, string workDir, string name, IEnumerable<(string User, string Password)> users,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var dataDir = Path.Combine(workDir, name);
        Directory.CreateDirectory(dataDir);
        var baseUri = new Uri($"http://{address}:{FreePort(address)}/");
        var url = baseUri.ToString().TrimEnd('/');
        foreach (var (user, password) in users)
        {
            using var add = Start(["user", "add", user, "--password", password, "--data-dir", dataDir, "--public-url", url, "--init"], settings);
            var output = add.StandardOutput.ReadToEndAsync();
            var error = add.StandardError.ReadToEndAsync();
            await add.WaitForExitAsync();
            if (add.ExitCode != 0)
            {
                throw new InvalidOperationException($"ocm user add {user} failed ({add.ExitCode}): {await output}{await error}");
            }
        }

        var process = Start(["serve", "--urls", url, "--data-dir", dataDir], settings);
        var log = new StreamWriter(Path.Combine(dataDir, "serve.log"), append: false, Encoding.UTF8) { AutoFlush = true };
        var server = new OcmServeProcess(process, baseUri, dataDir, log);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"ocm serve on {address} exited with {process.ExitCode}; see {dataDir}/serve.log");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("readyz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"ocm serve on {address} did not become healthy; see {dataDir}/serve.log");
    }

    /// <summary>An HTTP client signed in as <paramref name="user"/> (Basic, as sync clients and scripts do).</summary>
    public HttpClient ClientFor(string user, string password, int maxConnections = 16)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, UseCookies = false })
        {
            BaseAddress = BaseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.BaseStream.CanWrite)
            {
                _log.WriteLine(line);
            }
        }
    }

    private static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? settings)
    {
        if (!File.Exists(OcmDll))
        {
            throw new FileNotFoundException("ocm.dll is not next to the benchmark: build bench/Ocm.Bench first.", OcmDll);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(OcmDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OCM_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "true";
        info.Environment["OCM_USERS__CREATEADMINONFIRSTSTART"] = "false";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Cannot start dotnet.");
    }

    public static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
