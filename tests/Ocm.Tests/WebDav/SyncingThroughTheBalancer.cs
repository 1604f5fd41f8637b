using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// Three nodes, each with its own empty data directory, on one PostgreSQL database and one S3 bucket (Ceph RGW), behind
/// haproxy (round-robin, no sticky sessions): rclone's round trip (500 files, Unicode names, a 1 GiB file, checksums
/// compared) and a <c>nextcloudcmd</c> sync between two folders, all through the balancer.
/// </summary>
public sealed class SyncingThroughTheBalancer(SyncingThroughTheBalancer.Cluster cluster) : IClassFixture<SyncingThroughTheBalancer.Cluster>
{
    [Fact]
    public async Task Rclone_CopiesTreeUpAndDownThroughTheBalancer_NoDifferencesAndMatchingSha1()
    {
        await cluster.Nodes.CreateUserAsync("rclone", Cluster.Password);
        await RcloneInterop.AssertRoundTripAsync(new Uri(cluster.Nodes.BaseUri, "remote.php/dav/files/rclone/"), "rclone", Cluster.Password);
    }

    [Fact]
    public async Task Nextcloudcmd_SyncsUpThroughTheBalancer_AndDownIntoASecondFolder_Identical()
    {
        Assert.True(File.Exists("/usr/bin/nextcloudcmd"), "nextcloudcmd is missing: run scripts/install-test-tools.sh (Debian package nextcloud-desktop-cmd).");
        using var dav = await cluster.Nodes.CreateUserAsync("desktop", Cluster.Password);
        var work = TempDirectory.Create("sync-cluster");
        try
        {
            var first = Path.Combine(work, "first");
            var second = Path.Combine(work, "second");
            Write(first, "readme.txt", "hello\n");
            Write(first, "Ünïcödé ✓/日本語/ファイル.txt", "こんにちは\n");
            Write(first, "emoji 😀/note.md", "# note\n");
            Write(first, "a/b/c/deep.txt", "deep\n");
            var big = new byte[60_000_000];
            new Random(7).NextBytes(big);
            Directory.CreateDirectory(Path.Combine(first, "big"));
            await File.WriteAllBytesAsync(Path.Combine(first, "big/sixty MB.bin"), big);
            Directory.CreateDirectory(second);

            // Up from the first folder (the 60 MB file in chunks, whose requests the balancer spreads over the nodes).
            await NextcloudcmdAsync(work, first);
            using (var head = await dav.SendAsync(new HttpRequestMessage(HttpMethod.Head, "remote.php/dav/files/desktop/big/sixty%20MB.bin")))
            {
                Assert.Equal(HttpStatusCode.OK, head.StatusCode);
                Assert.Equal(big.Length, head.Content.Headers.ContentLength);
            }

            // Down into the second; a change on the server reaches both.
            await NextcloudcmdAsync(work, second);
            await AssertSameTreesAsync(first, second);
            Assert.Equal(HttpStatusCode.NoContent, (await dav.PutAsync("remote.php/dav/files/desktop/readme.txt", new StringContent("changed on the server\n"))).StatusCode);
            Write(second, "from second.txt", "second\n");
            await NextcloudcmdAsync(work, second);
            await NextcloudcmdAsync(work, first);
            Assert.Equal("changed on the server\n", await File.ReadAllTextAsync(Path.Combine(first, "readme.txt")));
            Assert.Equal("second\n", await File.ReadAllTextAsync(Path.Combine(first, "from second.txt")));
            await AssertSameTreesAsync(first, second);
        }
        finally
        {
            TempDirectory.Delete(work);
        }

        async Task NextcloudcmdAsync(string work, string folder)
        {
            var result = await Tool.RunAsync(
                "nextcloudcmd",
                ["--non-interactive", "-u", "desktop", "-p", Cluster.Password, folder, cluster.Nodes.BaseUri.ToString().TrimEnd('/')],
                workingDirectory: work,
                environment: new Dictionary<string, string>
                {
                    ["HOME"] = work,
                    ["XDG_CONFIG_HOME"] = Path.Combine(work, ".config"),
                    ["XDG_DATA_HOME"] = Path.Combine(work, ".local"),
                },
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(result.ExitCode == 0, $"nextcloudcmd exited {result.ExitCode}:\n{result.All}");
        }
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static async Task AssertSameTreesAsync(string left, string right)
    {
        var diff = await Tool.RunAsync("diff", ["-r", "-x", ".sync_*", "-x", "._sync_*", left, right]);
        Assert.True(diff.ExitCode == 0, "The folders differ:\n" + diff.All);
    }

    /// <summary>The three nodes and their bucket, shared by the tests of the class.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        public const string Password = "balanced-sync-pw";

        private TestObjectStore? _bucket;
        private OcmCluster? _nodes;

        internal OcmCluster Nodes => _nodes!;

        public async Task InitializeAsync()
        {
            _bucket = TestObjectStore.Create();
            _nodes = await OcmCluster.StartAsync(3, "127.0.13", new ClusterSettings
            {
                Environment = _bucket.EnvironmentVariables(),
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
