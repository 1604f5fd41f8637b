using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Ocm.Data;
using Ocm.Tests.Infrastructure;
using Ocm.Trust;

namespace Ocm.Tests.Trust;

/// <summary>The per-peer token bucket in front of user-facing OCM endpoints (<c>/request-share</c>), kept in the database.</summary>
public sealed class LimitingRequestsPerPeer
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Burst_ThenOnePerInterval_AndPeersAreIndependent(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var services = TestDatabaseServices.Create(database);
        var clock = new FakeTimeProvider();
        var limiter = NewLimiter(services, clock);

        Assert.True(await AcquireAsync(limiter, "a.example"));
        Assert.True(await AcquireAsync(limiter, "a.example"));
        Assert.True(await AcquireAsync(limiter, "A.EXAMPLE"));
        var (acquired, retryAfter) = await limiter.TryAcquireAsync("a.example", CancellationToken.None);
        Assert.False(acquired);
        Assert.Equal(TimeSpan.FromSeconds(60), retryAfter);
        Assert.True(await AcquireAsync(limiter, "b.example"));

        clock.Advance(TimeSpan.FromSeconds(30));
        (acquired, retryAfter) = await limiter.TryAcquireAsync("a.example", CancellationToken.None);
        Assert.False(acquired);
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await AcquireAsync(limiter, "a.example"));
        Assert.False(await AcquireAsync(limiter, "a.example"));

        // Refill never exceeds the burst.
        clock.Advance(TimeSpan.FromDays(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await AcquireAsync(limiter, "a.example"));
        }

        Assert.False(await AcquireAsync(limiter, "a.example"));
    }

    [Fact]
    public async Task TwoNodes_ShareOneLimit()
    {
        await using var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        await using var services = TestDatabaseServices.Create(database);
        var clock = new FakeTimeProvider();
        var nodeA = NewLimiter(services, clock);
        var nodeB = NewLimiter(services, clock);

        // Taken at once from both nodes: exactly the burst gets through, not the burst per node.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => AcquireAsync(i % 2 == 0 ? nodeA : nodeB, "a.example")));

        Assert.Equal(3, results.Count(r => r));
    }

    private static PeerRateLimiter NewLimiter(IServiceProvider services, TimeProvider clock) => new(
        "test", services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<DatabaseWriteGate>(), clock, burst: 3, perHour: 60);

    private static async Task<bool> AcquireAsync(PeerRateLimiter limiter, string peer) =>
        (await limiter.TryAcquireAsync(peer, CancellationToken.None)).Acquired;
}
