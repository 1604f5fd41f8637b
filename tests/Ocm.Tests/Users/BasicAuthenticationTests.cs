using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;
using Ocm.Users;

namespace Ocm.Tests.Users;

/// <summary>The Basic scheme in front of WebDAV: challenges, app passwords, throttling, and credentials that stop working.</summary>
public sealed class BasicAuthenticationTests
{
    [Fact]
    public async Task WrongPasswords_ThrottleTheUserWith429_OthersUnaffected()
    {
        await using var server = await OcmTestServer.StartAsync(settings: TestUsers.Settings(("Ocm:Users:MaxFailuresPerUser", "3")));
        await TestUsers.CreateAsync(server, "alice");
        await TestUsers.CreateAsync(server, "bob");
        using var wrong = TestUsers.Client(server, "alice", "wrong-password");
        for (var i = 0; i < 3; i++)
        {
            using var response = await wrong.PropFindAsync("", "0");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic realm=\"Ocm\", charset=\"UTF-8\"", response.Headers.WwwAuthenticate.ToString());
        }

        // Even the right password waits now; the response says how long.
        using var alice = TestUsers.Client(server, "alice");
        using var throttled = await alice.PropFindAsync("", "0");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 900);

        using var bob = TestUsers.Client(server, "bob");
        Assert.Equal(HttpStatusCode.MultiStatus, (await bob.PropFindAsync("", "0")).StatusCode);
    }

    [Fact]
    public async Task AThrottledClient_GetsTheSame429_ForTheRightPasswordTheServerRemembers()
    {
        // alice's sync client signed in a moment ago, so the server remembers her right password. A client that has
        // run into the throttle must not learn from a different answer that a guess is that password.
        await using var server = await OcmTestServer.StartAsync(settings: TestUsers.Settings(("Ocm:Users:MaxFailuresPerUser", "3")));
        await TestUsers.CreateAsync(server, "alice");
        using var alice = TestUsers.Client(server, "alice");
        Assert.Equal(HttpStatusCode.MultiStatus, (await alice.PropFindAsync("", "0")).StatusCode);

        using var wrong = TestUsers.Client(server, "alice", "wrong-password");
        for (var i = 0; i < 3; i++)
        {
            using var response = await wrong.PropFindAsync("", "0");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var wrongAgain = await wrong.PropFindAsync("", "0");
        using var right = await alice.PropFindAsync("", "0");
        Assert.Equal(HttpStatusCode.TooManyRequests, wrongAgain.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.NotNull(right.Headers.RetryAfter);
    }

    [Fact]
    public async Task CachedCredentials_StopWorking_WhenChangedRevokedOrDisabled()
    {
        await using var server = await OcmTestServer.StartAsync(settings: TestUsers.Settings());
        await TestUsers.CreateAsync(server, "alice");
        string appPassword;
        long appPasswordId;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var (entry, password) = await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAppPasswordAsync("alice", "phone", default);
            appPassword = password;
            appPasswordId = entry.Id;
        }

        using var withPassword = TestUsers.Client(server, "alice");
        using var withAppPassword = TestUsers.Client(server, "alice", appPassword);
        Assert.Equal(HttpStatusCode.MultiStatus, (await withPassword.PropFindAsync("", "0")).StatusCode);
        Assert.Equal(HttpStatusCode.MultiStatus, (await withAppPassword.PropFindAsync("", "0")).StatusCode);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAccounts>().RevokeAppPasswordAsync("alice", appPasswordId, default);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await withAppPassword.PropFindAsync("", "0")).StatusCode);
        Assert.Equal(HttpStatusCode.MultiStatus, (await withPassword.PropFindAsync("", "0")).StatusCode);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAccounts>().SetPasswordAsync("alice", "a-new-password", default);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await withPassword.PropFindAsync("", "0")).StatusCode);
        using var withNewPassword = TestUsers.Client(server, "alice", "a-new-password");
        Assert.Equal(HttpStatusCode.MultiStatus, (await withNewPassword.PropFindAsync("", "0")).StatusCode);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAccounts>().SetDisabledAsync("alice", true, default);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await withNewPassword.PropFindAsync("", "0")).StatusCode);
    }

    [Fact]
    public async Task LoginNames_AreCaseInsensitive_AndUtf8PasswordsWork()
    {
        await using var server = await OcmTestServer.StartAsync(settings: TestUsers.Settings());
        await TestUsers.CreateAsync(server, "Alice", password: "pässwörd-€-ünïcode");
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUri, "remote.php/webdav/") };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestUsers.BasicHeader("ALICE", "pässwörd-€-ünïcode"));
        using var response = await client.PropFindAsync("", "0");
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        Assert.Contains("<d:href>/remote.php/webdav/</d:href>", await response.Content.ReadAsStringAsync());
    }
}
