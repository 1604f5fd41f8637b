using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Shares;

/// <summary>
/// alice on A (127.0.15.10) shares with bob on B (127.0.15.11). From the moment the share is created until B has it,
/// A asks B what it is (<c>GET /.well-known/ocm</c>, OCM §OCM API Discovery) once: the check at creation, the outbox's
/// delivery and the choice of signature scheme all use that one answer. B counts the discovery requests it receives.
/// </summary>
public sealed class SharingDiscoversTheRecipientOnce
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Ocm:Delivery:PollSeconds"] = "0.1",
        ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        ["Ocm:Delivery:MaxRetrySeconds"] = "1",
    };

    [Fact]
    public async Task FromCreationToDelivery_TheRecipientsServerIsDiscoveredOnce()
    {
        var counter = new DiscoveryCounter();
        await using var a = await OcmTestServer.StartAsync("127.0.15.10", Fast);
        await using var b = await OcmTestServer.StartAsync("127.0.15.11", Fast, services => services.AddSingleton<IStartupFilter>(counter));
        using var alice = await a.CreateUserAsync("alice");
        using var bob = await b.CreateUserAsync("bob");
        await alice.PutFileAsync("alice", "report.txt", "quarterly numbers");

        var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob@" + b.Authority }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            () => bob.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the share to arrive on B");
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString() == "delivered", "the share delivered on A");

        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public async Task WithoutTheDiscoveryCache_EachStepAsksOnce_TheSignatureSchemeAsksNoMore()
    {
        // Nothing is reused between steps: the check at creation asks once, the delivery once, and the signature
        // scheme is chosen from the delivery's answer rather than by asking again.
        var settings = new Dictionary<string, string?>(Fast) { ["Ocm:Federation:DiscoveryCacheSeconds"] = "0" };
        var counter = new DiscoveryCounter();
        await using var a = await OcmTestServer.StartAsync("127.0.15.12", settings);
        await using var b = await OcmTestServer.StartAsync("127.0.15.13", settings, services => services.AddSingleton<IStartupFilter>(counter));
        using var alice = await a.CreateUserAsync("alice");
        using var bob = await b.CreateUserAsync("bob");
        await alice.PutFileAsync("alice", "report.txt", "quarterly numbers");

        var share = await alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob@" + b.Authority }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            () => alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString() == "delivered", "the share delivered on A");

        Assert.Equal(2, counter.Count);
    }

    /// <summary>Counts requests for B's discovery document, at every path peers ask for it.</summary>
    private sealed class DiscoveryCounter : IStartupFilter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/.well-known/ocm") || context.Request.Path.StartsWithSegments("/ocm-provider"))
                {
                    Interlocked.Increment(ref _count);
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
