using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;
using Ocm.Users;

namespace Ocm.Tests.Identity;

/// <summary>
/// <c>Ocm:Identity:LocalSignIn:Enabled</c> false: the web interface's password form admits only the named
/// break-glass admins; everyone else is told to use the identity provider. The same holds for an account's own
/// password over WebDAV and the API, while app passwords keep working.
/// </summary>
public sealed class TurningLocalSignInOff
{
    [Fact]
    public async Task PasswordSignIn_IsRefusedForEveryoneButTheBreakGlassAdmins()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.99", UiPageExtensions.Settings(
            ("Ocm:Identity:LocalSignIn:Enabled", "false"),
            ("Ocm:Identity:LocalSignIn:BreakGlassAdmins:0", "rescue")));
        var rescue = await UiUser.AddAsync(server, "rescue", admin: true);
        var otherAdmin = await UiUser.AddAsync(server, "admin2", admin: true);
        var user = await UiUser.AddAsync(server, "erin");

        foreach (var refused in new[] { user, otherAdmin })
        {
            using var response = await UiHttpSession.Anonymous(refused).SubmitLoginAsync(refused.Name, refused.Password);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Password sign-in is turned off on this server", await response.Content.ReadAsStringAsync());
        }

        using var admitted = await UiHttpSession.Anonymous(rescue).SubmitLoginAsync(rescue.Name, rescue.Password);
        Assert.Equal(HttpStatusCode.SeeOther, admitted.StatusCode);
    }

    [Fact]
    public async Task AccountPasswordOverWebDavAndTheApi_IsRefusedToo_ButAppPasswordsAndTheBreakGlassAdminWork()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.28.3", UiPageExtensions.Settings(
            ("Ocm:Identity:LocalSignIn:Enabled", "false"),
            ("Ocm:Identity:LocalSignIn:BreakGlassAdmins:0", "rescue")));
        var rescue = await UiUser.AddAsync(server, "rescue", admin: true);
        var user = await UiUser.AddAsync(server, "erin");
        string appPassword;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            (_, appPassword) = await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAppPasswordAsync(user.Name, "laptop", CancellationToken.None);
        }

        using var client = new HttpClient { BaseAddress = server.BaseUri };
        async Task<HttpStatusCode> PropfindAsync(string name, string password)
        {
            using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), $"remote.php/dav/files/{name}/");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(name + ":" + password)));
            request.Headers.Add("Depth", "0");
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        async Task<HttpStatusCode> ApiAsync(string name, string password)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/contacts");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(name + ":" + password)));
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        // Asked twice: a remembered pair (Users/CredentialVerifier.cs keeps verified pairs briefly) is refused as well.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await PropfindAsync(user.Name, user.Password));
            Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync(user.Name, user.Password));
            Assert.Equal(HttpStatusCode.MultiStatus, await PropfindAsync(user.Name, appPassword));
            Assert.Equal(HttpStatusCode.OK, await ApiAsync(user.Name, appPassword));
            Assert.Equal(HttpStatusCode.MultiStatus, await PropfindAsync(rescue.Name, rescue.Password));
        }
    }
}
