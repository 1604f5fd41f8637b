using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// Three nodes, each with its own empty data directory, on one PostgreSQL database and one S3 bucket (Ceph RGW), behind
/// haproxy (round-robin, no sticky sessions). The node serving a request is killed (SIGKILL) mid-way — while it receives
/// a 1 GiB upload, and while it assembles a chunked upload: nothing partial is ever visible through the balancer, the
/// client's retry through the balancer succeeds on another node, and once the killed node is back (its start-up sweep,
/// with short ages here) no orphaned object or multipart upload is left in the bucket.
/// </summary>
public sealed partial class KillingANodeBehindTheBalancer(KillingANodeBehindTheBalancer.Cluster cluster) : IClassFixture<KillingANodeBehindTheBalancer.Cluster>
{
    private const long OneGiB = 1L << 30;

    [Fact]
    public async Task NodeKilledDuringA1GiBUpload_OldVersionStays_RetrySucceeds_SweepLeavesNoOrphan()
    {
        await cluster.ReviveAsync();
        var nodes = cluster.Nodes;
        using var client = await nodes.CreateUserAsync("uploader", Cluster.Password);
        client.Timeout = TimeSpan.FromMinutes(10);
        const string path = "remote.php/dav/files/uploader/doc.bin";
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync(path, new StringContent("version 1"))).StatusCode);
        var keysBefore = await cluster.Bucket.KeysAsync("blobs/");
        Assert.Equal(0, await cluster.Bucket.OpenUploadsAsync());

        var marks = nodes.Nodes.Select(n => n.Output.Length).ToList();
        var body = new GeneratedBody(OneGiB, pauseAt: OneGiB / 2);
        var put = client.PutAsync(path, body.Content());
        await body.Paused.WaitAsync(TimeSpan.FromMinutes(5));
        var receiver = ServingNode(marks, $"PUT http://[^ ]+/{path} ");
        await UntilAsync(async () => await cluster.Bucket.OpenUploadsAsync() > 0, "the upload's parts never reached the store");

        // Half way through, every node still serves the old version.
        foreach (var node in nodes.Nodes)
        {
            using var direct = nodes.Client("uploader", Cluster.Password, node.BaseUri);
            Assert.Equal("version 1", await direct.GetStringAsync(path));
        }

        await cluster.KillAsync(receiver);
        body.Resume();
        try
        {
            using var response = await put;
            Assert.False(response.IsSuccessStatusCode, $"The interrupted upload answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException)
        {
            // The balancer closed the client's connection when its server went away.
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("version 1", await client.GetStringAsync(path));
        }

        // The client's retry, through the balancer, lands on a node that is alive.
        var retry = new GeneratedBody(OneGiB, pauseAt: null);
        using (var retried = await client.PutAsync(path, retry.Content()))
        {
            Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
        }

        var retryHash = retry.Sha256();
        using (var get = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(OneGiB, get.Content.Headers.ContentLength);
            await using var stream = await get.Content.ReadAsStreamAsync();
            Assert.Equal(retryHash, await SHA256.HashDataAsync(stream));
        }

        // Back up, the killed node sweeps: its abandoned multipart upload and the replaced version are gone, the new one stays.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.ReviveAsync();
        await UntilAsync(async () => await cluster.Bucket.OpenUploadsAsync() == 0, "the killed node's multipart upload was never aborted");
        await UntilAsync(async () => (await cluster.Bucket.KeysAsync("blobs/")).Count == keysBefore.Count, "an orphaned object stayed in the store");
        var keysAfter = await cluster.Bucket.KeysAsync("blobs/");
        Assert.Single(keysBefore.Except(keysAfter));
        Assert.Single(keysAfter.Except(keysBefore));
    }

    [Fact]
    public async Task NodeKilledDuringChunkAssembly_OldContentIntact_RetryThroughTheBalancerCompletes()
    {
        // Chunks below S3's 5 MiB minimum part cannot be copied inside the store: the assembling node reads and sends
        // every byte, which keeps it busy long enough to be killed mid-way.
        const int chunkSize = 4 * 1024 * 1024;
        const int chunks = 64;
        await cluster.ReviveAsync();
        var nodes = cluster.Nodes;
        using var client = await nodes.CreateUserAsync("chunker", Cluster.Password);
        client.Timeout = TimeSpan.FromMinutes(5);
        const string file = "remote.php/dav/files/chunker/data.bin";
        const string upload = "remote.php/dav/uploads/chunker/crash";
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync(file, new StringContent("previous version"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(DavRequests.Method("MKCOL", upload))).StatusCode);

        // The chunks go through the balancer, so they arrive at the three nodes in turn.
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[chunkSize];
        new Random(5).NextBytes(chunk);
        for (var i = 0; i < chunks; i++)
        {
            chunk[0] = (byte)i; // every chunk differs, so an out-of-order assembly cannot match
            expected.AppendData(chunk);
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"{upload}/{i:D16}", new ByteArrayContent(chunk))).StatusCode);
        }

        var expectedHash = expected.GetHashAndReset();
        Assert.Equal(0, await cluster.Bucket.OpenUploadsAsync());
        var marks = nodes.Nodes.Select(n => n.Output.Length).ToList();
        // On a connection of its own: HttpClient resends a request whose reused connection closes before any answer,
        // and that resend, landing on a live node, would finish the assembly out of the test's sight.
        using var mover = nodes.Client("chunker", Cluster.Password);
        mover.Timeout = TimeSpan.FromMinutes(5);
        var move = mover.SendAsync(DavRequests.Method("MOVE", $"{upload}/.file", null, ("Destination", "/" + file)));

        // Kill the node assembling as soon as the assembled file's multipart upload exists in the store.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await cluster.Bucket.OpenUploadsAsync() == 0)
        {
            if (move.IsCompleted)
            {
                Assert.Fail($"The assembly finished before the test could interrupt it ({(move.IsCompletedSuccessfully ? (int)(await move).StatusCode : "failed")}).");
            }

            Assert.True(DateTime.UtcNow < deadline, "The assembly never started.");
        }

        var assembler = ServingNode(marks, $"MOVE http://[^ ]+/{upload}/.file ");
        await cluster.KillAsync(assembler);
        try
        {
            using var response = await move;
            Assert.False(response.IsSuccessStatusCode, $"The interrupted MOVE answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException)
        {
            // The balancer closed the client's connection when its server went away.
        }

        // Every node still alive serves the previous content.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("previous version", await client.GetStringAsync(file));
        }

        // The chunks survived the node; the client's retry, through the balancer, assembles them on another node.
        using (var retry = await client.SendAsync(DavRequests.Method("MOVE", $"{upload}/.file", null, ("Destination", "/" + file))))
        {
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        }

        foreach (var node in nodes.Nodes.Where((_, i) => i != assembler))
        {
            using var direct = nodes.Client("chunker", Cluster.Password, node.BaseUri);
            direct.Timeout = TimeSpan.FromMinutes(5);
            await using var download = await direct.GetStreamAsync(file);
            Assert.Equal(expectedHash, await SHA256.HashDataAsync(download));
        }

        // Back up, the killed node's sweep aborts the multipart upload it left.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.ReviveAsync();
        await UntilAsync(async () => await cluster.Bucket.OpenUploadsAsync() == 0, "the killed node's multipart upload was never aborted");
    }

    /// <summary>The index of the node whose log, since <paramref name="marks"/>, shows a request matching <paramref name="pattern"/>.</summary>
    private int ServingNode(List<int> marks, string pattern)
    {
        var serving = cluster.Nodes.Nodes.Select((n, i) => (Index: i, Log: n.Output[marks[i]..]))
            .Where(n => Regex.IsMatch(n.Log, "Request starting HTTP/[0-9.]+ " + pattern))
            .Select(n => n.Index)
            .ToList();
        return Assert.Single(serving);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }

    /// <summary>The three nodes and their bucket, shared by the tests of the class.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        public const string Password = "balanced-kill-pw";

        private TestObjectStore? _bucket;
        private OcmCluster? _nodes;

        internal OcmCluster Nodes => _nodes!;

        internal TestObjectStore Bucket => _bucket!;

        private readonly HashSet<int> _killed = [];

        /// <summary>Kills node <paramref name="index"/> (SIGKILL) and remembers it for <see cref="ReviveAsync"/>.</summary>
        internal async Task KillAsync(int index)
        {
            _killed.Add(index);
            await Nodes.Nodes[index].KillAsync();
        }

        /// <summary>Starts the killed nodes again (their start-up sweep runs), so that every test begins with three.</summary>
        internal async Task ReviveAsync()
        {
            foreach (var index in _killed.ToList())
            {
                await Nodes.RestartAsync(index);
                _killed.Remove(index);
            }
        }

        public async Task InitializeAsync()
        {
            _bucket = TestObjectStore.Create();
            var environment = _bucket.EnvironmentVariables();
            // Every request is logged, so the test knows which node to kill.
            environment["OCM_LOGGING__LOGLEVEL__MICROSOFT.ASPNETCORE.HOSTING.DIAGNOSTICS"] = "Information";
            // Short ages for the start-up sweep, so that what a killed node left is old enough when it comes back.
            environment["OCM_STORAGE__ORPHANSECONDS"] = "1";
            environment["OCM_STORAGE__S3__ABANDONEDMULTIPARTSECONDS"] = "1";
            // The test compares the bucket's keys before and after a replacement: without the version it would keep.
            environment["OCM_VERSIONS__ENABLED"] = "false";
            _nodes = await OcmCluster.StartAsync(3, "127.0.15", new ClusterSettings
            {
                Environment = environment,
                BehindHaproxy = true,
                AdminUser = ("admin", Password),
            });
        }

        public async Task DisposeAsync()
        {
            if (_nodes is not null)
            {
                await _nodes.DisposeAsync();
            }

            if (_bucket is not null)
            {
                await _bucket.DisposeAsync();
            }
        }
    }
}
