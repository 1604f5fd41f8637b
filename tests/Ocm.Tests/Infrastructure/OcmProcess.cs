using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// The real <c>ocm</c> executable as a separate process (the build output of src/Ocm, run with <c>dotnet</c>):
/// <c>ocm serve</c> on a loopback address, or a one-shot admin command.
/// </summary>
internal sealed class OcmProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private OcmProcess(Process process, Uri baseUri, string dataDir)
    {
        _process = process;
        BaseUri = baseUri;
        DataDir = dataDir;
    }

    public Uri BaseUri { get; }

    public string DataDir { get; }

    /// <summary>The operating system's id of the process (the server names itself by it, e.g. as a lease owner; its memory use is read from <c>/proc</c> by it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string OcmDll
    {
        get
        {
            // tests/Ocm.Tests/bin/{Configuration}/net10.0 → src/Ocm/bin/{Configuration}/net10.0/ocm.dll
            var testBin = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testBin.Parent!.Name;
            var framework = testBin.Name;
            var repo = RepositoryRoot;
            var dll = Path.Combine(repo, "src", "Ocm", "bin", configuration, framework, "ocm.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/Ocm first: ocm.dll not found.", dll);
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ocm.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("Cannot find the repository root (Ocm.slnx).");
        }
    }

    /// <summary>A free TCP port on <paramref name="address"/>.</summary>
    public static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>ocm serve</c> and waits until <c>/readyz</c> says it is ready.</summary>
    public static Task<OcmProcess> StartServeAsync(
        string address,
        string? dataDir = null,
        IReadOnlyDictionary<string, string>? environment = null,
        params string[] extraArgs) => StartServeAsync(address, port: null, dataDir, environment, extraArgs);

    /// <summary>Starts <c>ocm serve</c> on a given port (a restart keeps its address), or a free one.</summary>
    public static async Task<OcmProcess> StartServeAsync(
        string address,
        int? port,
        string? dataDir,
        IReadOnlyDictionary<string, string>? environment,
        params string[] extraArgs)
    {
        dataDir ??= TempDirectory.Create("ocm-proc");
        port ??= FreePort(address);
        var baseUri = new Uri($"http://{address}:{port}/");
        var start = Start(["serve", "--urls", baseUri.ToString().TrimEnd('/'), "--data-dir", dataDir, .. extraArgs], environment);
        var process = new OcmProcess(start, baseUri, dataDir);
        process.CaptureOutput();

        using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (start.HasExited)
            {
                throw new InvalidOperationException($"ocm serve exited with {start.ExitCode}:\n{process.Output}");
            }

            try
            {
                using var response = await client.GetAsync("readyz");
                if (response.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await process.DisposeAsync();
        throw new TimeoutException($"ocm serve did not become healthy within 120 s:\n{process.Output}");
    }

    /// <summary>The deployment secret test servers on PostgreSQL share unless a test gives its own.</summary>
    public const string TestDeploymentSecret = "test-deployment-secret-0123456789";

    /// <summary>Settings for a server whose console output nobody reads: warnings and errors only.</summary>
    public static IReadOnlyDictionary<string, string> Quiet { get; } = new Dictionary<string, string> { ["OCM_LOGGING__LOGLEVEL__DEFAULT"] = "Warning" };

    /// <summary>Runs a one-shot command (e.g. <c>discover host</c>) and returns exit code, stdout and stderr.</summary>
    public static async Task<RunResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        using var process = Start(args, environment, redirectInput: stdin is not null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ocm {string.Join(' ', args)} did not finish: {await stdout}{await stderr}");
        }

        return new RunResult(process.ExitCode, await stdout, await stderr);
    }

    private static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment, bool redirectInput = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(OcmDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Tests talk to loopback peers; never inherit a developer's OCM_* settings by accident.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OCM_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        // Nodes on PostgreSQL must share a deployment secret; a test that wants none says so with an empty value.
        if (info.Environment.TryGetValue("OCM_DATABASE__PROVIDER", out var provider) && string.Equals(provider, "postgres", StringComparison.OrdinalIgnoreCase)
            && !info.Environment.ContainsKey("OCM_DEPLOYMENTSECRET") && !info.Environment.ContainsKey("OCM_DEPLOYMENTSECRETFILE"))
        {
            info.Environment["OCM_DEPLOYMENTSECRET"] = TestDeploymentSecret;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Cannot start dotnet.");
    }

    private void CaptureOutput()
    {
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until the process has written <paramref name="text"/> (e.g. the end of the start banner, which follows readiness).</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"ocm did not print '{text}':\n{Output}");
            }

            await Task.Delay(50);
        }

        return Output;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Kills the process at once (SIGKILL: no shutdown code runs) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>What a one-shot <c>ocm</c> command printed and how it ended.</summary>
internal sealed record RunResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + StdErr;
}
