using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Invites;

/// <summary>
/// Alice on server A invites Bob on server B (two real servers on 127.0.0.40 and 127.0.0.41): the invite is created
/// on A, accepted on B through the signed <c>/ocm/invite-accepted</c> call, and both end up in each other's contacts.
/// </summary>
public sealed class InvitingAUserOnAnotherServer
{
    private const string AddressA = "127.0.0.40";
    private const string AddressB = "127.0.0.41";
    private const string AddressPeer = "127.0.0.42";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task InviteCreatedOnA_AcceptedOnB_BothBecomeContacts(string provider)
    {
        // SQLite: each server's own file in its data directory; PostgreSQL: a fresh database each.
        await using var databaseA = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var databaseB = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(DatabaseSettings(provider, databaseA)));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(DatabaseSettings(provider, databaseB)));
        using var alice = await a.AddUserAsync("alice", "Alice Liddell", "alice@mail.example");
        using var bob = await b.AddUserAsync("bob", "Bob Builder", "bob@mail.example");

        var before = DateTimeOffset.UtcNow;
        var invite = await alice.CreateInviteAsync("for Bob");

        // 201 { token, inviteString, link, expires }: a 256-bit token, the canonical string, the WAYF link, 30 days.
        var token = invite.GetProperty("token").GetString()!;
        Assert.True(Base64Url.DecodeFromChars(token).Length >= 16);
        var inviteString = invite.GetProperty("inviteString").GetString()!;
        Assert.DoesNotContain('=', inviteString);
        Assert.Equal($"{token}@{a.Authority}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(inviteString)));
        Assert.Equal(new Uri(a.BaseUri, "ocm/wayf?token=" + token), new Uri(invite.GetProperty("link").GetString()!));
        var expires = invite.GetProperty("expires").GetDateTimeOffset();
        Assert.InRange(expires, before.AddDays(30).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(30).AddMinutes(1));

        // Listed without the token.
        var listed = Assert.Single(await alice.InvitesAsync());
        Assert.Equal("open", listed.GetProperty("state").GetString());
        Assert.Equal("for Bob", listed.GetProperty("label").GetString());
        Assert.False(listed.TryGetProperty("token", out _));

        var (status, contact) = await bob.AcceptInviteStringAsync(inviteString);

        Assert.True(status == HttpStatusCode.OK, contact.ToString());
        Assert.Equal(alice.Address, contact.GetProperty("address").GetString());
        Assert.Equal("Alice Liddell", contact.GetProperty("name").GetString());
        Assert.Equal("alice@mail.example", contact.GetProperty("email").GetString());
        Assert.Equal("invite", contact.GetProperty("source").GetString());

        var bobsContact = Assert.Single(await bob.ContactsAsync());
        Assert.Equal(alice.Address, bobsContact.GetProperty("address").GetString());
        Assert.Equal(a.Authority, bobsContact.GetProperty("provider").GetString());
        Assert.Equal("alice", bobsContact.GetProperty("userId").GetString());

        var alicesContact = Assert.Single(await alice.ContactsAsync());
        Assert.Equal(bob.Address, alicesContact.GetProperty("address").GetString());
        Assert.Equal("Bob Builder", alicesContact.GetProperty("name").GetString());
        Assert.Equal("bob@mail.example", alicesContact.GetProperty("email").GetString());
        Assert.Equal("invite", alicesContact.GetProperty("source").GetString());

        var accepted = Assert.Single(await alice.InvitesAsync());
        Assert.Equal("accepted", accepted.GetProperty("state").GetString());
        Assert.Equal(bob.Address, accepted.GetProperty("acceptedBy").GetString());

        // Share autocomplete searches address, name and e-mail.
        Assert.Single(await alice.ContactsAsync("builder"));
        Assert.Single(await alice.ContactsAsync("BOB@"));
        Assert.Empty(await alice.ContactsAsync("carol"));
    }

    [Fact]
    public async Task Discovery_AdvertisesInvitesWayfAndTheAcceptDialog()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());

        var document = await a.Client.GetFromJsonAsync<JsonElement>(".well-known/ocm");

        var capabilities = document.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("invites", capabilities);
        Assert.Contains("invite-wayf", capabilities);
        Assert.Equal("/ocm/accept-invite", document.GetProperty("inviteAcceptDialog").GetString());
    }

    [Fact]
    public async Task SecondAcceptance_IsRefusedWith409AndAClearMessage()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await b.AddUserAsync("carol");
        var inviteString = (await alice.CreateInviteAsync()).GetProperty("inviteString").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await bob.AcceptInviteStringAsync(inviteString)).Status);

        var (status, problem) = await carol.AcceptInviteStringAsync(inviteString);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Invite already used", problem.GetProperty("title").GetString());
        Assert.Contains("This invite was already used", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await carol.ContactsAsync());
        Assert.Equal([bob.Address], (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task ExpiredInvite_IsRefusedWith400()
    {
        // One clock for both servers: signatures stay fresh while the invite ages.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
        void UseClock(IServiceCollection services) => services.AddSingleton<TimeProvider>(clock);
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Invites:ExpiryDays", "7")), UseClock);
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(), UseClock);
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        var invite = await alice.CreateInviteAsync();
        Assert.Equal(clock.GetUtcNow().AddDays(7).Date, invite.GetProperty("expires").GetDateTimeOffset().Date);

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var (status, problem) = await bob.AcceptInviteStringAsync(invite.GetProperty("inviteString").GetString()!);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invite not valid", problem.GetProperty("title").GetString());
        Assert.Contains("expired or is unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("expired", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
        Assert.Empty(await alice.ContactsAsync());
        Assert.Empty(await bob.ContactsAsync());
    }

    [Fact]
    public async Task UnknownToken_IsAnswered400WithTheOcmErrorBody()
    {
        // Unsigned requests allowed here, so the endpoint itself is exercised without a second server.
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(("Ocm:Security:RequireSignatures", "false")));
        await a.AddUserAsync("alice");

        using var response = await a.Client.PostAsJsonAsync("ocm/invite-accepted", new
        {
            recipientProvider = "recv.example.org",
            token = "no-such-token",
            userID = "bob",
            email = "bob@mail.example",
            name = "Bob",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The invite token is unknown.", error.GetProperty("message").GetString());
        var field = Assert.Single(error.GetProperty("validationErrors").EnumerateArray());
        Assert.Equal("token", field.GetProperty("name").GetString());
    }

    [Fact]
    public async Task UnsignedAcceptance_IsRefusedWhenSignaturesAreRequired()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        var token = (await alice.CreateInviteAsync()).GetProperty("token").GetString();

        using var response = await a.Client.PostAsJsonAsync("ocm/invite-accepted", new
        {
            recipientProvider = "recv.example.org",
            token,
            userID = "mallory",
            email = "",
            name = "Mallory",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("open", Assert.Single(await alice.InvitesAsync()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task InviteString_InStandardBase64WithPadding_LinkAndTokenForms_AreAllAccepted()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        using var carol = await b.AddUserAsync("carol");
        using var dave = await b.AddUserAsync("dave");
        using var erin = await b.AddUserAsync("erin");

        // 1.2.2–1.3 peers: standard alphabet, padded. Whether '=' appears depends on the port's digits, so the
        // padded form is also forced below with a label that changes nothing but the length.
        var first = await alice.CreateInviteAsync();
        var legacy = Convert.ToBase64String(Base64Url.DecodeFromChars(first.GetProperty("inviteString").GetString()!));
        Assert.Equal(HttpStatusCode.OK, (await bob.AcceptInviteStringAsync(legacy)).Status);

        // Padded standard base64 of "token@host:port", with copy-and-paste whitespace around it.
        var second = await alice.CreateInviteAsync();
        var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(second.GetProperty("inviteString").GetString()!));
        var padded = "  " + Convert.ToBase64String(Encoding.UTF8.GetBytes(decoded)) + "\n";
        if (!padded.Contains('=', StringComparison.Ordinal))
        {
            // Same invite, same server: a trailing slash on the provider is tolerated and shifts the length.
            padded = "  " + Convert.ToBase64String(Encoding.UTF8.GetBytes(decoded + "/")) + "\n";
        }

        Assert.Contains("=", padded, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await carol.AcceptInviteStringAsync(padded)).Status);

        // The WAYF link pasted instead of the string.
        var third = await alice.CreateInviteAsync();
        Assert.Equal(HttpStatusCode.OK, (await dave.AcceptInviteStringAsync(third.GetProperty("link").GetString()!)).Status);

        // Token and provider domain given apart.
        var fourth = await alice.CreateInviteAsync();
        var (status, _) = await erin.AcceptInviteAsync(new { token = fourth.GetProperty("token").GetString(), providerDomain = a.Authority });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(
            new[] { bob.Address, carol.Address, dave.Address, erin.Address }.Order(),
            (await alice.ContactsAsync()).Select(c => c.GetProperty("address").GetString()!).Order());
    }

    [Fact]
    public async Task RevokedInvite_CannotBeAccepted()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var mallory = await a.AddUserAsync("mallory");
        using var bob = await b.AddUserAsync("bob");
        var invite = await alice.CreateInviteAsync();
        var id = invite.GetProperty("id").GetInt64();

        // Only the inviter can revoke.
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.Client.DeleteAsync($"api/v1/invites/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.DeleteAsync($"api/v1/invites/{id}")).StatusCode);
        var (status, problem) = await bob.AcceptInviteStringAsync(invite.GetProperty("inviteString").GetString()!);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("expired or is unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await alice.InvitesAsync());
    }

    [Fact]
    public async Task UnreadableInvites_AndInvitesFromTheSameServer_AreExplained()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var alex = await a.AddUserAsync("alex");

        var (status, problem) = await alice.AcceptInviteStringAsync("not an invite!");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not an invite string", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (status, problem) = await alice.AcceptInviteAsync(new { token = "abc" });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var own = (await alex.CreateInviteAsync()).GetProperty("inviteString").GetString()!;
        (status, problem) = await alice.AcceptInviteStringAsync(own);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invite from this server", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ApiWithoutCredentials_IsChallenged()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());

        using var response = await a.Client.PostAsJsonAsync("api/v1/invites", new { });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingAContact_IsSilentByDefault_AndSendsUserRemovedWhenAsked()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await FakeOcmPeer.StartAsync(AddressPeer, async (context, body) =>
        {
            if (context.Request.Path == "/ocm/notifications")
            {
                received.TrySetResult(body);
            }

            context.Response.StatusCode = 201;
            await context.Response.WriteAsync("{}");
        });
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        var quiet = await AddContactAsync(alice, $"zoe@{peer.Authority}");
        var told = await AddContactAsync(alice, $"yann@{peer.Authority}");
        Assert.Equal("manual", told.GetProperty("source").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.DeleteAsync($"api/v1/contacts/{quiet.GetProperty("id").GetInt64()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.DeleteAsync($"api/v1/contacts/{told.GetProperty("id").GetInt64()}?notify=true")).StatusCode);

        var notification = JsonDocument.Parse(await received.Task.WaitAsync(TimeSpan.FromSeconds(30))).RootElement;
        Assert.Equal("USER_REMOVED", notification.GetProperty("notificationType").GetString());
        Assert.Equal("user", notification.GetProperty("resourceType").GetString());
        Assert.Equal("alice", notification.GetProperty("providerId").GetString());
        Assert.Equal($"yann@{peer.Authority}", notification.GetProperty("notification").GetProperty("grantee").GetString());
        Assert.Single(peer.Received, r => r.Path == "/ocm/notifications");
        Assert.Empty(await alice.ContactsAsync());
    }

    [Fact]
    public async Task RemovingAnInvitedContactWithNotify_RemovesTheContactOnTheOtherServerToo()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        Assert.Equal(HttpStatusCode.OK, (await bob.AcceptInviteStringAsync((await alice.CreateInviteAsync()).GetProperty("inviteString").GetString()!)).Status);
        var contactOfBob = Assert.Single(await bob.ContactsAsync());

        using var deleted = await bob.Client.DeleteAsync($"api/v1/contacts/{contactOfBob.GetProperty("id").GetInt64()}?notify=true");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // Delivered by B's outbox as a signed USER_REMOVED; A reciprocates.
        await OcmTestServerExtensions.EventuallyAsync(() => alice.ContactsAsync(), contacts => contacts.Count == 0, "Alice's contact Bob removed");
        Assert.Empty(await bob.ContactsAsync());
    }

    private static async Task<JsonElement> AddContactAsync(TestUser user, string address)
    {
        using var response = await user.Client.PostAsJsonAsync("api/v1/contacts", new { address, name = "Someone" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static (string, string?)[] DatabaseSettings(string provider, TestDatabase? database) =>
        provider == TestDatabases.Postgres
            ? [("Ocm:Database:Provider", "postgres"), ("Ocm:Database:ConnectionString", database!.ConnectionString)]
            : [];
}
