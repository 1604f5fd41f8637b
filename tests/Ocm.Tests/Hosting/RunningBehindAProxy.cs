using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Behind a load balancer every connection comes from the balancer's address; the client's own address is in
/// <c>X-Forwarded-For</c>. The server believes that header only from <c>Ocm:Proxy:TrustedNetworks</c>: then the
/// sign-in throttle counts per real client, so one client guessing passwords does not lock out the others; from anyone
/// else the header is ignored, since any client can write it.
/// </summary>
public sealed class RunningBehindAProxy
{
    private const string Guesser = "203.0.113.7";
    private const string Other = "198.51.100.9";

    private static async Task<(OcmTestServer Server, string Password)> StartAsync(string trustedNetworks)
    {
        var server = await OcmTestServer.StartAsync("127.0.6.10", new Dictionary<string, string?>
        {
            ["Ocm:Proxy:TrustedNetworks"] = trustedNetworks,
            ["Ocm:Users:MaxFailuresPerIp"] = "3",
            ["Ocm:Users:MaxFailuresPerUser"] = "1000",
        });
        using var bob = await server.CreateUserAsync("bob");
        var password = Encoding.UTF8.GetString(Convert.FromBase64String(bob.DefaultRequestHeaders.Authorization!.Parameter!)).Split(':', 2)[1];
        return (server, password);
    }

    private static async Task<HttpStatusCode> SignInAsync(OcmTestServer server, string password, string forwardedFor)
    {
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), new Uri(server.BaseUri, "remote.php/dav/files/bob/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:" + password)));
        request.Headers.Add("Depth", "0");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await server.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_ThrottlesTheGuessingClientOnly()
    {
        var (server, password) = await StartAsync("127.0.0.0/8");
        await using var _ = server;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(server, "wrong-" + i, Guesser));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(server, password, Guesser));
        Assert.Equal(HttpStatusCode.MultiStatus, await SignInAsync(server, password, Other));
    }

    [Fact]
    public async Task ForwardedFor_FromAnUntrustedAddress_IsIgnored()
    {
        // The balancer is said to be in 10.0.0.0/8; the requests come from 127.0.0.1, so their X-Forwarded-For is a
        // client's claim: all of them count against the one address they really come from.
        var (server, password) = await StartAsync("10.0.0.0/8");
        await using var _ = server;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(server, "wrong-" + i, Guesser));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(server, password, Other));
    }
}
