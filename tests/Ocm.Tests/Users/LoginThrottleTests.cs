using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.Users;

/// <summary>The failed sign-in counts, kept in the database (SQLite here; the cluster test covers PostgreSQL).</summary>
public sealed class LoginThrottleTests : IAsyncLifetime
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly UsersOptions Options = new() { MaxFailuresPerUser = 3, MaxFailuresPerIp = 5, FailureWindowSeconds = 60 };

    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateAsync(TestDatabases.Sqlite);
        _services = TestDatabaseServices.Create(_database);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task RetryAfter_BelowUserLimit_IsNull()
    {
        var throttle = NewThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch));
        await FailAsync(throttle, "alice", Client);
        await FailAsync(throttle, "alice", Client);
        Assert.Null(await RetryAfterAsync(throttle, "alice", Client));
    }

    [Fact]
    public async Task RetryAfter_AtUserLimit_ThrottlesThatNameFromThatAddressUntilTheOldestFailureLeavesTheWindow()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var throttle = NewThrottle(time);
        await FailAsync(throttle, "alice", Client);
        time.Advance(TimeSpan.FromSeconds(10));
        await FailAsync(throttle, "ALICE", Client);
        time.Advance(TimeSpan.FromSeconds(10));
        await FailAsync(throttle, "alice", Client);

        // User names are case-insensitive; another client of the same user is not locked out.
        Assert.Equal(TimeSpan.FromSeconds(40), await RetryAfterAsync(throttle, "Alice", Client));
        Assert.Null(await RetryAfterAsync(throttle, "alice", IPAddress.Parse("203.0.113.9")));
        Assert.Null(await RetryAfterAsync(throttle, "bob", Client));

        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(await RetryAfterAsync(throttle, "alice", Client));
    }

    [Fact]
    public async Task RetryAfter_AtAddressLimit_ThrottlesEveryNameFromThatAddress()
    {
        var throttle = NewThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch));
        for (var i = 0; i < 5; i++)
        {
            await FailAsync(throttle, "user" + i, Client);
        }

        Assert.NotNull(await RetryAfterAsync(throttle, "someone-else", Client));
        Assert.Null(await RetryAfterAsync(throttle, "someone-else", IPAddress.Parse("192.0.2.11")));
    }

    [Fact]
    public async Task RetryAfter_Ipv6_CountsTheWhole64AsOneAddress()
    {
        var throttle = NewThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch));
        for (var i = 1; i <= 5; i++)
        {
            await FailAsync(throttle, "user" + i, IPAddress.Parse($"2001:db8:1:2::{i}"));
        }

        Assert.NotNull(await RetryAfterAsync(throttle, "x", IPAddress.Parse("2001:db8:1:2:ffff::1")));
        Assert.Null(await RetryAfterAsync(throttle, "x", IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public async Task RecordSuccess_ForgivesTheUserButNotTheAddress()
    {
        var throttle = NewThrottle(new ManualTimeProvider(DateTimeOffset.UnixEpoch), Options with { MaxFailuresPerIp = 3 });
        for (var i = 0; i < 3; i++)
        {
            await FailAsync(throttle, "alice", Client);
        }

        await throttle.RecordSuccessAsync("alice", Client, CancellationToken.None);
        Assert.Null(await RetryAfterAsync(throttle, "alice", IPAddress.Parse("198.51.100.1")));
        Assert.NotNull(await RetryAfterAsync(throttle, "alice", Client));
    }

    private LoginThrottle NewThrottle(TimeProvider time, UsersOptions? options = null) =>
        new(_services.GetRequiredService<IServiceScopeFactory>(), _services.GetRequiredService<DatabaseWriteGate>(), time, options ?? Options);

    private static Task FailAsync(LoginThrottle throttle, string user, IPAddress address) =>
        throttle.RecordFailureAsync(user, address, CancellationToken.None);

    private static Task<TimeSpan?> RetryAfterAsync(LoginThrottle throttle, string user, IPAddress address) =>
        throttle.RetryAfterAsync(user, address, CancellationToken.None);
}
