using System.Net;
using Ocm.Users;

namespace Ocm.Tests.Users;

public sealed class LoginThrottleTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly UsersOptions Options = new() { MaxFailuresPerUser = 3, MaxFailuresPerIp = 5, FailureWindowSeconds = 60 };

    [Fact]
    public void RetryAfter_BelowUserLimit_IsNull()
    {
        var throttle = new LoginThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch), Options);
        throttle.RecordFailure("alice", Client);
        throttle.RecordFailure("alice", Client);
        Assert.Null(throttle.RetryAfter("alice", Client));
    }

    [Fact]
    public void RetryAfter_AtUserLimit_ThrottlesUntilTheOldestFailureLeavesTheWindow()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var throttle = new LoginThrottle(time, Options);
        throttle.RecordFailure("alice", Client);
        time.Advance(TimeSpan.FromSeconds(10));
        throttle.RecordFailure("ALICE", IPAddress.Parse("198.51.100.1"));
        time.Advance(TimeSpan.FromSeconds(10));
        throttle.RecordFailure("alice", IPAddress.Parse("198.51.100.2"));

        // User names are case-insensitive and counted across addresses.
        Assert.Equal(TimeSpan.FromSeconds(40), throttle.RetryAfter("Alice", IPAddress.Parse("203.0.113.9")));
        Assert.Null(throttle.RetryAfter("bob", IPAddress.Parse("203.0.113.9")));

        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(throttle.RetryAfter("alice", Client));
    }

    [Fact]
    public void RetryAfter_AtAddressLimit_ThrottlesEveryNameFromThatAddress()
    {
        var throttle = new LoginThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch), Options);
        for (var i = 0; i < 5; i++)
        {
            throttle.RecordFailure("user" + i, Client);
        }

        Assert.NotNull(throttle.RetryAfter("someone-else", Client));
        Assert.Null(throttle.RetryAfter("someone-else", IPAddress.Parse("192.0.2.11")));
    }

    [Fact]
    public void RetryAfter_Ipv6_CountsTheWhole64AsOneAddress()
    {
        var throttle = new LoginThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch), Options);
        for (var i = 1; i <= 5; i++)
        {
            throttle.RecordFailure("user" + i, IPAddress.Parse($"2001:db8:1:2::{i}"));
        }

        Assert.NotNull(throttle.RetryAfter("x", IPAddress.Parse("2001:db8:1:2:ffff::1")));
        Assert.Null(throttle.RetryAfter("x", IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void RecordSuccess_ForgivesTheUserButNotTheAddress()
    {
        var throttle = new LoginThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch), Options with { MaxFailuresPerIp = 3 });
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("alice", Client);
        }

        throttle.RecordSuccess("alice");
        Assert.Null(throttle.RetryAfter("alice", IPAddress.Parse("198.51.100.1")));
        Assert.NotNull(throttle.RetryAfter("alice", Client));
    }
}
