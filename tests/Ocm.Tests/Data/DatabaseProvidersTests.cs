using Microsoft.EntityFrameworkCore;
using Ocm.Federation;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Data;

/// <summary>The same model, migrations and queries on SQLite (default) and on a real PostgreSQL.</summary>
public sealed class DatabaseProvidersTests
{
    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrations_AppliedToEmptyDatabase_LeaveNoPendingModelChanges(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var db = database.NewContext();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        // A model change without a migration for this provider fails here: run scripts/add-migration.sh NAME.
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model has changes without a migration.");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Peer_SavedAndReadBack_KeepsEveryField(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        var seen = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(2));
        await using (var db = database.NewContext())
        {
            db.Set<Peer>().Add(new Peer
            {
                Host = "cloud.example.org:8443",
                Provider = "Nextcloud",
                ApiVersion = "1.1.0",
                Dialect = "NextcloudLegacy",
                Capabilities = "notifications invites",
                FirstSeen = seen,
                LastDiscovered = seen.AddMinutes(5),
            });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var peer = await db.Set<Peer>().SingleAsync(p => p.Host == "cloud.example.org:8443");
            Assert.Equal("Nextcloud", peer.Provider);
            Assert.Equal("notifications invites", peer.Capabilities);
            Assert.Equal(seen, peer.FirstSeen);
            Assert.Equal(seen.AddMinutes(5), peer.LastDiscovered);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Peer_DuplicateHost_IsRejectedByUniqueIndex(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        await using (var db = database.NewContext())
        {
            db.Set<Peer>().Add(new Peer { Host = "a.example.org", FirstSeen = DateTimeOffset.UnixEpoch });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            db.Set<Peer>().Add(new Peer { Host = "a.example.org", FirstSeen = DateTimeOffset.UnixEpoch });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Peers_OrderedByTimestamp_SortChronologicallyAcrossOffsets(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        var baseTime = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        await using (var db = database.NewContext())
        {
            // 11:00 UTC written with +02:00 must sort before 11:30 UTC written with -01:00.
            db.Set<Peer>().AddRange(
                new Peer { Host = "late", FirstSeen = baseTime.ToOffset(TimeSpan.FromHours(-1)).AddMinutes(-30) },
                new Peer { Host = "early", FirstSeen = baseTime.ToOffset(TimeSpan.FromHours(2)).AddHours(-1) },
                new Peer { Host = "latest", FirstSeen = baseTime });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var order = await db.Set<Peer>().OrderBy(p => p.FirstSeen).Select(p => p.Host).ToListAsync();
            Assert.Equal(["early", "late", "latest"], order);
            var after = await db.Set<Peer>().Where(p => p.FirstSeen > baseTime.AddMinutes(-45)).CountAsync();
            Assert.Equal(2, after);
        }
    }
}
