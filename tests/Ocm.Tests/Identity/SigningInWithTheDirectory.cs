using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Identity.Groups;
using Ocm.Identity.Ldap;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// Sign-in against Debian's OpenLDAP server (scripts/ldap.sh) with the <c>Ocm:Identity:Ldap</c> settings: the web
/// interface's form and WebDAV Basic authentication bind as the user, create the account at the first sign-in, apply
/// the directory's groups; a directory that stops answering is named on the page and answered 503 over WebDAV while
/// local break-glass admins still sign in; the sync disables accounts whose entry is gone.
/// </summary>
public sealed class SigningInWithTheDirectory
{
    [Fact]
    public async Task WebSignIn_CreatesTheAccountFromTheDirectory_WithItsGroups()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.140", directory.ServerSettings());
        var admin = await UiUser.AddAsync(server, "admin", admin: true);

        var alice = new UiUser("alice", "alice-password", server);
        using var refused = await UiHttpSession.Anonymous(alice).SubmitLoginAsync("alice", "not-alice-password");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Wrong user name or password.", await refused.Content.ReadAsStringAsync());

        using var session = await UiHttpSession.SignInAsync(alice);
        Assert.Contains("Alice Liddell", await session.GetPageAsync("ui/account"));

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>();
            var user = await db.Set<User>().SingleAsync(u => u.Name == "alice");
            Assert.Equal("alice@example.org", user.Email);
            Assert.Equal(["physics", "staff"], await scope.ServiceProvider.GetRequiredService<GroupDirectory>().GroupsOfAsync(user.Id, CancellationToken.None));
        }

        // The admin pages say where the account and its groups come from.
        using var adminSession = await UiHttpSession.SignInAsync(admin);
        var users = await adminSession.GetPageAsync("ui/admin/users");
        Assert.Contains("<span class=\"source directory\"", users);
        Assert.Contains("<span class=\"source local\"", users);
        using var api = admin.ApiClient();
        var groups = JsonDocument.Parse(await api.GetStringAsync("api/v1/groups")).RootElement;
        Assert.All(groups.EnumerateArray(), g => Assert.Equal("directory", g.GetProperty("source").GetString()));
        Assert.Equal(2, groups.GetArrayLength());

        // A directory group's members are the directory's: an admin cannot add to them here.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var error = await Assert.ThrowsAsync<GroupException>(() =>
                scope.ServiceProvider.GetRequiredService<GroupDirectory>().AddMemberAsync("physics", "admin", CancellationToken.None));
            Assert.Equal(GroupProblem.Conflict, error.Problem);
        }
    }

    [Fact]
    public async Task WebDavBasicSignIn_WithTheDirectoryPassword_ListsTheFiles()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.141", directory.ServerSettings());

        using var wrong = await Propfind(server, "bob", "wrong-password");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var empty = await Propfind(server, "bob", "");
        Assert.Equal(HttpStatusCode.Unauthorized, empty.StatusCode);

        for (var i = 0; i < 3; i++)
        {
            using var listed = await Propfind(server, "bob", "bob-password");
            Assert.Equal(HttpStatusCode.MultiStatus, listed.StatusCode);
            Assert.Contains("/remote.php/dav/files/bob/", await listed.Content.ReadAsStringAsync());
        }

        // A local account of the same name as a directory user stays the local user's.
        await UiUser.AddAsync(server, "carol");
        using var taken = await Propfind(server, "carol", "carol-password");
        Assert.Equal(HttpStatusCode.Unauthorized, taken.StatusCode);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("alice)(uid=*")]
    [InlineData("*)(|(uid=*")]
    [InlineData("al*")]
    [InlineData("alice)(|(objectClass=*")]
    public async Task InjectionInTheUserName_NeverSignsAnyoneIn(string userName)
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.142", directory.ServerSettings());
        var visitor = new UiUser(userName, "alice-password", server);

        using var page = await UiHttpSession.Anonymous(visitor).SubmitLoginAsync(userName, "alice-password");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        using var dav = await Propfind(server, userName, "alice-password", "alice");
        Assert.Equal(HttpStatusCode.Unauthorized, dav.StatusCode);

        // Below the user-name rules too: the name reaches the directory escaped (RFC 4515), so it matches nobody.
        var check = await server.GetRequiredService<LdapDirectory>().AuthenticateAsync(userName, "alice-password", CancellationToken.None);
        Assert.Equal(DirectoryCheck.Refused, check.Check);

        await using var scope = server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>().Set<User>().AnyAsync());
    }

    [Fact]
    public async Task AnEmptyPassword_IsNeverAnUnauthenticatedBind()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.142", directory.ServerSettings());
        var ldap = server.GetRequiredService<LdapDirectory>();

        Assert.Equal(DirectoryCheck.Refused, (await ldap.AuthenticateAsync("alice", "", CancellationToken.None)).Check);
        Assert.Equal(DirectoryCheck.Verified, (await ldap.AuthenticateAsync("alice", "alice-password", CancellationToken.None)).Check);
        Assert.Equal(@"\2a\29\28uid=\2a\5c\00", LdapDirectory.EscapeFilterValue("*)(uid=*\\\0"));
    }

    [Fact]
    public async Task TheDirectoryStopped_IsNamedOnThePage_AndTheBreakGlassAdminStillSignsIn()
    {
        var directory = await TestLdapDirectory.StartAsync();
        try
        {
            await using var server = await OcmTestServer.StartAsync("127.0.0.143", directory.ServerSettings(
                ("Ocm:Identity:LocalSignIn:Enabled", "false"),
                ("Ocm:Identity:LocalSignIn:BreakGlassAdmins:0", "rescue")));
            var rescue = await UiUser.AddAsync(server, "rescue", admin: true);

            // Directory accounts sign in although local password sign-in is off.
            using (await UiHttpSession.SignInAsync(new UiUser("alice", "alice-password", server)))
            {
            }

            using (var before = await Propfind(server, "alice", "alice-password"))
            {
                Assert.Equal(HttpStatusCode.MultiStatus, before.StatusCode);
            }

            await directory.StopAsync();

            var bob = new UiUser("bob", "bob-password", server);
            using var page = await UiHttpSession.Anonymous(bob).SubmitLoginAsync("bob", "bob-password");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.Contains("The user directory (LDAP) of this server does not answer", await page.Content.ReadAsStringAsync());

            using var dav = await Propfind(server, "bob", "bob-password");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, dav.StatusCode);
            Assert.NotNull(dav.Headers.RetryAfter);
            Assert.Empty(dav.Headers.WwwAuthenticate);
            Assert.Contains("does not answer", await dav.Content.ReadAsStringAsync());

            // A sync client that signed in before keeps working from the verified-pair cache, without the directory.
            using (var after = await Propfind(server, "alice", "alice-password"))
            {
                Assert.Equal(HttpStatusCode.MultiStatus, after.StatusCode);
            }

            using (await UiHttpSession.SignInAsync(rescue))
            {
            }
        }
        finally
        {
            await directory.DisposeAsync();
        }
    }

    [Fact]
    public async Task APersonRemovedFromTheDirectory_IsDisabledByTheSync()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.144", directory.ServerSettings());
        foreach (var (name, password) in new[] { ("alice", "alice-password"), ("bob", "bob-password") })
        {
            using var signedIn = await Propfind(server, name, password);
            Assert.Equal(HttpStatusCode.MultiStatus, signedIn.StatusCode);
        }

        await directory.RemovePersonAsync("bob");
        var sync = await OcmProcess.RunAsync(["ldap", "sync", "--data-dir", server.DataDir], directory.Environment());
        Assert.True(sync.ExitCode == 0, sync.All);
        Assert.Contains("2 users in the directory, 2 accounts linked to it, 1 disabled.", sync.StdOut);
        Assert.Contains("disabled: bob", sync.StdOut);

        // Refused at the very next request, although the pair was verified (and remembered) a moment ago.
        using var bob = await Propfind(server, "bob", "bob-password");
        Assert.Equal(HttpStatusCode.Unauthorized, bob.StatusCode);
        using var alice = await Propfind(server, "alice", "alice-password");
        Assert.Equal(HttpStatusCode.MultiStatus, alice.StatusCode);

        // The periodic sync (the same run, in the server) finds nothing more to do.
        await using var scope = server.Services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<LdapAccounts>().SyncAsync(CancellationToken.None);
        Assert.Empty(report.Disabled);
        Assert.Equal(2, report.DirectoryUsers);
    }

    [Fact]
    public async Task APersonRenamedInTheDirectory_KeepsTheirAccount()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using var server = await OcmTestServer.StartAsync("127.0.0.145", directory.ServerSettings());
        using (var first = await Propfind(server, "alice", "alice-password"))
        {
            Assert.Equal(HttpStatusCode.MultiStatus, first.StatusCode);
        }

        await directory.ModifyAsync($"dn: uid=alice,ou=people,{TestLdapDirectory.Base}\nchangetype: modrdn\nnewrdn: uid=alice.liddell\ndeleteoldrdn: 1\n");

        // Linked by entryUUID: the new name signs in to the same account (its files stay under its first name).
        using var renamed = await Propfind(server, "alice.liddell", "alice-password", "alice");
        Assert.Equal(HttpStatusCode.MultiStatus, renamed.StatusCode);
        await using var scope = server.Services.CreateAsyncScope();
        Assert.Equal(["alice"], await scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>().Set<User>().Select(u => u.Name).ToListAsync());
    }

    [Fact]
    public async Task StartTls_WithTheDirectorysCertificateAuthority_SignsIn_AndAnUntrustedCertificateSignsNobodyIn()
    {
        await using var directory = await TestLdapDirectory.StartAsync();
        await using (var server = await OcmTestServer.StartAsync("127.0.0.146", directory.ServerSettings(
            ("Ocm:Identity:Ldap:StartTls", "true"),
            ("Ocm:Identity:Ldap:TrustedCertificatesDirectory", directory.CertificateAuthorityDirectory))))
        {
            using var signedIn = await Propfind(server, "alice", "alice-password");
            Assert.Equal(HttpStatusCode.MultiStatus, signedIn.StatusCode);
            using var wrong = await Propfind(server, "alice", "not-alice-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // The same directory, but its certificate chains to no CA this server trusts: the password is never sent to it,
        // and the client is told the directory cannot be used (not that its password is wrong).
        var untrusted = Directory.CreateTempSubdirectory("ocm-ldap-no-ca-");
        try
        {
            await using var server = await OcmTestServer.StartAsync("127.0.0.146", directory.ServerSettings(
                ("Ocm:Identity:Ldap:StartTls", "true"),
                ("Ocm:Identity:Ldap:TrustedCertificatesDirectory", untrusted.FullName)));
            using var refused = await Propfind(server, "alice", "alice-password");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("directory", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            untrusted.Delete(recursive: true);
        }
    }

    [Fact]
    public void Settings_AreCheckedAtStart_WithEveryMistakeNamed()
    {
        var errors = new LdapOptions
        {
            Url = "http://ldap.example.org",
            BindDn = "cn=ocm,dc=example,dc=org",
            UserFilter = "(uid=alice)",
            GroupFilter = "member={0}",
            IdAttribute = "entry UUID",
            TimeoutSeconds = 0,
        }.Validate().ToList();

        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:Url must look like ldap://host[:port]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:BindPassword is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:UserBase is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:UserFilter must be a parenthesised LDAP filter with {0}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:GroupFilter must be a parenthesised LDAP filter with {0}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:IdAttribute must name an attribute", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Ocm:Identity:Ldap:TimeoutSeconds must be between 1 and 300", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
        Assert.Empty(new LdapOptions().Validate());
    }

    private static async Task<HttpResponseMessage> Propfind(OcmTestServer server, string userName, string password, string? folderOf = null)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)));
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod("PROPFIND"), $"remote.php/dav/files/{Uri.EscapeDataString(folderOf ?? userName)}/") { Headers = { { "Depth", "0" } } });
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
