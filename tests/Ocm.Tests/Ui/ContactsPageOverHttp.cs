using System.Buffers.Text;
using System.Net;
using System.Text;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The Contacts page over plain HTTP on one server (127.0.6.62): what a user pastes that is no usable invite is
/// refused with a reason and a 4xx (or 502 when the inviter's server cannot be reached), never a 500; its forms
/// need the anti-forgery token; unknown contacts and invites are a 404 page.
/// </summary>
public sealed class ContactsPageOverHttp(ContactsPageOverHttp.ServerFixture fixture) : IClassFixture<ContactsPageOverHttp.ServerFixture>
{
    private OcmTestServer Server => fixture.Server;

    [Theory]
    [InlineData("", 400, "Paste the invite string")]
    [InlineData("   ", 400, "Paste the invite string")]
    [InlineData("not an invite", 400, "This is not an invite string")]
    [InlineData("https://cloud.example.org/ocm/wayf", 400, "The invite link has no token")]
    public async Task AcceptingSomethingThatIsNoInvite_ShowsWhy_With400(string pasted, int status, string reason)
    {
        using var session = await UiHttpSession.SignInAsync(await NewUserAsync());

        using var response = await session.PostFormAsync("ui/contacts/accept", ("invite", pasted));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains("id=\"contacts-error\"", html, StringComparison.Ordinal);
        Assert.Contains(reason, html, StringComparison.Ordinal);
        Assert.Contains("<h1>Contacts</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptingAnInviteFromThisServer_Or_AnUnreachableServer_IsExplained()
    {
        using var session = await UiHttpSession.SignInAsync(await NewUserAsync());
        var own = InviteStringFor("sometoken", Server.Authority);
        var unreachable = InviteStringFor("sometoken", "127.0.6.69:9");

        using var fromHere = await session.PostFormAsync("ui/contacts/accept", ("invite", own));
        using var fromNowhere = await session.PostFormAsync("ui/contacts/accept", ("invite", unreachable));

        Assert.Equal(HttpStatusCode.BadRequest, fromHere.StatusCode);
        Assert.Contains("This invite was created on this server", await fromHere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var html = await fromNowhere.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadGateway, fromNowhere.StatusCode);
        Assert.Contains("Inviting server unreachable", html, StringComparison.Ordinal);
        Assert.Contains("127.0.6.69:9", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{unreachable}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PastedMarkup_IsShownAsText()
    {
        using var session = await UiHttpSession.SignInAsync(await NewUserAsync());

        using var response = await session.PostFormAsync("ui/contacts/accept", ("invite", "<script>alert(1)</script>\"><b>x</b>"));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>x</b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContactsForms_WithoutAntiforgeryToken_AreRefused_AndChangeNothing()
    {
        var user = await NewUserAsync();
        using var api = user.ApiClient();
        var contact = await api.PostJsonAsync("api/v1/contacts", new { address = "carol@cloud.example.org", name = "Carol" }, 201);
        var invite = await api.PostJsonAsync("api/v1/invites", new { label = "kept" }, 201);
        using var session = await UiHttpSession.SignInAsync(user);

        (string Url, (string, string)[] Fields)[] forms =
        [
            ("ui/contacts/invites", [("label", "forged")]),
            ($"ui/contacts/invites/{invite.GetProperty("id").GetInt64()}/revoke", []),
            ("ui/contacts/accept", [("invite", InviteStringFor("sometoken", "127.0.6.69:9"))]),
            ($"ui/contacts/{contact.GetProperty("id").GetInt64()}/remove", [("notify", "1")]),
        ];
        foreach (var (url, fields) in forms)
        {
            using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            using var response = await session.Client.PostAsync(url, content);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {url} without a token answered {(int)response.StatusCode}");
            Assert.Contains("Form expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var invites = await api.GetJsonAsync("api/v1/invites");
        Assert.Equal(["kept"], invites.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
        Assert.Equal("open", invites[0].GetProperty("state").GetString());
        var contacts = await api.GetJsonAsync("api/v1/contacts");
        Assert.Equal(["carol@cloud.example.org"], contacts.EnumerateArray().Select(c => c.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task RemovingOrRevokingWhatIsNotYours_Is404_AndChangesNothing()
    {
        var owner = await NewUserAsync();
        using var ownerApi = owner.ApiClient();
        var contact = await ownerApi.PostJsonAsync("api/v1/contacts", new { address = "carol@cloud.example.org" }, 201);
        var invite = await ownerApi.PostJsonAsync("api/v1/invites", new { label = "mine" }, 201);
        using var other = await UiHttpSession.SignInAsync(await NewUserAsync());

        using var remove = await other.PostFormAsync($"ui/contacts/{contact.GetProperty("id").GetInt64()}/remove");
        using var revoke = await other.PostFormAsync($"ui/contacts/invites/{invite.GetProperty("id").GetInt64()}/revoke");

        Assert.Equal(HttpStatusCode.NotFound, remove.StatusCode);
        Assert.Contains("not in your contacts", await remove.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Contains("That invite no longer exists", await revoke.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single((await ownerApi.GetJsonAsync("api/v1/contacts")).EnumerateArray());
        Assert.Equal("open", (await ownerApi.GetJsonAsync("api/v1/invites"))[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task CreatingAnInvite_ShowsItsStringAndLinkOnce_AndListsIt()
    {
        using var session = await UiHttpSession.SignInAsync(await NewUserAsync());

        using var created = await session.PostFormAsync("ui/contacts/invites", ("label", "for Bob"));
        var html = await created.Content.ReadAsStringAsync();
        var page = await session.GetPageAsync("ui/contacts");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("id=\"invite-string\"", html, StringComparison.Ordinal);
        Assert.Contains("data-copy=\"invite-link\"", html, StringComparison.Ordinal);
        Assert.Contains(new Uri(Server.BaseUri, "ocm/wayf?token=").AbsoluteUri, html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"invite-string\"", page, StringComparison.Ordinal);
        Assert.Contains("data-label=\"for Bob\" data-state=\"open\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatingAnInvite_WithATooLongLabel_Is400_AndCreatesNone()
    {
        var user = await NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);

        using var response = await session.PostFormAsync("ui/contacts/invites", ("label", new string('x', 201)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 200 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = user.ApiClient();
        Assert.Empty((await api.GetJsonAsync("api/v1/invites")).EnumerateArray());
    }

    private Task<UiUser> NewUserAsync() => UiUser.AddAsync(Server, "u" + Guid.NewGuid().ToString("N")[..10]);

    private static string InviteStringFor(string token, string server) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token + "@" + server));

    /// <summary>One server for the class; each test makes its own users.</summary>
    public sealed class ServerFixture : IAsyncLifetime
    {
        internal OcmTestServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await OcmTestServer.StartAsync("127.0.6.62", UiPageExtensions.Settings());

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
