using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// A real <c>ocm serve</c> process on PostgreSQL with its contents in an S3 object store (the Ceph RADOS Gateway test.sh
/// starts) receives a large upload that replaces a file: the body is streamed to the store in parts — the node's memory
/// grows by a few parts, not by the file — and the file's old version is what every reader gets until the new object is
/// complete; an upload the client abandons leaves the old version and nothing in the store.
/// </summary>
public sealed class StreamingLargeUploadsToAnObjectStore
{
    private const string User = "stella";
    private const string Password = "stella-pass-123";
    private const long Large = 256L * 1024 * 1024;

    [Fact]
    public async Task Put256MiB_ReplacingAFile_StreamedInParts_OldVersionServedUntilComplete()
    {
        await using var node = await Node.StartAsync();
        using var client = node.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("big.bin", new StringContent("version 1"))).StatusCode);
        var oldKey = Assert.Single(await node.Bucket.KeysAsync("blobs/"));
        var memoryBefore = node.PeakRssBytes();

        var body = new GeneratedBody(Large, pauseAt: Large / 2);
        var put = client.PutAsync("big.bin", body.Content());
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(2));

        // Half of the body has arrived: its parts are in the store, in a multipart upload nobody can read yet.
        Assert.Equal(1, await node.Bucket.OpenUploadsAsync());
        using (var other = node.Client())
        {
            Assert.Equal("version 1", await other.GetStringAsync("big.bin"));
        }

        body.Resume();
        using var response = await put;
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        using (var get = await client.GetAsync("big.bin", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(Large, get.Content.Headers.ContentLength);
            await using var stream = await get.Content.ReadAsStreamAsync();
            Assert.Equal(body.Sha256(), await SHA256.HashDataAsync(stream));
        }

        // A new object under a new key; the old one is gone, nothing half-done stays behind.
        var newKey = Assert.Single(await node.Bucket.KeysAsync("blobs/"));
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());

        // An upload holds at most one part (16 MiB by default) at once; the file is 256 MiB.
        var grown = node.PeakRssBytes() - memoryBefore;
        Assert.True(grown < 128L * 1024 * 1024, $"the node's peak RSS grew by {grown / (1024 * 1024)} MiB during a 256 MiB upload");
    }

    [Fact]
    public async Task Put40MiB_WithContentLength_PartsLeaveWhileTheBodyArrives_ChecksumsMatch()
    {
        await using var node = await Node.StartAsync();
        using var client = node.Client();

        // 10 MiB in, less than one 16 MiB part: a body of known length is already on its way to the store, not held.
        var body = new GeneratedBody(40L * 1024 * 1024, pauseAt: 10L * 1024 * 1024);
        var put = client.PutAsync("streamed.bin", body.Content());
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(await WaitAsync(async () => await node.Bucket.OpenUploadsAsync() == 1), "no multipart upload open while the body arrives");
        body.Resume();
        using (var response = await put)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await AssertStoredAsync(client, "streamed.bin", 40L * 1024 * 1024, body.Sha256());
        Assert.Single(await node.Bucket.KeysAsync("blobs/"));
        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task Put40MiB_ChunkedTransferEncoding_BufferedPartByPart_ChecksumsMatch()
    {
        await using var node = await Node.StartAsync();
        using var client = node.Client();

        // No Content-Length (RFC 9112 §7.1): the node collects a whole part before it starts the multipart upload.
        var body = new GeneratedBody(40L * 1024 * 1024, pauseAt: 10L * 1024 * 1024);
        var content = body.Content();
        content.Headers.ContentLength = null;
        var put = client.PutAsync("chunked.bin", content);
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(2));
        await Task.Delay(500);
        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
        body.Resume();
        using (var response = await put)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await AssertStoredAsync(client, "chunked.bin", 40L * 1024 * 1024, body.Sha256());
        Assert.Single(await node.Bucket.KeysAsync("blobs/"));
        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task Put_ClientGoneHalfway_OldVersionStays_NothingLeftInTheStore()
    {
        await using var node = await Node.StartAsync();
        using var client = node.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("doc.bin", new StringContent("version 1"))).StatusCode);
        var oldKey = Assert.Single(await node.Bucket.KeysAsync("blobs/"));

        var body = new GeneratedBody(64L * 1024 * 1024, pauseAt: 40L * 1024 * 1024);
        using var abandon = new CancellationTokenSource();
        var put = client.PutAsync("doc.bin", body.Content(), abandon.Token);
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await node.Bucket.OpenUploadsAsync());
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put);

        // The server notices the broken connection, aborts its multipart upload and keeps the file as it was.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await node.Bucket.OpenUploadsAsync() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
        Assert.Equal([oldKey], await node.Bucket.KeysAsync("blobs/"));
        Assert.Equal("version 1", await client.GetStringAsync("doc.bin"));
    }

    [Fact]
    public async Task Put_NodeKilledHalfway_OldVersionStays_RetrySucceeds_SweepLeavesNothing()
    {
        // Short ages for the start-up sweep, so that what the killed node left is old enough when it comes back.
        await using var node = await Node.StartAsync(("OCM_STORAGE__ORPHANSECONDS", "1"), ("OCM_STORAGE__S3__ABANDONEDMULTIPARTSECONDS", "1"));
        using (var client = node.Client())
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("doc.bin", new StringContent("version 1"))).StatusCode);
        }

        var oldKey = Assert.Single(await node.Bucket.KeysAsync("blobs/"));
        var body = new GeneratedBody(64L * 1024 * 1024, pauseAt: 40L * 1024 * 1024);
        using var interrupted = node.Client();
        var put = interrupted.PutAsync("doc.bin", body.Content());
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await node.Bucket.OpenUploadsAsync());

        await node.Server.KillAsync();
        body.Resume();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => put);
        Assert.Equal(1, await node.Bucket.OpenUploadsAsync());
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Back up: the sweep at start aborts the dead node's multipart upload; the file is as it was.
        await node.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await node.Bucket.OpenUploadsAsync() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
        Assert.Equal([oldKey], await node.Bucket.KeysAsync("blobs/"));
        using var client2 = node.Client();
        Assert.Equal("version 1", await client2.GetStringAsync("doc.bin"));

        // The client's retry succeeds.
        var retry = new GeneratedBody(64L * 1024 * 1024, pauseAt: null);
        Assert.Equal(HttpStatusCode.NoContent, (await client2.PutAsync("doc.bin", retry.Content())).StatusCode);
        using (var get = await client2.GetAsync("doc.bin", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await get.Content.ReadAsStreamAsync();
            Assert.Equal(retry.Sha256(), await SHA256.HashDataAsync(stream));
        }

        Assert.NotEqual(oldKey, Assert.Single(await node.Bucket.KeysAsync("blobs/")));
        Assert.Equal(0, await node.Bucket.OpenUploadsAsync());
    }

    /// <summary>The file reads back with the bytes sent, and the SHA-1 the server computed while storing it is theirs.</summary>
    private static async Task AssertStoredAsync(HttpClient client, string name, long length, byte[] sentSha256)
    {
        using var get = await client.GetAsync(name, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(length, get.Content.Headers.ContentLength);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = await get.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
        }

        Assert.Equal(sentSha256, sha256.GetHashAndReset());
        Assert.Equal("SHA1:" + Convert.ToHexStringLower(sha1.GetHashAndReset()), get.Headers.GetValues("OC-Checksum").Single());
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private sealed class Node : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly string _dataDir;
        private readonly Dictionary<string, string> _environment;

        private Node(TestObjectStore bucket, TestDatabase database, string dataDir, Dictionary<string, string> environment, OcmProcess server)
        {
            Bucket = bucket;
            _database = database;
            _dataDir = dataDir;
            _environment = environment;
            Server = server;
        }

        public TestObjectStore Bucket { get; }

        public OcmProcess Server { get; private set; }

        /// <summary>Starts the process again on the same address, data directory, database and bucket.</summary>
        public async Task RestartAsync()
        {
            var port = Server.BaseUri.Port;
            await Server.DisposeAsync();
            Server = await OcmProcess.StartServeAsync("127.0.0.1", port, _dataDir, _environment);
        }

        public static async Task<Node> StartAsync(params (string Name, string Value)[] settings)
        {
            var bucket = TestObjectStore.Create();
            var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
            var dataDir = TempDirectory.Create("ocm-s3-stream");
            var environment = bucket.EnvironmentVariables();
            environment["OCM_DATABASE__PROVIDER"] = "postgres";
            environment["OCM_DATABASE__CONNECTIONSTRING"] = database.ConnectionString!;
            // The tests check that a replaced object is gone from the bucket: without the version an overwrite keeps.
            environment["OCM_VERSIONS__ENABLED"] = "false";
            foreach (var (key, value) in OcmProcess.Quiet.Concat(settings.Select(s => KeyValuePair.Create(s.Name, s.Value))))
            {
                environment[key] = value;
            }

            var add = await OcmProcess.RunAsync(["user", "add", User, "--password", Password, "--data-dir", dataDir, "--init"], environment);
            Assert.True(add.ExitCode == 0, add.All);
            var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, environment);
            return new Node(bucket, database, dataDir, environment, server);
        }

        public HttpClient Client()
        {
            var client = new HttpClient { BaseAddress = new Uri(Server.BaseUri, $"remote.php/dav/files/{User}/"), Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
            return client;
        }

        /// <summary>The most memory the server process ever held (VmHWM, proc(5)).</summary>
        public long PeakRssBytes()
        {
            var line = File.ReadLines($"/proc/{Server.ProcessId}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await _database.DisposeAsync();
            await Bucket.DisposeAsync();
            TempDirectory.Delete(_dataDir);
        }
    }
}
