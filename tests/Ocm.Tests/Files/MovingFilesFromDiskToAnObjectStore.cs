using System.Net;
using System.Security.Cryptography;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Files;

/// <summary>
/// An installation on local disk (and PostgreSQL) moves its contents to an S3 object store with
/// <c>ocm storage migrate</c> (the real executable), then restarts with <c>Ocm:Storage:Provider=s3</c>: every file reads
/// back identically, and running the command again copies nothing.
/// </summary>
public sealed class MovingFilesFromDiskToAnObjectStore
{
    [Fact]
    public async Task Migrate_ThenRestartOnS3_ContentsIdentical_SecondRunCopiesNothing()
    {
        await using var bucket = TestObjectStore.Create();
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var dataDir = TempDirectory.Create("ocm-migrate");
        try
        {
            var onDisk = TestUsers.Settings(("Ocm:Database:Provider", "postgres"), ("Ocm:Database:ConnectionString", database.ConnectionString));
            var large = new byte[6 * 1024 * 1024 + 17];
            new Random(6).NextBytes(large);
            var server = await OcmTestServer.StartAsync("127.0.4.11", onDisk, dataDir: dataDir);
            await TestUsers.CreateAsync(server, "dora");
            using (var dora = TestUsers.Client(server, "dora"))
            {
                Assert.Equal(HttpStatusCode.Created, (await dora.SendAsync(DavRequests.Method("MKCOL", "sub/"))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await dora.PutTextAsync("notes.txt", "written on disk")).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await dora.PutAsync("sub/large.bin", new ByteArrayContent(large))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await dora.PutTextAsync("empty.txt", "")).StatusCode);
            }

            await server.StopAsync();

            // The operator's environment: the database and the object store's settings; the provider is still disk.
            var environment = bucket.EnvironmentVariables();
            environment.Remove("OCM_STORAGE__PROVIDER");
            environment["OCM_DATABASE__PROVIDER"] = "postgres";
            environment["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!;
            var first = await OcmProcess.RunAsync(["storage", "migrate", "--data-dir", dataDir], environment);
            Assert.True(first.ExitCode == 0, first.All);
            Assert.Contains("2/2 files", first.StdOut, StringComparison.Ordinal);
            Assert.Contains("Done: 2 copied, 0 already there, 0 failed.", first.StdOut, StringComparison.Ordinal);
            Assert.Contains("Ocm:Storage:Provider=s3", first.StdOut, StringComparison.Ordinal);
            Assert.Equal(2, (await bucket.KeysAsync("blobs/")).Count);

            var second = await OcmProcess.RunAsync(["storage", "migrate", "--data-dir", dataDir], environment);
            Assert.True(second.ExitCode == 0, second.All);
            Assert.Contains("Done: 0 copied, 2 already there, 0 failed.", second.StdOut, StringComparison.Ordinal);

            // Restarted on S3 with the files folder gone: everything comes from the bucket.
            Directory.Delete(Path.Combine(dataDir, "files"), recursive: true);
            var onS3 = new Dictionary<string, string?>(onDisk, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in bucket.ServerSettings())
            {
                onS3[key] = value;
            }

            var restarted = await OcmTestServer.StartAsync("127.0.4.11", onS3, dataDir: dataDir);
            try
            {
                using var dora = TestUsers.Client(restarted, "dora");
                Assert.Equal("written on disk", await dora.GetStringAsync("notes.txt"));
                Assert.Equal(SHA256.HashData(large), SHA256.HashData(await dora.GetByteArrayAsync("sub/large.bin")));
                Assert.Equal("", await dora.GetStringAsync("empty.txt"));
            }
            finally
            {
                await restarted.StopAsync();
            }
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    [Fact]
    public async Task Migrate_ObjectStoreNotConfigured_OneLineNamingTheSettings()
    {
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var dataDir = TempDirectory.Create("ocm-migrate");
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["OCM_DATABASE__PROVIDER"] = "postgres",
                ["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!,
            };

            var result = await OcmProcess.RunAsync(["storage", "migrate", "--data-dir", dataDir], environment);

            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: invalid configuration: Ocm:Storage:S3:ServiceUrl", line, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }
}
