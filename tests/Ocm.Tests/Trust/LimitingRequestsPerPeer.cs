using Microsoft.Extensions.Time.Testing;
using Ocm.Trust;

namespace Ocm.Tests.Trust;

/// <summary>The per-peer token bucket in front of user-facing OCM endpoints (<c>/request-share</c>).</summary>
public sealed class LimitingRequestsPerPeer
{
    [Fact]
    public void Burst_ThenOnePerInterval_AndPeersAreIndependent()
    {
        var clock = new FakeTimeProvider();
        var limiter = new PeerRateLimiter(clock, burst: 3, perHour: 60);

        Assert.True(limiter.TryAcquire("a.example", out _));
        Assert.True(limiter.TryAcquire("a.example", out _));
        Assert.True(limiter.TryAcquire("A.EXAMPLE", out _));
        Assert.False(limiter.TryAcquire("a.example", out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(60), retryAfter);
        Assert.True(limiter.TryAcquire("b.example", out _));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(limiter.TryAcquire("a.example", out retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(limiter.TryAcquire("a.example", out _));
        Assert.False(limiter.TryAcquire("a.example", out _));

        // Refill never exceeds the burst.
        clock.Advance(TimeSpan.FromDays(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire("a.example", out _));
        }

        Assert.False(limiter.TryAcquire("a.example", out _));
    }
}
