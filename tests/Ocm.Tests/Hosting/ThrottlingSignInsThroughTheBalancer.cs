using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Three nodes, each with its own empty data directory, behind haproxy (round-robin, no sticky sessions, the only
/// trusted proxy): every connection a node sees comes from the balancer, and the client's own address arrives in the
/// <c>X-Forwarded-For</c> haproxy adds. Ten bad passwords from one client, spread by the balancer over the three
/// nodes, throttle that client on every node — counted per real client address, whatever that client writes in its
/// own <c>X-Forwarded-For</c> — while the same user signs in from another client through the same balancer.
/// </summary>
public sealed class ThrottlingSignInsThroughTheBalancer
{
    private const string Password = "balanced-throttle-pw-7";
    private const string Attacker = "127.0.0.2";
    private const string OwnDevice = "127.0.0.3";

    [Fact]
    public async Task TenBadPasswordsFromOneClient_ThrottleItOnEveryNode_ButNotTheUsersOtherClient()
    {
        await using var cluster = await OcmCluster.StartAsync(3, "127.0.14", new ClusterSettings
        {
            BehindHaproxy = true,
            AdminUser = ("dana", Password),
            // Every failed sign-in is logged, so the test sees that the guesses reached all three nodes.
            Environment = new Dictionary<string, string> { ["OCM_LOGGING__LOGLEVEL__OCM.USERS.CREDENTIALVERIFIER"] = "Information" },
        });

        // Each guess claims a different address of its own: a client can write X-Forwarded-For, so that claim must
        // not spread its guesses over many counters. haproxy appends the address the connection really came from.
        var marks = cluster.Nodes.Select(n => n.Output.Length).ToList();
        for (var i = 0; i < 10; i++)
        {
            using var guess = await PropFindAsync(Attacker, cluster.BaseUri, "wrong-password-" + i, claimedAddress: $"198.51.100.{i + 1}");
            Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode);
        }

        var failuresPerNode = cluster.Nodes.Select((n, i) => Count(n.Output[marks[i]..], "Sign-in failed")).ToList();
        Assert.True(failuresPerNode.All(c => c > 0), $"failed sign-ins logged per node: {string.Join(", ", failuresPerNode)}\n{cluster.Output}");

        // The right password from the guessing client: refused on every node (three requests, round-robin).
        for (var i = 0; i < 3; i++)
        {
            using var attacker = await PropFindAsync(Attacker, cluster.BaseUri, Password, claimedAddress: OwnDevice);
            Assert.Equal(HttpStatusCode.TooManyRequests, attacker.StatusCode);
            Assert.NotNull(attacker.Headers.RetryAfter);
        }

        // The user's own device, through the same balancer: signed in on every node.
        for (var i = 0; i < 3; i++)
        {
            using var own = await PropFindAsync(OwnDevice, cluster.BaseUri, Password);
            Assert.Equal(HttpStatusCode.MultiStatus, own.StatusCode);
        }

        // Straight to a node, not through the trusted balancer, the guessing client's X-Forwarded-For is its own claim
        // and is ignored: it is still the throttled 127.0.0.2.
        using var direct = await PropFindAsync(Attacker, cluster.Nodes[2].BaseUri, Password, claimedAddress: OwnDevice);
        Assert.Equal(HttpStatusCode.TooManyRequests, direct.StatusCode);
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A WebDAV PROPFIND as dana, on a connection from the loopback address <paramref name="source"/>.</summary>
    private static async Task<HttpResponseMessage> PropFindAsync(string source, Uri baseUri, string password, string? claimedAddress = null)
    {
        using var client = LoopbackSource.Client(source);
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), new Uri(baseUri, "dav/files/dana/"));
        request.Headers.Add("Depth", "0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"dana:{password}")));
        if (claimedAddress is not null)
        {
            request.Headers.Add("X-Forwarded-For", claimedAddress);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
