using System.Net;
using System.Net.Sockets;
using Npgsql;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// The real <c>ocm</c> executable started where it cannot run: each time one line on stderr that names the problem and
/// the fix, an exit code other than 0, no stack trace, and nothing left behind in the data directory.
/// </summary>
public sealed class FailingToStart : IDisposable
{
    private readonly string _work = TempDirectory.Create("ocm-failing");

    public void Dispose() => TempDirectory.Delete(_work);

    [Fact]
    public async Task ListenAddressInUse_OneLineNamingTheAddress_NothingCreated()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";
        var dataDir = Path.Combine(_work, "data");

        var result = await ServeAsync(["--urls", url, "--data-dir", dataDir]);

        var line = OneErrorLine(result);
        Assert.Contains(url, line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "the data directory was created although the server could not listen");
    }

    [Fact]
    public async Task ListenAddressInUse_ExistingEmptyDataDirectory_StaysEmpty()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var dataDir = Path.Combine(_work, "existing");
        Directory.CreateDirectory(dataDir);

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}", "--data-dir", dataDir]);

        OneErrorLine(result);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir));
        Assert.DoesNotContain("Created the first user", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataDirectoryUnderARegularFile_OneLineNamingTheDirectory()
    {
        // Root (as the tests run) may write anywhere permissions allow, but never create a directory inside a file.
        var file = Path.Combine(_work, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var dataDir = Path.Combine(file, "data");

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir]);

        var line = OneErrorLine(result);
        Assert.Contains($"the data directory {dataDir} cannot be created ({file} is a file, not a directory)", line, StringComparison.Ordinal);
        Assert.Contains("--data-dir", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExistingDataDirectoryNothingCanBeWrittenIn_OneLine()
    {
        // /proc exists and refuses new files even to root.
        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", "/proc"]);

        var line = OneErrorLine(result);
        Assert.Contains("the data directory /proc cannot be written (no file can be created in it)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresDown_OneLineNamingTheServerNotThePassword_NothingCreated()
    {
        var dataDir = Path.Combine(_work, "data");
        var port = OcmProcess.FreePort("127.0.0.1");
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = $"Host=127.0.0.1;Port={port};Username=ocm;Password=never-shown-pw;Database=ocm;Timeout=5",
        };

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir], environment);

        var line = OneErrorLine(result);
        Assert.Contains($"cannot reach PostgreSQL (database ocm on 127.0.0.1:{port} as ocm)", line, StringComparison.Ordinal);
        Assert.Contains("OCM_DATABASE__CONNECTIONSTRING", line, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-pw", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "the data directory was created although the database did not answer");
    }

    [Fact]
    public async Task MalformedOcmJson_OneLineNamingTheFileAndPlace_NothingCreated()
    {
        var dataDir = Path.Combine(_work, "data");
        Directory.CreateDirectory(dataDir);
        var ocmJson = Path.Combine(dataDir, "ocm.json");
        await File.WriteAllTextAsync(ocmJson, "{\n  \"Ocm\": {\n    \"ProviderName\" \"Lab\"\n  }\n}\n");

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir]);

        var line = OneErrorLine(result);
        Assert.Contains($"cannot read the configuration file {ocmJson}: not valid JSON at line 3", line, StringComparison.Ordinal);
        Assert.Contains("Correct it or remove it", line, StringComparison.Ordinal);
        Assert.Equal([ocmJson], Directory.EnumerateFileSystemEntries(dataDir));
    }

    [Theory]
    [InlineData("OCM_SECURITY__MAXAGESECONDS", "-5", "Ocm:Security:MaxAgeSeconds")]
    [InlineData("OCM_MAXAPIBODYBYTES", "lots", "Ocm:MaxApiBodyBytes")]
    [InlineData("OCM_URLS", "http://127.0.0.1:notaport", "Ocm:Urls")]
    [InlineData("OCM_DATABASE__PROVIDER", "mysql", "Ocm:Database:Provider")]
    [InlineData("OCM_DELIVERY__POLLSECONDS", "0", "Ocm:Delivery:PollSeconds")]
    [InlineData("OCM_FEDERATION__INSECUREPEERS__0", "10.0.0.0/33", "Ocm:Federation:InsecurePeers:0")]
    [InlineData("OCM_FILES__ROOT", " ", "Ocm:Files:Root")]
    [InlineData("OCM_TRUST__ALLOWLIST__0", "https://partner.example/ocm", "Ocm:Trust:Allowlist:0")]
    public async Task InvalidSetting_OneLineNamingIt(string variable, string value, string named)
    {
        var dataDir = Path.Combine(_work, "data");

        var result = await OcmProcess.RunAsync(["serve", "--data-dir", dataDir], new Dictionary<string, string> { [variable] = value }, timeout: TimeSpan.FromSeconds(60));

        var line = OneErrorLine(result);
        Assert.StartsWith("error: invalid configuration: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task InvalidSettingsInSeveralSections_OneLineNamingEveryOne()
    {
        var dataDir = Path.Combine(_work, "data");
        var environment = new Dictionary<string, string>
        {
            ["OCM_DELIVERY__MAXPARALLELPEERS"] = "0",
            ["OCM_TRUST__DENYLIST__0"] = "evil*.example",
            ["OCM_FEDERATION__DISCOVERYTIMEOUTSECONDS"] = "soon",
        };

        var result = await OcmProcess.RunAsync(["serve", "--data-dir", dataDir], environment, timeout: TimeSpan.FromSeconds(60));

        var line = OneErrorLine(result);
        Assert.StartsWith("error: invalid configuration: ", line, StringComparison.Ordinal);
        Assert.Contains("Ocm:Delivery:MaxParallelPeers must be at least 1", line, StringComparison.Ordinal);
        Assert.Contains("Ocm:Trust:Denylist:0 'evil*.example' may use '*' only as its whole first label", line, StringComparison.Ordinal);
        Assert.Contains("'soon' at 'Ocm:Federation:DiscoveryTimeoutSeconds'", line, StringComparison.Ordinal);
        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(dataDir));
    }

    [Theory]
    [InlineData("user", "list")]
    [InlineData("user", "add", "alice", "--password", "alice-pass-1")]
    [InlineData("keys", "list")]
    public async Task OfflineCommand_OnADirectoryWithoutOcmData_AsksForDataDir_CreatesNothing(params string[] command)
    {
        var empty = Path.Combine(_work, "empty");
        Directory.CreateDirectory(empty);
        var missing = Path.Combine(_work, "missing");

        foreach (var dataDir in new[] { empty, missing })
        {
            var result = await OcmProcess.RunAsync([.. command, "--data-dir", dataDir]);

            var line = OneErrorLine(result);
            Assert.Contains($"{dataDir} holds no Ocm data", line, StringComparison.Ordinal);
            Assert.Contains("--data-dir", line, StringComparison.Ordinal);
            Assert.Contains("--init", line, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task OfflineCommand_WithInit_CreatesTheDataDirectory_ThenWorksWithoutIt()
    {
        var dataDir = Path.Combine(_work, "new");

        var add = await OcmProcess.RunAsync(["user", "add", "alice", "--password", "alice-pass-1", "--data-dir", dataDir, "--init"]);
        var list = await OcmProcess.RunAsync(["user", "list", "--data-dir", dataDir]);

        Assert.True(add.ExitCode == 0, add.All);
        Assert.True(File.Exists(Path.Combine(dataDir, "ocm.db")));
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Contains("alice", list.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OfflineCommand_OnAPostgresDatabaseWithoutOcmData_SaysSo_CreatesNoDatabase()
    {
        var name = "ocm_" + Guid.NewGuid().ToString("N")[..16];
        var connectionString = new NpgsqlConnectionStringBuilder(TestDatabases.PostgresConnectionString) { Database = name }.ConnectionString;
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = connectionString,
        };
        try
        {
            var refused = await OcmProcess.RunAsync(["user", "list", "--data-dir", _work], environment);
            var existsAfterRefusal = await DatabaseExistsAsync(name);
            var add = await OcmProcess.RunAsync(["user", "add", "alice", "--password", "alice-pass-1", "--data-dir", _work, "--init"], environment);
            var list = await OcmProcess.RunAsync(["user", "list", "--data-dir", _work], environment);

            var line = OneErrorLine(refused);
            Assert.Contains($"database {name} on", line, StringComparison.Ordinal);
            Assert.Contains("holds no Ocm data", line, StringComparison.Ordinal);
            Assert.Contains("--init", line, StringComparison.Ordinal);
            Assert.False(existsAfterRefusal, "the refused command created the database");
            Assert.True(add.ExitCode == 0, add.All);
            Assert.Contains("alice", list.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            await using var connection = new NpgsqlConnection(TestDatabases.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(TestDatabases.PostgresConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        query.Parameters.AddWithValue("name", name);
        return await query.ExecuteScalarAsync() is not null;
    }

    /// <summary><c>ocm serve</c> that is expected to give up: it must not run until the timeout.</summary>
    [Fact]
    public async Task ObjectStorageWithSqlite_OneLineNamingBoth_NothingCreated()
    {
        // Refused before anything is contacted or created: the object store named here does not even exist.
        var dataDir = Path.Combine(_work, "data");
        var environment = new Dictionary<string, string>
        {
            ["OCM_STORAGE__PROVIDER"] = "s3",
            ["OCM_STORAGE__S3__SERVICEURL"] = "http://127.0.0.1:9",
            ["OCM_STORAGE__S3__BUCKET"] = "ocm",
            ["OCM_STORAGE__S3__ACCESSKEY"] = "access",
            ["OCM_STORAGE__S3__SECRETKEY"] = "not-in-the-message",
        };

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir], environment);

        var line = OneErrorLine(result);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Ocm:Storage:Provider is s3 but the database is SQLite", line, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not-in-the-message", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "the data directory was created although the configuration was refused");
    }

    [Fact]
    public async Task ObjectStoreDown_OneLineNamingTheStoreNotTheSecret_NothingCreated()
    {
        var dataDir = Path.Combine(_work, "data");
        var storePort = OcmProcess.FreePort("127.0.0.1");
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = TestDatabases.PostgresConnectionString,
            ["OCM_STORAGE__PROVIDER"] = "s3",
            ["OCM_STORAGE__S3__SERVICEURL"] = $"http://127.0.0.1:{storePort}",
            ["OCM_STORAGE__S3__BUCKET"] = "ocm",
            ["OCM_STORAGE__S3__ACCESSKEY"] = "access",
            ["OCM_STORAGE__S3__SECRETKEY"] = "never-shown-secret",
        };

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir], environment);

        var line = OneErrorLine(result);
        Assert.StartsWith("error: cannot use the object store", line, StringComparison.Ordinal);
        Assert.Contains($"bucket ocm at http://127.0.0.1:{storePort}", line, StringComparison.Ordinal);
        Assert.Contains("OCM_STORAGE__S3__", line, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-secret", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "the data directory was created although the object store did not answer");
    }

    [Fact]
    public async Task ObjectStorageWithoutItsSettings_EveryMissingSettingNamedInOneLine()
    {
        var result = await ServeAsync(
            ["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", Path.Combine(_work, "data")],
            new Dictionary<string, string> { ["OCM_STORAGE__PROVIDER"] = "s3" });

        var line = OneErrorLine(result);
        Assert.Contains("Ocm:Storage:S3:ServiceUrl", line, StringComparison.Ordinal);
        Assert.Contains("Ocm:Storage:S3:Bucket", line, StringComparison.Ordinal);
        Assert.Contains("Ocm:Storage:S3:SecretKey", line, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DeploymentSecretFileReadableByEveryone_OneLineSayingHowToFixIt()
    {
        var secretFile = Path.Combine(_work, "deployment-secret");
        await File.WriteAllTextAsync(secretFile, "a-long-enough-deployment-secret\n");
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var dataDir = Path.Combine(_work, "data");

        var result = await ServeAsync(
            ["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", dataDir],
            new Dictionary<string, string> { ["OCM_DEPLOYMENTSECRETFILE"] = secretFile });

        var line = OneErrorLine(result);
        Assert.Contains($"Ocm:DeploymentSecretFile: {secretFile} is readable or writable by every user", line, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {secretFile}", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task PostgresWithoutDeploymentSecret_OneLineNamingTheSetting()
    {
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!,
            ["OCM_DEPLOYMENTSECRET"] = "",
        };

        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", Path.Combine(_work, "data")], environment);

        var line = OneErrorLine(result);
        Assert.Contains("Ocm:DeploymentSecret (OCM_DEPLOYMENTSECRET) or Ocm:DeploymentSecretFile is required with PostgreSQL", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeWithAnotherDeploymentSecret_OneLineSayingTheSecretsDiffer()
    {
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var environment = new Dictionary<string, string>
        {
            ["OCM_DATABASE__PROVIDER"] = "postgres",
            ["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!,
            ["OCM_DEPLOYMENTSECRET"] = "the-first-node-secret-123",
            ["OCM_USERS__CREATEADMINONFIRSTSTART"] = "false",
        };
        await using (await OcmProcess.StartServeAsync("127.0.0.1", Path.Combine(_work, "first"), environment))
        {
        }

        environment["OCM_DEPLOYMENTSECRET"] = "a-different-secret-456";
        var result = await ServeAsync(["--urls", $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}", "--data-dir", Path.Combine(_work, "second")], environment);

        var line = OneErrorLine(result);
        Assert.Contains("encrypted with another deployment secret than this node's (Ocm:DeploymentSecret)", line, StringComparison.Ordinal);
        Assert.Contains("Give every node the same Ocm:DeploymentSecret", line, StringComparison.Ordinal);
    }

    private static Task<RunResult> ServeAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        OcmProcess.RunAsync(["serve", .. args], environment, timeout: TimeSpan.FromSeconds(60));

    /// <summary>Exit code not 0, exactly one line on stderr, nothing resembling a stack trace or an exception anywhere.</summary>
    private static string OneErrorLine(RunResult result)
    {
        Assert.True(result.ExitCode != 0, "exit code 0:\n" + result.All);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr:\n" + result.All);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(" fail: ", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(" crit: ", result.StdOut, StringComparison.Ordinal);
        return lines[0];
    }
}
