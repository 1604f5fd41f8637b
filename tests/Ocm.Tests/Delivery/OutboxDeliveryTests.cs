using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Delivery;

/// <summary>The durable outbox delivering to scripted peers on loopback addresses.</summary>
public sealed class OutboxDeliveryTests
{
    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Ocm:Delivery:PollSeconds"] = "0.1",
        ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        ["Ocm:Delivery:MaxRetrySeconds"] = "0.5",
        ["Ocm:Delivery:RequestTimeoutSeconds"] = "2",
        ["Ocm:Federation:DiscoveryTimeoutSeconds"] = "2",
        ["Ocm:Federation:DiscoveryNegativeCacheSeconds"] = "0",
    };

    private static async Task<long> EnqueueAsync(OcmTestServer server, string peer, string body)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
        var message = outbox.Enqueue(peer, OutboxMessageKind.Notification, null, System.Text.Encoding.UTF8.GetBytes(body));
        await scope.ServiceProvider.GetRequiredService<OcmDb>().SaveChangesAsync();
        return message.Id;
    }

    private static async Task<OutboxMessage> WaitForAsync(OcmTestServer server, long id, Func<OutboxMessage, bool> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var scope = server.Services.CreateAsyncScope())
            {
                var message = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<OutboxMessage>().AsNoTracking().SingleAsync(m => m.Id == id);
                if (condition(message))
                {
                    return message;
                }

                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"Outbox message {id} is {message.State} after {message.Attempts} attempts: {message.LastError}");
                }
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A new message wakes the worker when it is committed, not at the next poll — also when it is enqueued inside an
    /// explicit transaction (how a share and its delivery commit together), where SaveChanges runs before the commit and
    /// a worker woken then would find nothing and sleep until the poll (2 s by default; a share took ~2 s to arrive).
    /// </summary>
    [Fact]
    public async Task Enqueue_WakesTheWorkerWhenCommitted_NotAtTheNextPoll()
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.7.11", (c, _) => { c.Response.StatusCode = 201; return Task.CompletedTask; });
        var settings = new Dictionary<string, string?>(FastRetries) { ["Ocm:Delivery:PollSeconds"] = "300" };
        await using var server = await OcmTestServer.StartAsync("127.0.7.10", settings);

        var plain = await EnqueueAsync(server, peer.Authority, """{"n":1}""");
        await WaitForAsync(server, plain, m => m.State == OutboxState.Delivered, seconds: 15);

        long inTransaction;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var message = scope.ServiceProvider.GetRequiredService<Outbox>().Enqueue(peer.Authority, OutboxMessageKind.Notification, null, """{"n":2}"""u8.ToArray());
            await db.SaveChangesAsync();
            await Task.Delay(500); // a worker woken here would see nothing committed
            await transaction.CommitAsync();
            inTransaction = message.Id;
        }

        await WaitForAsync(server, inTransaction, m => m.State == OutboxState.Delivered, seconds: 15);
        Assert.Equal(2, peer.Received.Count);
    }

    [Fact]
    public async Task Enqueue_PeerAccepts_IsDeliveredOnceWithExactBody()
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.0.11", (c, _) => { c.Response.StatusCode = 201; return Task.CompletedTask; });
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", FastRetries);

        var id = await EnqueueAsync(server, peer.Authority, """{"notificationType":"SHARE_ACCEPTED"}""");

        var message = await WaitForAsync(server, id, m => m.State == OutboxState.Delivered);
        Assert.Equal(1, message.Attempts);
        Assert.Equal(201, message.LastStatus);
        var request = Assert.Single(peer.Received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/ocm/notifications", request.Path);
        Assert.Equal("""{"notificationType":"SHARE_ACCEPTED"}""", request.Body);
    }

    [Fact]
    public async Task Enqueue_PeerOverloadedThenRecovers_IsRetriedAndDelivered()
    {
        var calls = 0;
        await using var peer = await FakeOcmPeer.StartAsync("127.0.0.11", (c, _) =>
        {
            if (Interlocked.Increment(ref calls) <= 2)
            {
                c.Response.StatusCode = 503;
                c.Response.Headers.RetryAfter = "1";
            }
            else
            {
                c.Response.StatusCode = 201;
            }

            return Task.CompletedTask;
        });
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", FastRetries);

        var id = await EnqueueAsync(server, peer.Authority, "{}");

        var message = await WaitForAsync(server, id, m => m.State == OutboxState.Delivered);
        Assert.Equal(3, message.Attempts);
        Assert.Equal(3, peer.Received.Count);
    }

    [Fact]
    public async Task Enqueue_PeerRejectsPayload_FailsAtOnceWithPeersReason()
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.0.11", async (c, _) =>
        {
            c.Response.StatusCode = 400;
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync("""{"message":"Bad share","validationErrors":[{"name":"shareWith","message":"unknown user"}]}""");
        });
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", FastRetries);

        var id = await EnqueueAsync(server, peer.Authority, "{}");

        var message = await WaitForAsync(server, id, m => m.State == OutboxState.Failed);
        Assert.Equal(1, message.Attempts);
        Assert.Contains("Bad share", message.LastError, StringComparison.Ordinal);
        Assert.Contains("shareWith: unknown user", message.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_PeerDownUntilDeadline_FailsWithReason()
    {
        var settings = new Dictionary<string, string?>(FastRetries) { ["Ocm:Delivery:DeadlineSeconds"] = "1" };
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", settings);

        // Nothing listens on 127.0.0.12:9.
        var id = await EnqueueAsync(server, "127.0.0.12:9", "{}");

        var message = await WaitForAsync(server, id, m => m.State == OutboxState.Failed);
        Assert.Contains("gave up after", message.LastError, StringComparison.Ordinal);
    }

    /// <summary>
    /// What our own policy forbids cannot get better by waiting: a peer on the denylist, or one only reachable
    /// over plain http while insecure peers are not allowed, fails at once with the reason and is never retried.
    /// </summary>
    [Theory]
    [InlineData("Ocm:Trust:Denylist:0", "127.0.14.41", "denylist")]
    [InlineData("Ocm:Federation:AllowInsecurePeers", "false", "Ocm:Federation:InsecurePeers")]
    public async Task Enqueue_PeerOurPolicyForbids_FailsAtOnceWithTheReason_NeverRetried(string key, string value, string reason)
    {
        await using var peer = await FakeOcmPeer.StartAsync("127.0.14.41", (c, _) => { c.Response.StatusCode = 201; return Task.CompletedTask; });
        var settings = new Dictionary<string, string?>(FastRetries) { [key] = value };
        await using var server = await OcmTestServer.StartAsync("127.0.14.40", settings);

        var id = await EnqueueAsync(server, peer.Authority, "{}");

        var message = await WaitForAsync(server, id, m => m.State == OutboxState.Failed);
        await Task.Delay(1000); // several retry intervals of these settings
        Assert.Equal(1, (await WaitForAsync(server, id, _ => true)).Attempts);
        Assert.Contains(reason, message.LastError, StringComparison.Ordinal);
        Assert.Empty(peer.Received);
    }

    /// <summary>
    /// A peer that is down for a while and comes back gets what waits for it within seconds, though the back-off, or
    /// its open circuit, would wait ten minutes: it is probed while it cannot be reached.
    /// </summary>
    [Theory]
    [InlineData("600", "3", "600")] // the back-off waits
    [InlineData("0.2", "1", "600")] // the circuit opens at the first failure and stays open
    public async Task Enqueue_PeerBackAfterFailures_IsDeliveredWithoutWaitingForTheBackOffOrTheCircuit(string retrySeconds, string threshold, string breakSeconds)
    {
        var address = "127.0.14.43";
        var port = OcmProcess.FreePort(address);
        var settings = new Dictionary<string, string?>(FastRetries)
        {
            ["Ocm:Delivery:InitialRetrySeconds"] = retrySeconds,
            ["Ocm:Delivery:MaxRetrySeconds"] = retrySeconds,
            ["Ocm:Delivery:CircuitBreakerThreshold"] = threshold,
            ["Ocm:Delivery:CircuitBreakSeconds"] = breakSeconds,
            ["Ocm:Delivery:ProbeSeconds"] = "0.5",
        };
        await using var server = await OcmTestServer.StartAsync("127.0.14.42", settings);

        var id = await EnqueueAsync(server, $"{address}:{port}", "{}");
        await Task.Delay(1500); // the first attempt and a few probes fail
        var waiting = await WaitForAsync(server, id, _ => true);
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.Contains("cannot be reached right now", waiting.LastError, StringComparison.Ordinal);

        await using var peer = await LoopbackHttpServerOn(address, port);

        var delivered = await WaitForAsync(server, id, m => m.State == OutboxState.Delivered, seconds: 5);
        Assert.Equal(2, delivered.Attempts);
    }

    /// <summary>A FakeOcmPeer cannot choose its port; this is the same thing on a given one.</summary>
    private static async Task<WebApplication> LoopbackHttpServerOn(string address, int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls($"http://{address}:{port}");
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/.well-known/ocm")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"enabled":true,"apiVersion":"1.4.0","endPoint":"http://{{address}}:{{port}}/ocm","resourceTypes":[]}""");
                return;
            }

            context.Response.StatusCode = 201;
        });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Enqueue_FirstMessageRetrying_LaterMessageToSamePeerWaits()
    {
        var first = true;
        var order = new List<string>();
        await using var peer = await FakeOcmPeer.StartAsync("127.0.0.11", (c, body) =>
        {
            lock (order)
            {
                order.Add(body);
                c.Response.StatusCode = first ? 503 : 201;
                first = false;
            }

            return Task.CompletedTask;
        });
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", FastRetries);

        var a = await EnqueueAsync(server, peer.Authority, "\"share\"");
        var b = await EnqueueAsync(server, peer.Authority, "\"notification\"");

        await WaitForAsync(server, b, m => m.State == OutboxState.Delivered);
        await WaitForAsync(server, a, m => m.State == OutboxState.Delivered);
        Assert.Equal(["\"share\"", "\"share\"", "\"notification\""], order);
    }

    [Fact]
    public async Task Enqueue_OnePeerDead_OtherPeerStillServedPromptly()
    {
        await using var healthy = await FakeOcmPeer.StartAsync("127.0.0.11", (c, _) => { c.Response.StatusCode = 201; return Task.CompletedTask; });
        // The dead peer accepts connections but never answers: every attempt costs the full timeout.
        await using var dead = await FakeOcmPeer.StartAsync("127.0.0.13", (c, _) => Task.Delay(Timeout.Infinite, c.RequestAborted));
        await using var server = await OcmTestServer.StartAsync("127.0.0.10", FastRetries);

        for (var i = 0; i < 5; i++)
        {
            await EnqueueAsync(server, dead.Authority, "{}");
        }

        var started = DateTime.UtcNow;
        var id = await EnqueueAsync(server, healthy.Authority, "{}");
        await WaitForAsync(server, id, m => m.State == OutboxState.Delivered);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "a dead peer delayed delivery to a healthy one");
    }
}
