using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Shares;

/// <summary>
/// The durable outbox under a real crash: alice's server A runs as an <c>ocm serve</c> process
/// (127.0.4.30); she shares twelve files with bob on B (127.0.4.31), which answers each share slowly. A is killed while
/// the deliveries are under way and started again on the same address and data directory: every share arrives,
/// exactly once, and A reports each one delivered.
/// </summary>
public sealed class KillingTheSenderMidDelivery
{
    private const int Shares = 12;
    private const string Password = "alice-process-pw";

    [Fact]
    public async Task KilledWhileDelivering_Restarted_EveryShareArrivesExactlyOnce()
    {
        await using var b = await OcmTestServer.StartAsync(
            "127.0.4.31",
            new Dictionary<string, string?> { ["Ocm:Trust:QuarantineUnknownSenders"] = "false" },
            services => services.AddSingleton<IStartupFilter, SlowShareIntake>());
        using var bob = await b.CreateUserAsync("bob");

        var dataDir = TempDirectory.Create("ocm-kill-delivery");
        var environment = new Dictionary<string, string>
        {
            ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "true",
            ["OCM_USERS__CREATEADMINONFIRSTSTART"] = "false",
            ["OCM_DELIVERY__POLLSECONDS"] = "0.1",
            ["OCM_DELIVERY__INITIALRETRYSECONDS"] = "0.2",
            ["OCM_DELIVERY__MAXRETRYSECONDS"] = "1",
            // A delivery in flight when the process dies is retried once its lease (request timeout + discovery allowance) ends.
            ["OCM_DELIVERY__REQUESTTIMEOUTSECONDS"] = "4",
            ["OCM_DELIVERY__DISCOVERYALLOWANCESECONDS"] = "1",
        };
        try
        {
            Assert.Equal(0, (await OcmProcess.RunAsync(["user", "add", "alice", "--password", Password, "--data-dir", dataDir, "--init"])).ExitCode);
            int port;
            await using (var a = await OcmProcess.StartServeAsync("127.0.4.30", dataDir, environment))
            {
                port = a.BaseUri.Port;
                using var alice = Client(a.BaseUri);
                for (var i = 0; i < Shares; i++)
                {
                    await alice.PutFileAsync("alice", $"file-{i}.txt", $"content {i}");
                }

                for (var i = 0; i < Shares; i++)
                {
                    await alice.PostJsonAsync("api/v1/shares", new { path = $"/file-{i}.txt", shareWith = "bob@" + b.Authority, permissions = new[] { "read" } }, 201);
                }

                // Some deliveries done, others not yet: kill the process now.
                await OcmTestServerExtensions.EventuallyAsync(() => CountAsync(bob), n => n >= 2, "the first deliveries");
                a.Kill();
            }

            var before = await CountAsync(bob);
            Assert.True(before < Shares, $"all {before} shares arrived before the kill; the test did not interrupt anything");

            await using (var restarted = await OcmProcess.StartServeAsync("127.0.4.30", port, dataDir, environment))
            {
                using var alice = Client(restarted.BaseUri);
                await OcmTestServerExtensions.EventuallyAsync(
                    async () => (await alice.GetJsonAsync("api/v1/shares")).EnumerateArray().Count(s => s.GetProperty("state").GetString() == "delivered"),
                    n => n == Shares,
                    "every share delivered after the restart",
                    seconds: 60);
            }

            var received = (await bob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
            Assert.Equal(Enumerable.Range(0, Shares).Select(i => $"file-{i}.txt").Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(Uri baseUri)
    {
        var client = new HttpClient { BaseAddress = baseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + Password)));
        return client;
    }

    private static async Task<int> CountAsync(HttpClient bob) => (await bob.GetJsonAsync("api/v1/received-shares")).GetArrayLength();

    /// <summary>B takes 300 ms to answer each incoming share, so that A always has deliveries in flight.</summary>
    private sealed class SlowShareIntake : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == "/ocm/shares")
                {
                    await Task.Delay(300, context.RequestAborted);
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
