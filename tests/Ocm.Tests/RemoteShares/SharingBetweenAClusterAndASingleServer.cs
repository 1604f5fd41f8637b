using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// alice's server is three <c>ocm serve</c> nodes, each with its own empty data directory, on one PostgreSQL database
/// and one S3 bucket (Ceph RGW), behind haproxy (round-robin, no sticky sessions); bob's is a single server. A folder
/// shared either way is accepted, then read and written through the recipient's mount (WebDAV under
/// <c>/Shared with me/</c>) — the cluster's side of every request landing on whichever node the balancer picks.
/// </summary>
public sealed class SharingBetweenAClusterAndASingleServer
{
    private const string Password = "alice-federated-pw";
    private const string Shared = "Shared%20with%20me";

    [Fact]
    public async Task FolderSharesBothWays_RecipientReadsAndWritesThroughItsMount()
    {
        await using var bucket = TestObjectStore.Create();
        var environment = bucket.EnvironmentVariables();
        environment["OCM_TRUST__QUARANTINEUNKNOWNSENDERS"] = "false";
        environment["OCM_DELIVERY__POLLSECONDS"] = "0.2";
        environment["OCM_DELIVERY__INITIALRETRYSECONDS"] = "0.5";
        environment["OCM_DELIVERY__MAXRETRYSECONDS"] = "1";
        await using var cluster = await OcmCluster.StartAsync(3, "127.0.16", new ClusterSettings
        {
            Environment = environment,
            BehindHaproxy = true,
            AdminUser = ("alice", Password),
        });
        await using var single = await OcmTestServer.StartAsync("127.0.16.50", new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            ["Ocm:Delivery:MaxRetrySeconds"] = "1",
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
        });
        using var bob = await single.CreateUserAsync("bob", "Bob Builder");
        using var alice = cluster.Client("alice", Password);

        // 1. From the cluster to the single server: bob reads and writes alice's folder through his mount.
        await alice.MkColAsync("alice", "Project");
        await alice.PutFileAsync("alice", "Project/plan.txt", "the plan");
        await alice.PostJsonAsync("api/v1/shares", new { path = "/Project", shareWith = "bob@" + single.Authority, permissions = new[] { "read", "write" } }, 201);
        await AcceptAsync(bob, "Project");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("the plan", await bob.GetStringAsync($"dav/files/bob/{Shared}/Project/plan.txt"));
        }

        for (var i = 0; i < 3; i++)
        {
            using var put = await bob.SendDavAsync("PUT", $"dav/files/bob/{Shared}/Project/from-bob-{i}.txt", $"bob was here {i}");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        foreach (var node in cluster.Nodes)
        {
            using var direct = cluster.Client("alice", Password, node.BaseUri);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal($"bob was here {i}", await direct.GetStringAsync($"dav/files/alice/Project/from-bob-{i}.txt"));
            }
        }

        // 2. From the single server to the cluster: alice, through the balancer, reads and writes bob's folder.
        await bob.MkColAsync("bob", "Inbox");
        await bob.PutFileAsync("bob", "Inbox/note.txt", "a note from bob");
        await bob.PostJsonAsync("api/v1/shares", new { path = "/Inbox", shareWith = "alice@" + cluster.BaseUri.Authority, permissions = new[] { "read", "write" } }, 201);
        await AcceptAsync(alice, "Inbox");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("a note from bob", await alice.GetStringAsync($"dav/files/alice/{Shared}/Inbox/note.txt"));
        }

        for (var i = 0; i < 3; i++)
        {
            using var put = await alice.SendDavAsync("PUT", $"dav/files/alice/{Shared}/Inbox/from-alice-{i}.txt", $"alice was here {i}");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"alice was here {i}", await bob.GetStringAsync($"dav/files/bob/Inbox/from-alice-{i}.txt"));
        }

        // Each node, asked directly, serves the mount too.
        foreach (var node in cluster.Nodes)
        {
            using var direct = cluster.Client("alice", Password, node.BaseUri);
            Assert.Equal("a note from bob", await direct.GetStringAsync($"dav/files/alice/{Shared}/Inbox/note.txt"));
        }
    }

    private static async Task AcceptAsync(HttpClient recipient, string name)
    {
        var pending = await OcmTestServerExtensions.EventuallyAsync(
            () => recipient.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name),
            $"the share of {name} to arrive",
            seconds: 60);
        var id = pending.EnumerateArray().First(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        await recipient.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
    }
}
