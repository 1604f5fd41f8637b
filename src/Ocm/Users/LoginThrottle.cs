using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Data;

namespace Ocm.Users;

/// <summary>
/// Counts failed sign-ins in a sliding window, in the database so that every node counts the same failures: per user
/// name from one client address, and per client address whatever the name. Once either count reaches its limit,
/// sign-ins for that name from that address, or anything from that address, are refused without running the KDF until
/// the oldest failure leaves the window, which also keeps a password-guessing client from burning CPU. Someone
/// guessing a user's password therefore cannot lock that user out for the clients it really uses. Only a sign-in
/// that is not already verified in memory asks (<see cref="CredentialVerifier"/>), so a sync client's every request
/// costs nothing here. Old failures are deleted as new ones are recorded.
/// </summary>
internal sealed class LoginThrottle(IServiceScopeFactory scopes, DatabaseWriteGate writeGate, TimeProvider time, UsersOptions options)
{
    private const int PurgeEvery = 64;

    private int _failuresSincePurge;

    private TimeSpan Window => TimeSpan.FromSeconds(options.FailureWindowSeconds);

    /// <summary>How long until a sign-in for <paramref name="userName"/> from <paramref name="address"/> may be tried, or null if it may be tried now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string userName, IPAddress? address, CancellationToken cancellationToken) =>
        (await CheckAsync(userName, address, cancellationToken)).RetryAfter;

    /// <summary>
    /// The wait as <see cref="RetryAfterAsync"/>, and whether that name has failures from that address to forgive
    /// (so a successful sign-in writes only when there is something to forgive).
    /// </summary>
    public async Task<(TimeSpan? RetryAfter, bool HasUserFailures)> CheckAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var userKey = UserKey(userName, address);
        var addressKey = address is null ? null : AddressKey(address);
        var cutoff = (now - Window).UtcTicks;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var failures = await db.Set<LoginFailure>()
            .Where(f => (f.Key == userKey || f.Key == addressKey) && f.At > cutoff)
            .Select(f => new { f.Key, f.At })
            .ToListAsync(cancellationToken);
        var byUser = Wait(failures.Where(f => f.Key == userKey).Select(f => f.At), options.MaxFailuresPerUser, now);
        var byAddress = Wait(failures.Where(f => f.Key == addressKey).Select(f => f.At), options.MaxFailuresPerIp, now);
        TimeSpan? wait = (byUser, byAddress) switch
        {
            (null, null) => null,
            (TimeSpan u, null) => u,
            (null, TimeSpan a) => a,
            (TimeSpan u, TimeSpan a) => u > a ? u : a,
        };
        return (wait, failures.Any(f => f.Key == userKey));
    }

    /// <summary>
    /// The counters a sign-in for <paramref name="userName"/> from <paramref name="address"/> is checked against, and
    /// the time (UTC ticks) after which failures still count: for callers that read them with other data in one query.
    /// </summary>
    public ThrottleProbe Probe(string userName, IPAddress? address) =>
        new(UserKey(userName, address), address is null ? "" : AddressKey(address), (time.GetUtcNow() - Window).UtcTicks);

    /// <summary>Whether those counts (failures within the window) throttle the sign-in.</summary>
    public bool Reached(int userFailures, int addressFailures) =>
        userFailures >= options.MaxFailuresPerUser || addressFailures >= options.MaxFailuresPerIp;

    public async Task RecordFailureAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        db.Add(new LoginFailure { Key = UserKey(userName, address), At = now });
        if (address is not null)
        {
            db.Add(new LoginFailure { Key = AddressKey(address), At = now });
        }

        using var turn = await writeGate.EnterAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        if (Interlocked.Increment(ref _failuresSincePurge) >= PurgeEvery)
        {
            Interlocked.Exchange(ref _failuresSincePurge, 0);
            var cutoff = now - Window.Ticks;
            await db.Set<LoginFailure>().Where(f => f.At <= cutoff).ExecuteDeleteAsync(cancellationToken);
        }
    }

    /// <summary>A successful sign-in forgives the user name's failures from that address (the address keeps its count).</summary>
    public async Task RecordSuccessAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var key = UserKey(userName, address);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await db.Set<LoginFailure>().Where(f => f.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    private TimeSpan? Wait(IEnumerable<long> failures, int limit, DateTimeOffset now)
    {
        var times = failures.Order().ToList();
        if (times.Count < limit)
        {
            return null;
        }

        // The oldest of the last `limit` failures decides when the count drops below the limit again.
        var oldest = new DateTimeOffset(times[^limit], TimeSpan.Zero);
        var wait = oldest + Window - now;
        return wait > TimeSpan.Zero ? wait : null;
    }

    private static string UserKey(string userName, IPAddress? address) =>
        "u:" + User.Normalize(userName) + (address is null ? "" : "|" + ClientAddress(address));

    private static string AddressKey(IPAddress address) => "a:" + ClientAddress(address);

    /// <summary>A client address as it is counted: IPv4-mapped addresses as IPv4, an IPv6 address as its /64.</summary>
    public static string ClientAddress(IPAddress address)
    {
        // An IPv6 client controls its whole /64, so it is counted as one address.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return address.ToString();
    }
}

/// <summary>The keys of <see cref="LoginThrottle.Probe"/>: no failure is stored under an empty key.</summary>
internal readonly record struct ThrottleProbe(string UserKey, string AddressKey, long Since);

/// <summary>One failed sign-in, counted under its key: <c>u:{name}|{address}</c> or <c>a:{address}</c>.</summary>
internal sealed class LoginFailure
{
    public long Id { get; init; }

    public required string Key { get; init; }

    /// <summary>UTC ticks: the same comparable integer in SQLite and PostgreSQL.</summary>
    public long At { get; init; }
}

internal sealed class LoginFailureConfiguration : IEntityTypeConfiguration<LoginFailure>
{
    public void Configure(EntityTypeBuilder<LoginFailure> builder)
    {
        builder.ToTable("login_failures");
        builder.Property(f => f.Key).HasMaxLength(400);
        builder.HasIndex(f => new { f.Key, f.At });
        builder.HasIndex(f => f.At);
    }
}
