using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Ocm.Contacts;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Protocol.Addressing;
using Ocm.Tests.Infrastructure;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.Tests.Trust;

/// <summary>
/// What becomes of a share from a remote sender (<see cref="TrustPolicy.EvaluateIncomingShareAsync"/>, the call the
/// shares feature makes): refused (403) by the deny/allow lists or by must-invite, auto-accepted from trusted servers,
/// pending from contacts, quarantined from strangers. On both databases.
/// </summary>
public sealed class DecidingAboutIncomingShares
{
    private static readonly OcmAddress Friend = OcmAddress.Parse("friend@friends.example");
    private static readonly OcmAddress Acquaintance = OcmAddress.Parse("acq@friends.example");
    private static readonly OcmAddress Typed = OcmAddress.Parse("typed@friends.example");
    private static readonly OcmAddress Stranger = OcmAddress.Parse("stranger@elsewhere.example");

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OpenServer_ContactsArePending_StrangersQuarantined(string provider)
    {
        await using var database = await SeedAsync(provider);
        await using var db = database.Database.NewContext();
        var policy = new TrustPolicy(new TrustOptions());

        Assert.Equal(IncomingShareAction.Pending, (await policy.EvaluateIncomingShareAsync(db, "friends.example", Friend, database.RecipientId, default)).Action);
        Assert.Equal(IncomingShareAction.Pending, (await policy.EvaluateIncomingShareAsync(db, "friends.example", Acquaintance, database.RecipientId, default)).Action);
        var stranger = await policy.EvaluateIncomingShareAsync(db, "elsewhere.example", Stranger, database.RecipientId, default);
        Assert.Equal(IncomingShareAction.Quarantine, stranger.Action);
        Assert.Contains("quarantine", stranger.Reason, StringComparison.Ordinal);

        // Contacts belong to one user: the friend is a stranger to someone else.
        Assert.Equal(IncomingShareAction.Quarantine, (await policy.EvaluateIncomingShareAsync(db, "friends.example", Friend, database.OtherUserId, default)).Action);

        var noQuarantine = new TrustPolicy(new TrustOptions { QuarantineUnknownSenders = false });
        Assert.Equal(IncomingShareAction.Pending, (await noQuarantine.EvaluateIncomingShareAsync(db, "elsewhere.example", Stranger, database.RecipientId, default)).Action);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task MustInvite_AcceptsOnlyContactsFromAnInvite(string provider)
    {
        await using var database = await SeedAsync(provider);
        await using var db = database.Database.NewContext();
        var policy = new TrustPolicy(new TrustOptions { MustInvite = true });

        Assert.Equal(IncomingShareAction.Pending, (await policy.EvaluateIncomingShareAsync(db, "friends.example", Friend, database.RecipientId, default)).Action);

        foreach (var sender in new[] { Acquaintance, Typed, Stranger })
        {
            var decision = await policy.EvaluateIncomingShareAsync(db, sender.Authority, sender, database.RecipientId, default);
            Assert.True(decision.IsRefused, sender.ToString());
            Assert.Equal(403, decision.StatusCode);
            Assert.Contains("must-invite", decision.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DeniedAndUnlistedServers_AreRefused_TrustedOnesAutoAccepted(string provider)
    {
        await using var database = await SeedAsync(provider);
        await using var db = database.Database.NewContext();

        var denying = new TrustPolicy(new TrustOptions { Denylist = ["*.example"], AutoAcceptFrom = ["friends.example"] });
        var denied = await denying.EvaluateIncomingShareAsync(db, "friends.example", Friend, database.RecipientId, default);
        Assert.True(denied.IsRefused);
        Assert.Contains("denylist", denied.Reason, StringComparison.Ordinal);

        var allowing = new TrustPolicy(new TrustOptions { Allowlist = ["friends.example"], AutoAcceptFrom = ["friends.example"] });
        Assert.Contains("allowlist", (await allowing.EvaluateIncomingShareAsync(db, "elsewhere.example", Stranger, database.RecipientId, default)).Reason, StringComparison.Ordinal);
        Assert.Equal(IncomingShareAction.AutoAccept, (await allowing.EvaluateIncomingShareAsync(db, "friends.example", Friend, database.RecipientId, default)).Action);

        // Auto-accept from a trusted server applies to senders there the recipient does not know yet, unless must-invite.
        Assert.Equal(IncomingShareAction.AutoAccept, (await allowing.EvaluateIncomingShareAsync(db, "friends.example", OcmAddress.Parse("new@friends.example"), database.RecipientId, default)).Action);
        var strict = new TrustPolicy(new TrustOptions { MustInvite = true, AutoAcceptFrom = ["friends.example"] });
        Assert.True((await strict.EvaluateIncomingShareAsync(db, "friends.example", OcmAddress.Parse("new@friends.example"), database.RecipientId, default)).IsRefused);

        // A signer may not vouch for a sender on a denied server.
        var denyElsewhere = new TrustPolicy(new TrustOptions { Denylist = ["elsewhere.example"] });
        Assert.True((await denyElsewhere.EvaluateIncomingShareAsync(db, "friends.example", Stranger, database.RecipientId, default)).IsRefused);
    }

    [Fact]
    public void RefusedDecision_BecomesTheOcmErrorBody()
    {
        var refused = IncomingShareDecision.Refuse("The server x is on this server's denylist.");

        var result = Assert.IsAssignableFrom<Microsoft.AspNetCore.Http.IStatusCodeHttpResult>(refused.ToOcmError());

        Assert.Equal(403, result.StatusCode);
    }

    private static async Task<SeededDatabase> SeedAsync(string provider)
    {
        var database = await TestDatabases.CreateAsync(provider);
        await using var db = database.NewContext();
        var recipient = new User { Name = "rita", NormalizedName = "rita", PasswordHash = "x" };
        var other = new User { Name = "otto", NormalizedName = "otto", PasswordHash = "x" };
        db.AddRange(recipient, other);
        await db.SaveChangesAsync();

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var signal = new OutboxSignal();
        var contacts = new ContactBook(db, new Outbox(db, time, new OutboxOptions(), signal, new PeerCircuitBreaker(time)), time, NullLogger<ContactBook>.Instance);
        await contacts.UpsertAsync(recipient.Id, Friend, "Friend", null, ContactSource.Invite, default);
        await contacts.UpsertAsync(recipient.Id, Acquaintance, "Acquaintance", null, ContactSource.Share, default);
        await contacts.UpsertAsync(recipient.Id, Typed, "Typed", null, ContactSource.Manual, default);
        await db.SaveChangesAsync();
        return new SeededDatabase(database, recipient.Id, other.Id);
    }

    private sealed record SeededDatabase(TestDatabase Database, long RecipientId, long OtherUserId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
