using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// N real <c>ocm serve</c> processes on one fresh, empty PostgreSQL database (from <c>OCM_TEST_POSTGRES</c>), each with
/// its own empty data directory, optionally
/// behind haproxy (<c>scripts/haproxy.sh</c>: round-robin, no sticky sessions) whose address is every node's public URL
/// and trusted proxy. The nodes run from one environment, as an operator's would.
/// </summary>
internal sealed class OcmCluster : IAsyncDisposable
{
    private readonly string _database;
    private readonly string _adminConnectionString;
    private readonly List<string> _dataDirs;
    private int? _haproxyPort;

    private OcmCluster(string database, string adminConnectionString, Dictionary<string, string> environment, List<string> dataDirs)
    {
        _database = database;
        _adminConnectionString = adminConnectionString;
        Environment = environment;
        _dataDirs = dataDirs;
    }

    /// <summary>The nodes, in start order; a killed node stays in the list.</summary>
    public List<OcmProcess> Nodes { get; } = [];

    /// <summary>The environment every node and every offline command runs with.</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>The PostgreSQL connection string of the cluster's database.</summary>
    public string ConnectionString => Environment["OCM_DATABASE__CONNECTIONSTRING"];

    /// <summary>haproxy's address when the cluster runs behind it, else the first node's.</summary>
    public Uri BaseUri => _haproxyPort is int port ? new Uri($"http://127.0.0.1:{port}/") : Nodes[0].BaseUri;

    /// <summary>
    /// Starts <paramref name="count"/> nodes on loopback addresses <c>{addressPrefix}.1</c>, <c>.2</c>, … — all at once
    /// with <see cref="ClusterSettings.StartTogether"/>, else one after the other.
    /// </summary>
    public static async Task<OcmCluster> StartAsync(int count, string addressPrefix, ClusterSettings? settings = null)
    {
        settings ??= new ClusterSettings();
        var database = "ocm_cluster_" + Guid.NewGuid().ToString("N")[..12];
        var admin = TestDatabases.PostgresConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString,
            ["OCM_LOGGING__LOGLEVEL__DEFAULT"] = "Warning",
        };
        foreach (var (key, value) in settings.Environment)
        {
            environment[key] = value;
        }

        var dataDirs = Enumerable.Range(0, count).Select(_ => TempDirectory.Create("ocm-cluster-node")).ToList();
        var cluster = new OcmCluster(database, admin, environment, dataDirs);
        try
        {
            var ports = Enumerable.Range(1, count).Select(i => OcmProcess.FreePort($"{addressPrefix}.{i}")).ToList();
            if (settings.BehindHaproxy)
            {
                cluster._haproxyPort = OcmProcess.FreePort("127.0.0.1");
                environment["OCM_PUBLICURL"] = $"http://127.0.0.1:{cluster._haproxyPort}/";
                environment["OCM_PROXY__TRUSTEDNETWORKS"] = "127.0.0.1";
            }
            else if (!environment.ContainsKey("OCM_PUBLICURL"))
            {
                environment["OCM_PUBLICURL"] = $"http://{addressPrefix}.1:{ports[0]}/";
            }

            if (settings.AdminUser is var (name, password))
            {
                await cluster.RunAsync(["user", "add", name, "--password", password, "--data-dir", dataDirs[0], "--init"]);
            }

            Task<OcmProcess> Start(int i) => OcmProcess.StartServeAsync($"{addressPrefix}.{i + 1}", ports[i], dataDirs[i], environment);
            if (settings.StartTogether)
            {
                var starting = Enumerable.Range(0, count).Select(Start).ToList();
                try
                {
                    cluster.Nodes.AddRange(await Task.WhenAll(starting));
                }
                catch
                {
                    cluster.Nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
                    throw;
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    cluster.Nodes.Add(await Start(i));
                }
            }

            if (cluster._haproxyPort is int port)
            {
                await Haproxy("start", port, cluster.Nodes.Select(n => n.BaseUri.Authority));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs an offline command (<c>ocm user add …</c>) against the cluster's database; fails the test if it fails.</summary>
    public async Task<RunResult> RunAsync(IReadOnlyList<string> args)
    {
        var result = await OcmProcess.RunAsync(args, Environment);
        Assert.True(result.ExitCode == 0, $"ocm {string.Join(' ', args)} failed: {result.All}");
        return result;
    }

    /// <summary>Creates a user with the offline command and returns a client signed in as them (Basic) on <paramref name="baseUri"/> (default: <see cref="BaseUri"/>).</summary>
    public async Task<HttpClient> CreateUserAsync(string name, string password, Uri? baseUri = null)
    {
        await RunAsync(["user", "add", name, "--password", password, "--data-dir", _dataDirs[0]]);
        return Client(name, password, baseUri);
    }

    /// <summary>A client signed in as <paramref name="name"/> (Basic) on <paramref name="baseUri"/> (default: <see cref="BaseUri"/>).</summary>
    public HttpClient Client(string name, string password, Uri? baseUri = null)
    {
        var client = new HttpClient { BaseAddress = baseUri ?? BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));
        return client;
    }

    /// <summary>Starts node <paramref name="index"/> again (after a kill) on its address, port and data directory.</summary>
    public async Task RestartAsync(int index)
    {
        var old = Nodes[index];
        await old.DisposeAsync();
        Nodes[index] = await OcmProcess.StartServeAsync(old.BaseUri.Host, old.BaseUri.Port, _dataDirs[index], Environment);
    }

    /// <summary>Everything every node wrote, each node's output headed by its address.</summary>
    public string Output => string.Join("\n", Nodes.Select(n => $"--- {n.BaseUri}\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        if (_haproxyPort is int port)
        {
            await Haproxy("stop", port, []);
        }

        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        foreach (var dir in _dataDirs)
        {
            TempDirectory.Delete(dir);
        }
    }

    /// <summary>scripts/haproxy.sh start|stop PORT BACKEND… (the project's own script, as test.sh and the benchmarks use it).</summary>
    private static async Task Haproxy(string command, int port, IEnumerable<string> backends)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(OcmProcess.RepositoryRoot, "scripts", "haproxy.sh"));
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var backend in backends)
        {
            info.ArgumentList.Add(backend);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/haproxy.sh {command} failed: {output}");
    }
}

/// <summary>How an <see cref="OcmCluster"/> is started.</summary>
internal sealed record ClusterSettings
{
    /// <summary>More <c>OCM_…</c> variables for every node (e.g. the object store's).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Start every node at the same moment (on the empty database), rather than one after the other.</summary>
    public bool StartTogether { get; init; }

    /// <summary>Put haproxy in front (round-robin, no sticky sessions); its address becomes the public URL.</summary>
    public bool BehindHaproxy { get; init; }

    /// <summary>A user created (with <c>--init</c>, so no first admin) before the nodes start.</summary>
    public (string Name, string Password)? AdminUser { get; init; }
}
