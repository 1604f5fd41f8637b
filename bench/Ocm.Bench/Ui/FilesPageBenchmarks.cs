using System.IO.Pipelines;
using System.Net;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Ocm.Bench.Signatures;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.Bench.Ui;

/// <summary>
/// Server time of the web interface's files page for a folder of 1,000 files (target &lt; 200 ms): a real server
/// (Kestrel on loopback, the configured database, cookie session) answering <c>GET /ui/files/big</c> to a client in
/// the same process, the whole HTML read. Measured: session check, folder lookup, the 1,000 rows, shares lookup,
/// sorting, rendering and writing ~400 KB. PostgreSQL too when <c>OCM_BENCH_POSTGRES</c> holds a connection string.
/// Run: <c>dotnet run -c Release --project bench/Ocm.Bench -- --filter '*FilesPage*' --job short</c>.
/// </summary>
[Config(typeof(SignatureBenchmarkConfig))]
public partial class FilesPageBenchmarks
{
    private const int Files = 1000;

    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private string _dataDir = null!;
    private string? _postgresDatabase;

    [ParamsSource(nameof(Providers))]
    public string Provider { get; set; } = "sqlite";

    public static IEnumerable<string> Providers() =>
        Environment.GetEnvironmentVariable("OCM_BENCH_POSTGRES") is { Length: > 0 } ? ["sqlite", "postgres"] : ["sqlite"];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _dataDir = Path.Combine(Path.GetTempPath(), "ocm-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>
        {
            ["Ocm:DataDir"] = _dataDir,
            ["Ocm:Urls"] = "http://127.0.0.1:0",
            ["Ocm:Users:CreateAdminOnFirstStart"] = "false",
            ["Ocm:Files:FlushToDisk"] = "false",
            ["Ocm:Logging:LogLevel:Default"] = "Warning",
        };
        if (Provider == "postgres")
        {
            var admin = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("OCM_BENCH_POSTGRES"));
            _postgresDatabase = "ocm_bench_" + Guid.NewGuid().ToString("N")[..12];
            await using (var connection = new NpgsqlConnection(admin.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {_postgresDatabase}", connection);
                await create.ExecuteNonQueryAsync();
            }

            settings["Ocm:Database:Provider"] = "postgres";
            settings["Ocm:Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = _postgresDatabase }.ConnectionString;
        }

        _app = OcmServer.Build(new Dictionary<string, string?>(), settings);
        await OcmServer.StartAsync(_app, CancellationToken.None);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        const string Password = "bench-password-1";
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAsync(new NewUser("bench", Password), CancellationToken.None);
            var files = scope.ServiceProvider.GetRequiredService<FileTree>();
            var folder = StoragePath.Root.Append("big")!.Value;
            await files.CreateFolderAsync(user.Id, folder, CancellationToken.None);
            var content = new byte[2048];
            for (var i = 0; i < Files; i++)
            {
                var path = folder.Append($"document {i:D4} with a realistic name.pdf")!.Value;
                var result = await files.WriteAsync(
                    new FileWrite(user.Id, path, QuotaBytes: null, MaxBytes: long.MaxValue, DeclaredLength: content.Length + i),
                    PipeReader.Create(new MemoryStream(new byte[content.Length + i])),
                    CancellationToken.None);
                if (result.Status != WriteStatus.Created)
                {
                    throw new InvalidOperationException($"Setup write failed: {result.Status}");
                }
            }
        }

        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        _client = new HttpClient(handler) { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        var login = await _client.GetStringAsync("ui/login");
        var token = TokenPattern().Match(login).Groups[1].Value;
        using var signIn = await _client.PostAsync("ui/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_csrf"] = token,
            ["user"] = "bench",
            ["password"] = Password,
        }));
        if (signIn.StatusCode != HttpStatusCode.SeeOther)
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)signIn.StatusCode}");
        }

        var page = await _client.GetStringAsync("ui/files/big");
        var rows = Regex.Count(page, "<tr data-name=");
        if (rows != Files)
        {
            throw new InvalidOperationException($"The page lists {rows} files, not {Files}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("OCM_BENCH_POSTGRES"));
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    /// <summary>The folder of 1,000 files, sorted by name (the default).</summary>
    [Benchmark(Baseline = true)]
    public Task<int> FolderOf1000Files() => GetAsync("ui/files/big");

    /// <summary>The same folder sorted by size, largest first.</summary>
    [Benchmark]
    public Task<int> FolderOf1000FilesBySize() => GetAsync("ui/files/big?sort=size&desc=1");

    /// <summary>The root (one folder): what a page costs besides the listing.</summary>
    [Benchmark]
    public Task<int> SmallFolder() => GetAsync("ui/files/");

    private async Task<int> GetAsync(string url)
    {
        using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode}");
        }

        return (await response.Content.ReadAsByteArrayAsync()).Length;
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
