using System.Net;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Five <c>ocm serve</c> processes, each with its own empty data directory, started at the same moment on one empty
/// PostgreSQL database: migrations run under an advisory lock, so every node comes up and serves; the first admin is
/// created by exactly one of them, and no node logs an error.
/// </summary>
public sealed partial class StartingFiveNodesAtOnce
{
    [Fact]
    public async Task FiveNodes_EmptyDatabase_AllServe_OneAdmin_NoErrors()
    {
        await using var cluster = await OcmCluster.StartAsync(5, "127.0.7", new ClusterSettings { StartTogether = true });

        var announcements = cluster.Nodes.Select(n => AdminPassword().Match(n.Output)).Where(m => m.Success).ToList();
        var password = Assert.Single(announcements).Groups["password"].Value;

        // The admin's password works on every node: each reads the one database.
        foreach (var node in cluster.Nodes)
        {
            using var admin = cluster.Client("admin", password, node.BaseUri);
            using var response = await admin.SendDavAsync("PROPFIND", "remote.php/dav/files/admin/", headers: ("Depth", "0"));
            Assert.True(response.StatusCode == HttpStatusCode.MultiStatus, $"{node.BaseUri}: {response.StatusCode}\n{cluster.Output}");
        }

        Assert.False(ErrorLine().IsMatch(cluster.Output), cluster.Output);
    }

    [GeneratedRegex(@"Created the first user 'admin' with this password \(shown only now\):\s+(?<password>\S+)")]
    private static partial Regex AdminPassword();

    // The simple console format starts errors with "fail:" and "crit:"; a stack trace has "   at ".
    [GeneratedRegex(@"(^|\s)(fail|crit):|Exception|^\s+at ", RegexOptions.Multiline)]
    private static partial Regex ErrorLine();
}
