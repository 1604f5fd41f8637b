using Microsoft.EntityFrameworkCore;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Shares;
using Ocm.Shares;
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
                Dialect = OcmDialect.NextcloudLegacy,
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
            Assert.Equal(OcmDialect.NextcloudLegacy, peer.Dialect);
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

    /// <summary>
    /// Closed sets are enums in the code and keep the names earlier versions stored: an outbox message's kind, a
    /// received share's access method, the dialect a share was sent in and the one a peer speaks.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TypedColumns_StoreTheNamesEarlierVersionsStored(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider);
        var now = DateTimeOffset.UtcNow;
        await using (var db = database.NewContext())
        {
            db.Add(new OutboxMessage
            {
                Peer = "b.example",
                Endpoint = "notifications",
                Kind = OutboxMessageKind.UserRemoved,
                Body = [1],
                Created = now,
                NextAttemptAt = now,
                Deadline = now,
            });
            db.Add(new ReceivedShare
            {
                SenderHost = "a.example",
                ProviderId = "p1",
                Name = "n",
                ResourceType = "file",
                Owner = "o@a.example",
                Sender = "o@a.example",
                ProtectedSecret = "x",
                AccessMethod = ShareAccessMethod.Token,
                Created = now,
                Updated = now,
            });
            db.Add(new OutgoingShare
            {
                Name = "n",
                ResourceType = "file",
                ShareWith = "b@b.example",
                RecipientHost = "b.example",
                ProviderId = "p2",
                SecretHash = "h",
                Dialect = ShareDialect.NextcloudLegacy,
                Created = now,
                Updated = now,
            });
            db.Add(new Peer { Host = "c.example", Dialect = OcmDialect.RevaFamily, FirstSeen = now });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            Assert.Equal("user-removed", await db.Database.SqlQueryRaw<string>("""SELECT "Kind" AS "Value" FROM outbox""").SingleAsync());
            Assert.Equal("token", await db.Database.SqlQueryRaw<string>("""SELECT "AccessMethod" AS "Value" FROM received_shares""").SingleAsync());
            Assert.Equal("NextcloudLegacy", await db.Database.SqlQueryRaw<string>("""SELECT "Dialect" AS "Value" FROM outgoing_shares""").SingleAsync());
            Assert.Equal("RevaFamily", await db.Database.SqlQueryRaw<string>("""SELECT "Dialect" AS "Value" FROM peers""").SingleAsync());
            Assert.Equal(OutboxMessageKind.UserRemoved, (await db.Set<OutboxMessage>().SingleAsync()).Kind);
            Assert.Equal(ShareAccessMethod.Token, (await db.Set<ReceivedShare>().SingleAsync(s => s.AccessMethod == ShareAccessMethod.Token)).AccessMethod);
        }
    }

    /// <summary>
    /// What earlier versions said with magic values is said by the columns after the upgrade: a share still to be
    /// composed at delivery had an empty outbox body (now none), a lock taken by a share's recipient the share's id
    /// negated (now a share principal with the share's id).
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Upgrade_TurnsEarlierMagicValuesIntoExplicitColumns(string provider)
    {
        await using var database = await TestDatabases.CreateAsync(provider, migration: "UserIsAdmin");
        var now = DateTimeOffset.UtcNow;
        object At(DateTimeOffset time) => provider == TestDatabases.Sqlite ? time.UtcTicks : time;
        await using (var db = database.NewContext())
        {
            await db.Database.ExecuteSqlRawAsync(
                """INSERT INTO users ("Name", "NormalizedName", "PasswordHash", "Created", "CredentialsVersion", "Disabled", "IsAdmin") VALUES ('alice', 'ALICE', 'x', {0}, 0, {1}, {1})""",
                At(now), false);
            var alice = await db.Database.SqlQueryRaw<long>("""SELECT "Id" AS "Value" FROM users""").SingleAsync();
            // An empty blob, as each provider writes it.
            await db.Database.ExecuteSqlRawAsync(
                provider == TestDatabases.Sqlite
                    ? """INSERT INTO outbox ("Peer", "Endpoint", "Kind", "Body", "State", "Attempts", "Created", "NextAttemptAt", "Deadline") VALUES ('b.example', 'shares', 'share', X'', 'Pending', 0, {0}, {0}, {0})"""
                    : """INSERT INTO outbox ("Peer", "Endpoint", "Kind", "Body", "State", "Attempts", "Created", "NextAttemptAt", "Deadline") VALUES ('b.example', 'shares', 'share', ''::bytea, 'Pending', 0, {0}, {0}, {0})""",
                At(now));
            await db.Database.ExecuteSqlRawAsync(
                """INSERT INTO outbox ("Peer", "Endpoint", "Kind", "Body", "State", "Attempts", "Created", "NextAttemptAt", "Deadline") VALUES ('b.example', 'notifications', 'notification', {0}, 'Pending', 0, {1}, {1}, {1})""",
                "{}"u8.ToArray(), At(now));
            foreach (var (token, principal) in new[] { ("urn:uuid:share", -7L), ("urn:uuid:user", alice) })
            {
                await db.Database.ExecuteSqlRawAsync(
                    """INSERT INTO file_locks ("Token", "OwnerId", "Path", "PathHash", "Deep", "Exclusive", "PrincipalId", "TimeoutSeconds", "Expires") VALUES ({0}, {1}, 'team.txt', 0, {2}, {2}, {3}, 600, {4})""",
                    token, alice, false, principal, At(now.AddHours(1)));
            }
        }

        await database.MigrateAsync();

        await using (var db = database.NewContext())
        {
            var messages = await db.Set<OutboxMessage>().OrderBy(m => m.Id).ToListAsync();
            Assert.Null(messages[0].Body);
            Assert.Equal(OutboxMessageKind.Share, messages[0].Kind);
            Assert.Equal("{}"u8.ToArray(), messages[1].Body);
            var locks = await db.Set<FileLock>().ToDictionaryAsync(l => l.Token);
            Assert.Equal(LockPrincipal.Share(7), locks["urn:uuid:share"].Principal);
            Assert.Equal(LockPrincipal.User(locks["urn:uuid:user"].OwnerId), locks["urn:uuid:user"].Principal);
        }
    }
}
