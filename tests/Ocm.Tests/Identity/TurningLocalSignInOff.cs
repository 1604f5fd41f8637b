using System.Net;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// <c>Ocm:Identity:LocalSignIn:Enabled</c> false: the web interface's password form admits only the named
/// break-glass admins; everyone else is told to use the identity provider.
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
}
