using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Delivery;

/// <summary>
/// alice's server is a cluster of <c>ocm serve</c> processes behind haproxy, on one PostgreSQL database; bob's server
/// records the order in which shares and notifications reach it. Every node runs an outbox worker, but a peer's lane is
/// leased to one node at a time (on the database's clock, with a fencing token): everything arrives exactly once and in
/// the order it was made — also when the node delivering is killed in the middle of a request.
/// </summary>
public sealed class DeliveringFromSeveralNodes
{
    private const string Password = "alice-cluster-pw";

    private static Dictionary<string, string> Delivery(int requestTimeoutSeconds) => new()
    {
        ["OCM_DELIVERY__POLLSECONDS"] = "0.2",
        ["OCM_DELIVERY__INITIALRETRYSECONDS"] = "0.5",
        ["OCM_DELIVERY__MAXRETRYSECONDS"] = "1",
        ["OCM_DELIVERY__REQUESTTIMEOUTSECONDS"] = requestTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OCM_DELIVERY__DISCOVERYALLOWANCESECONDS"] = "1",
    };

    [Fact]
    public async Task ThreeNodes_SharesAndTheirNotifications_ArriveOnceInOrder()
    {
        var arrivals = new ArrivalRecorder();
        await using var b = await StartPeerAsync("127.0.10.50", arrivals);
        using var bob = await b.CreateUserAsync("bob");
        await using var cluster = await OcmCluster.StartAsync(3, "127.0.10", new ClusterSettings
        {
            Environment = Delivery(requestTimeoutSeconds: 10),
            BehindHaproxy = true,
            AdminUser = ("alice", Password),
        });

        const int Count = 6;
        var expected = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            // Each request through the balancer, so the shares are made on different nodes.
            using var alice = cluster.Client("alice", Password);
            await alice.PutFileAsync("alice", $"file-{i}.txt", $"content {i}");
            var share = await alice.PostJsonAsync("api/v1/shares", new { path = $"/file-{i}.txt", shareWith = "bob@" + b.Authority, permissions = new[] { "read" } }, 201);
            var id = share.GetProperty("id").GetInt64();
            var providerId = share.GetProperty("providerId").GetString()!;
            using var patch = await alice.PatchAsync($"api/v1/shares/{id}", JsonContent(new { permissions = new[] { "read", "write" } }));
            Assert.True(patch.IsSuccessStatusCode, $"PATCH share {id}: {(int)patch.StatusCode}");
            expected.Add("share:" + providerId);
            expected.Add("notification:" + providerId);
        }

        await OcmTestServerExtensions.EventuallyAsync(() => Task.FromResult(arrivals.Count), n => n >= expected.Count, "every share and notification at bob's server", seconds: 60);
        await Task.Delay(TimeSpan.FromSeconds(2)); // a duplicate would come now
        Assert.Equal(expected, arrivals.Snapshot());
    }

    [Fact]
    public async Task NodeKilledMidDelivery_AnotherTakesOverAfterTheLease_TheShareArrivesOnce()
    {
        var arrivals = new ArrivalRecorder { StallFirstShare = true };
        await using var b = await StartPeerAsync("127.0.11.50", arrivals);
        using var bob = await b.CreateUserAsync("bob");
        await using var cluster = await OcmCluster.StartAsync(2, "127.0.11", new ClusterSettings
        {
            Environment = Delivery(requestTimeoutSeconds: 8),
            BehindHaproxy = true,
            AdminUser = ("alice", Password),
        });
        using var alice = cluster.Client("alice", Password);
        var expected = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await alice.PutFileAsync("alice", $"file-{i}.txt", $"content {i}");
            var share = await alice.PostJsonAsync("api/v1/shares", new { path = $"/file-{i}.txt", shareWith = "bob@" + b.Authority, permissions = new[] { "read" } }, 201);
            expected.Add("share:" + share.GetProperty("providerId").GetString());
        }

        // bob's server holds the first share's request; the node that sent it holds the lane. Kill that node.
        await arrivals.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var holder = await LaneHolderAsync(cluster);
        var victim = Assert.Single(cluster.Nodes, n => n.ProcessId == holder);
        await victim.KillAsync();

        await OcmTestServerExtensions.EventuallyAsync(() => Task.FromResult(arrivals.Count), n => n >= expected.Count, "both shares after the takeover", seconds: 60);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(expected, arrivals.Snapshot());

        var survivor = cluster.Nodes.First(n => n != victim);
        using var aliceOnSurvivor = cluster.Client("alice", Password, survivor.BaseUri);
        await OcmTestServerExtensions.EventuallyAsync(
            async () => (await aliceOnSurvivor.GetJsonAsync("api/v1/shares")).EnumerateArray().Count(s => s.GetProperty("state").GetString() == "delivered"),
            n => n == expected.Count,
            "both shares delivered, as the surviving node reports");
    }

    /// <summary>The process id of the node holding bob's server's outbox lane (the lease owner is "host/pid/random").</summary>
    private static async Task<int> LaneHolderAsync(OcmCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""SELECT "Owner" FROM leases WHERE "Name" LIKE 'outbox-lane:%' AND "Owner" IS NOT NULL AND "LeaseUntil" > now()""", connection);
        var owner = (string?)await query.ExecuteScalarAsync() ?? throw new InvalidOperationException("No node holds the lane.");
        return int.Parse(owner.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private static Task<OcmTestServer> StartPeerAsync(string address, ArrivalRecorder arrivals) => OcmTestServer.StartAsync(
        address,
        new Dictionary<string, string?> { ["Ocm:Trust:QuarantineUnknownSenders"] = "false" },
        services => services.AddSingleton<IStartupFilter>(arrivals));

    /// <summary>
    /// bob's server's front door: records each share (<c>share:providerId</c>) and notification
    /// (<c>notification:providerId</c>) its OCM endpoints have handled, in order. With <see cref="StallFirstShare"/>, the
    /// first share's request is held until its sender goes away, and is then not handled at all.
    /// </summary>
    private sealed class ArrivalRecorder : IStartupFilter
    {
        private readonly ConcurrentQueue<string> _arrivals = new();
        private int _stall;

        public bool StallFirstShare { init => _stall = value ? 1 : 0; }

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => _arrivals.Count;

        public List<string> Snapshot() => [.. _arrivals];

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var kind = context.Request.Path.Value switch
                {
                    "/ocm/shares" => "share",
                    "/ocm/notifications" => "notification",
                    _ => null,
                };
                if (kind is null || !HttpMethods.IsPost(context.Request.Method))
                {
                    await nextMiddleware(context);
                    return;
                }

                context.Request.EnableBuffering();
                using var json = await JsonDocument.ParseAsync(context.Request.Body);
                context.Request.Body.Position = 0;
                var providerId = json.RootElement.TryGetProperty("providerId", out var p) ? p.ToString() : "?";
                if (kind == "share" && Interlocked.Exchange(ref _stall, 0) == 1)
                {
                    Stalled.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return;
                }

                await nextMiddleware(context);
                _arrivals.Enqueue($"{kind}:{providerId}");
            });
            next(app);
        };
    }
}
