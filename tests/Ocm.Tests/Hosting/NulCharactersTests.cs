using System.Net;
using System.Text;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Ui;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Hosting;

/// <summary>
/// The NUL character in what users and peers send — JSON strings of the user API and of OCM requests, fields of the
/// web interface's and the invite dialog's forms — is refused with a 400 on both databases, and nothing is stored.
/// (PostgreSQL cannot store NUL in text: each of these was a 500 there.)
/// </summary>
public sealed class NulCharactersTests
{
    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Nul_InApiJson_OcmJson_AndForms_IsA400_AndNothingIsStored(string provider)
    {
        await using var database = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var server = await OcmTestServer.StartAsync("127.0.8.30", TestUsers.Settings(InvitingAUserOnAnotherServer.DatabaseSettings(provider, database)));
        using var alice = await server.AddUserAsync("alice");

        using var invite = await alice.Client.PostAsync("api/v1/invites", Json("""{"label":"for\u0000Bob"}"""));
        using var contact = await alice.Client.PostAsync("api/v1/contacts", Json("""{"address":"bob@127.0.8.31","name":"Bob\u0000"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, invite.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, contact.StatusCode);
        Assert.Equal(0, (await alice.Client.GetJsonAsync("api/v1/invites")).GetArrayLength());
        Assert.Equal(0, (await alice.Client.GetJsonAsync("api/v1/contacts")).GetArrayLength());

        using var share = await new HttpClient { BaseAddress = server.BaseUri }.PostAsync("ocm/shares", Json("""
            {"shareWith":"alice@SERVER","name":"report\u0000.txt","providerId":"p1","owner":"carol@127.0.8.31","sender":"carol@127.0.8.31",
             "shareType":"user","resourceType":"file","protocol":{"name":"multi","webdav":{"uri":"https://127.0.8.31/s","sharedSecret":"s","permissions":["read"]}}}
            """.Replace("SERVER", server.Authority, StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, share.StatusCode);
        Assert.Contains("NUL_CHARACTER", await share.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await alice.Client.GetJsonAsync("api/v1/received-shares")).GetArrayLength());

        using var session = await UiHttpSession.SignInAsync(new UiUser(alice.Name, alice.Password, server));
        using var form = await session.PostFormAsync("ui/account/app-passwords", ("label", "tablet-7f3\0"));
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        var page = await form.Content.ReadAsStringAsync();
        Assert.True(page.Contains("<h1>Invalid form</h1>", StringComparison.Ordinal), page);
        Assert.DoesNotContain("tablet-7f3", await session.GetPageAsync("ui/account"), StringComparison.Ordinal);

        // The invite accept dialog's form goes through the same filter: ASP.NET Core's form reader refuses the NUL
        // itself; that is the client's fault, so a 400 (it was a 500).
        using var dialog = await session.PostFormAsync("ocm/accept-invite", ("token", "abc\0"), ("providerDomain", "127.0.8.31"));
        Assert.Equal(HttpStatusCode.BadRequest, dialog.StatusCode);
        Assert.Contains("<h1>Invalid form</h1>", await dialog.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
