using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Shares;

/// <summary>
/// No accidental duplicates: alice on A (127.0.14.30) shares with bob on a scripted OCM server
/// (127.0.14.31). However she types bob's address — host in capitals, a stray scheme, the default port, spaces — it is
/// one address, shown back normalised; sharing the same file with him again is a 409 naming the existing share, in the
/// API, on the command line and in the web interface; a malformed address is refused with the reason.
/// </summary>
public sealed class SharingTheSameThingTwice(SharingTheSameThingTwice.Servers servers) : IClassFixture<SharingTheSameThingTwice.Servers>
{
    private string Bob => "bob@" + servers.Peer.Authority;

    private async Task<(UiUser User, HttpClient Api)> AliceAsync()
    {
        var alice = await UiUser.AddAsync(servers.A, "alice" + Guid.NewGuid().ToString("N")[..8]);
        var api = alice.ApiClient();
        await api.PutFileAsync(alice.Name, "report.txt", "quarterly numbers");
        return (alice, api);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ShareAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("api/v1/shares", body);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task SharingTheSameFileWithTheSameRecipientAgain_Answers409WithTheExistingShare()
    {
        var (_, api) = await AliceAsync();
        using var _ = api;
        var (_, first) = await ShareAsync(api, new { path = "/report.txt", shareWith = Bob, permissions = new[] { "read" } });
        var id = first.GetProperty("id").GetInt64();

        // Other permissions, and bob's address spelled differently: still the same recipient and the same file.
        var typed = "  bob@HTTP://" + servers.Peer.Authority + "/ ";
        using var response = await api.PostAsJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = typed, permissions = new[] { "read", "write" } });
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Already shared", problem.GetProperty("title").GetString());
        Assert.Contains($"'/report.txt' is already shared with {Bob} (share {id}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"PATCH /api/v1/shares/{id}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var existing = problem.GetProperty("existingShare");
        Assert.Equal(id, existing.GetProperty("id").GetInt64());
        Assert.Equal(Bob, existing.GetProperty("shareWith").GetString());
        Assert.Equal(["read"], existing.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(1, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    [Fact]
    public async Task SharingAgainAfterRevoking_MakesANewShare()
    {
        var (_, api) = await AliceAsync();
        using var _ = api;
        var (_, first) = await ShareAsync(api, new { path = "/report.txt", shareWith = Bob });
        using (var revoked = await api.DeleteAsync($"api/v1/shares/{first.GetProperty("id").GetInt64()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var (status, second) = await ShareAsync(api, new { path = "/report.txt", shareWith = Bob });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.NotEqual(first.GetProperty("id").GetInt64(), second.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task SharingTwiceFromTheCommandLine_ExitsWithTheConflictAndTheExistingShare()
    {
        var (alice, api) = await AliceAsync();
        using var _ = api;
        var environment = new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password };
        string[] create = ["share", "create", "/report.txt", Bob, "--server", servers.A.BaseUri.ToString(), "--user", alice.Name, "--json"];

        var first = await OcmProcess.RunAsync(create, environment);
        var second = await OcmProcess.RunAsync(create, environment);

        Assert.True(first.ExitCode == 0, first.All);
        var id = JsonDocument.Parse(first.StdOut).RootElement.GetProperty("id").GetInt64();
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("error: Already shared", second.StdErr, StringComparison.Ordinal);
        Assert.Contains($"(share {id}, ", second.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharingTwiceInTheWebInterface_SaysItIsAlreadyShared()
    {
        var (alice, api) = await AliceAsync();
        using var _ = api;
        using var session = await UiHttpSession.SignInAsync(alice);

        using var first = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", "Bob@https://" + servers.Peer.Authority));
        var firstPage = await session.GetPageAsync(first.Headers.Location!.ToString());
        using var second = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", Bob));
        var secondPage = await session.GetPageAsync(second.Headers.Location!.ToString());

        // Identifiers are case-sensitive (OCM §Terms, "OCM Address"): Bob is not bob, so the second share is a new one.
        Assert.Contains($"Shared with Bob@{servers.Peer.Authority}", firstPage, StringComparison.Ordinal);
        Assert.Contains($"(you typed “Bob@https://{servers.Peer.Authority}”)", firstPage, StringComparison.Ordinal);
        Assert.Contains($"Shared with {Bob};", secondPage, StringComparison.Ordinal);

        using var third = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", "bob@http://" + servers.Peer.Authority + "/"));
        // The form is shown again, as typed, with the reason next to the address.
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        var thirdPage = await third.Content.ReadAsStringAsync();
        Assert.Contains($"Already shared with {Bob}: change that share below instead of sharing again.", thirdPage, StringComparison.Ordinal);
        Assert.Contains($"value=\"bob@http://{servers.Peer.Authority}/\"", thirdPage, StringComparison.Ordinal);
        Assert.Equal(2, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    [Theory]
    [InlineData("bob@{0}", "bob@{0}")]
    [InlineData("  bob@{0}  ", "bob@{0}")]
    [InlineData("bob@https://{0}/", "bob@{0}")]
    [InlineData("bob@HTTP://{0}//", "bob@{0}")]
    public async Task TheAddressIsNormalised_AndWhatWasTypedIsShownBack(string typedPattern, string normalisedPattern)
    {
        var (_, api) = await AliceAsync();
        using var _ = api;
        var typed = string.Format(System.Globalization.CultureInfo.InvariantCulture, typedPattern, servers.Peer.Authority);
        var normalised = string.Format(System.Globalization.CultureInfo.InvariantCulture, normalisedPattern, servers.Peer.Authority);

        var (status, share) = await ShareAsync(api, new { path = "/report.txt", shareWith = typed });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(normalised, share.GetProperty("shareWith").GetString());
        if (typed == normalised)
        {
            Assert.Equal(JsonValueKind.Null, share.GetProperty("normalizedFrom").ValueKind);
        }
        else
        {
            Assert.Equal(typed, share.GetProperty("normalizedFrom").GetString());
        }

        Assert.Equal(normalised, (await api.GetJsonAsync("api/v1/shares"))[0].GetProperty("shareWith").GetString());
    }

    [Theory]
    [InlineData("bob@@cloud.example.org", "two '@' in a row")]
    [InlineData("@bob@cloud.example.org", "must not begin with '@'")]
    [InlineData("bob @cloud.example.org", "space next to the '@'")]
    [InlineData("bob", "no '@'")]
    [InlineData("bob@cloud.example.org/remote.php", "path")]
    [InlineData("bob@cloud.example.org:99999", "port")]
    [InlineData("bob@", "host is empty")]
    public async Task AMalformedAddress_IsRefusedWithTheReason(string shareWith, string reason)
    {
        var (_, api) = await AliceAsync();
        using var _ = api;

        var (status, problem) = await ShareAsync(api, new { path = "/report.txt", shareWith });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invalid recipient", problem.GetProperty("title").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    /// <summary>A (fast deliveries) and a scripted recipient's server that takes every share.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        internal OcmTestServer A { get; private set; } = null!;

        internal FakeOcmPeer Peer { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Peer = await FakeOcmPeer.StartAsync("127.0.14.31", (context, _) =>
            {
                context.Response.StatusCode = StatusCodes.Status201Created;
                return Task.CompletedTask;
            });
            A = await OcmTestServer.StartAsync("127.0.14.30", UiPageExtensions.Settings());
        }

        public async Task DisposeAsync()
        {
            await A.DisposeAsync();
            await Peer.DisposeAsync();
        }
    }
}
