using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;

namespace Ocm.Tests.RequestShares;

/// <summary>
/// <c>ocm share-request …</c> (the real executable) between two running servers (127.0.32.20 and 127.0.32.21): bob asks
/// alice for a file, alice sees it in her inbox table and accepts it with a path and permissions of her choosing, bob's
/// list shows it fulfilled; a second request is dismissed, and acting on it again is one error line naming why.
/// </summary>
public sealed partial class AskingForAShareFromTheCommandLine
{
    [Fact]
    public async Task AskInboxAcceptDismiss_PrintTablesAndSentences()
    {
        var settings = FederatedUsers.Settings(("Ocm:Delivery:PollSeconds", "0.1"), ("Ocm:Delivery:InitialRetrySeconds", "0.2"));
        await using var a = await OcmTestServer.StartAsync("127.0.32.20", settings);
        await using var b = await OcmTestServer.StartAsync("127.0.32.21", settings);
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        await alice.Client.PutFileAsync("alice", "report.md", "# Report");

        var asked = await OkAsync(bob, "share-request", "ask", alice.Address, "/Projects/report.md");
        Assert.Matches($@"^Asked {Regex.Escape(alice.Address)} for '/Projects/report.md': request \d+, sent\.", asked);
        await OkAsync(bob, "share-request", "ask", alice.Address, "/Holiday photos");

        var inbox = Lines(await OkAsync(alice, "share-request", "inbox"));
        Assert.Matches(@"^ID\s{2}FROM\s+RESOURCE\s+STATE\s+RECEIVED$", inbox[0]);
        Assert.Equal(3, inbox.Length);
        var report = Assert.Single(inbox, l => l.Contains("/Projects/report.md", StringComparison.Ordinal));
        Assert.Matches($@"^\s*\d+\s{{2}}{Regex.Escape(bob.Address)}\s+/Projects/report\.md\s+open\s+{Time}$", report);
        var reportId = FirstNumber().Match(report).Value;
        var photosId = FirstNumber().Match(inbox.Single(l => l.Contains("/Holiday photos", StringComparison.Ordinal))).Value;

        // Alice keeps the file elsewhere than bob thinks: she names the path, and lets him edit.
        var accepted = await OkAsync(alice, "share-request", "accept", reportId, "--path", "/report.md", "-p", "read", "-p", "write");
        Assert.Matches($@"^Shared with {Regex.Escape(bob.Address)}: share \d+; request {reportId} fulfilled\.", accepted);

        var dismissed = await OkAsync(alice, "share-request", "dismiss", photosId);
        Assert.Equal($"Share request {photosId} dismissed.", dismissed.Trim());
        var again = await OcmProcess.RunAsync(
            ["share-request", "dismiss", photosId, "--server", a.BaseUri.AbsoluteUri, "--user", "alice"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password });
        Assert.Equal(1, again.ExitCode);
        Assert.Matches($@"^error: Share request closed: Share request {photosId} was already dismissed on .* \(HTTP 409\)$", again.StdErr.TrimEnd('\n'));

        var all = JsonDocument.Parse(await OkAsync(alice, "share-request", "inbox", "--all", "--json")).RootElement;
        Assert.Equal(["dismissed", "fulfilled"], all.EnumerateArray().Select(r => r.GetProperty("state").GetString()).Order(StringComparer.Ordinal));

        var mine = await OcmTestServerExtensions.EventuallyAsync(
            () => OkAsync(bob, "share-request", "list"), l => l.Contains("fulfilled", StringComparison.Ordinal), "bob's request to be fulfilled");
        var table = Lines(mine);
        Assert.Matches(@"^ID\s{2}ASKED\s+RESOURCE\s+STATE\s+SENT$", table[0]);
        Assert.Matches($@"^\s*\d+\s{{2}}{Regex.Escape(alice.Address)}\s+/Projects/report\.md\s+fulfilled\s+{Time}$", Assert.Single(table, l => l.Contains("report", StringComparison.Ordinal)));
        Assert.Matches(@"\s+sent\s+", Assert.Single(table, l => l.Contains("Holiday", StringComparison.Ordinal)));
    }

    private const string Time = @"\d{4}-\d\d-\d\d \d\d:\d\d UTC";

    private static async Task<string> OkAsync(TestUser user, params string[] arguments)
    {
        var result = await OcmProcess.RunAsync(
            [.. arguments, "--server", user.Server.BaseUri.AbsoluteUri, "--user", user.Name],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = user.Password });
        Assert.True(result.ExitCode == 0, $"ocm {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        Assert.Equal("", result.StdErr);
        return result.StdOut;
    }

    private static string[] Lines(string output) => output.TrimEnd('\n').Split('\n');

    [GeneratedRegex(@"\d+")]
    private static partial Regex FirstNumber();
}
