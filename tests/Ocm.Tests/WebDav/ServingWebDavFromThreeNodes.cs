using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// Three <c>ocm serve</c> nodes, each with its own empty data directory, on one PostgreSQL database and one S3 bucket,
/// behind haproxy (round-robin, no sticky sessions): what one node wrote, every node serves.
/// </summary>
public sealed class ServingWebDavFromThreeNodes
{
    private const string Password = "tester-cluster-pw";

    private static async Task<(OcmCluster Cluster, TestObjectStore Bucket)> StartAsync()
    {
        var bucket = TestObjectStore.Create();
        try
        {
            var cluster = await OcmCluster.StartAsync(3, "127.0.9", new ClusterSettings
            {
                Environment = bucket.EnvironmentVariables(),
                BehindHaproxy = true,
                AdminUser = ("tester", Password),
            });
            return (cluster, bucket);
        }
        catch
        {
            await bucket.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task PutThroughTheBalancer_EveryNodeServesIt()
    {
        var (cluster, bucket) = await StartAsync();
        await using var _ = bucket;
        await using var __ = cluster;
        using var balanced = cluster.Client("tester", Password);

        await balanced.MkColAsync("tester", "shared");
        using (var put = await balanced.PutAsync("remote.php/dav/files/tester/shared/hello.txt", new StringContent("written through the balancer")))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        // Three PROPFINDs and three GETs through the balancer land on the three nodes in turn.
        for (var i = 0; i < 3; i++)
        {
            using var propfind = await balanced.SendDavAsync("PROPFIND", "remote.php/dav/files/tester/shared/", headers: ("Depth", "1"));
            Assert.Equal(HttpStatusCode.MultiStatus, propfind.StatusCode);
            Assert.Contains("hello.txt", await propfind.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("written through the balancer", await balanced.GetStringAsync("remote.php/dav/files/tester/shared/hello.txt"));
        }

        // And each node, asked directly.
        foreach (var node in cluster.Nodes)
        {
            using var direct = cluster.Client("tester", Password, node.BaseUri);
            Assert.Equal("written through the balancer", await direct.GetStringAsync("remote.php/dav/files/tester/shared/hello.txt"));
        }
    }

    [Fact]
    public async Task Litmus_ThroughTheBalancer_AllFiveSuites_Pass104Of104()
    {
        var (cluster, bucket) = await StartAsync();
        await using var _ = bucket;
        await using var __ = cluster;
        var workDir = TempDirectory.Create("litmus-cluster-cwd");
        try
        {
            await LitmusConformance.AssertAllSuitesPassAsync(new Uri(cluster.BaseUri, "remote.php/dav/files/tester/"), "tester", Password, workDir);
        }
        finally
        {
            TempDirectory.Delete(workDir);
        }
    }
}
