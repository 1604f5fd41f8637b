using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Invites;

/// <summary>
/// <c>ocm invite create</c> and <c>ocm invite accept</c> (the real executable) against two running servers
/// (127.0.0.48, 127.0.0.49); the password comes from <c>OCM_PASSWORD</c>.
/// </summary>
public sealed partial class InvitingFromTheCommandLine
{
    private const string AddressA = "127.0.0.48";
    private const string AddressB = "127.0.0.49";

    [Fact]
    public async Task CreateOnA_AcceptOnB_PrintsTheInviteAndTheNewContact()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice", "Alice");
        using var bob = await b.AddUserAsync("bob", "Bob");

        var (code, stdout, stderr) = await OcmProcess.RunAsync(
            ["invite", "create", "--server", a.BaseUri.AbsoluteUri, "--user", "alice", "--label", "for Bob"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password });
        Assert.True(code == 0, stderr);
        var inviteString = InviteStringLine().Match(stdout).Groups[1].Value;
        Assert.NotEmpty(inviteString);
        Assert.Contains("/ocm/wayf?token=", stdout, StringComparison.Ordinal);

        (code, stdout, stderr) = await OcmProcess.RunAsync(
            ["invite", "accept", inviteString, "--server", b.BaseUri.AbsoluteUri, "--user", "bob"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = bob.Password });
        Assert.True(code == 0, stderr);
        Assert.Contains($"Alice ({alice.Address}) is now one of your contacts", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await OcmProcess.RunAsync(
            ["invite", "list", "--server", a.BaseUri.AbsoluteUri, "--user", "alice"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password });
        Assert.Equal(0, code);
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ID\s{2}STATE\s+LABEL\s+CREATED\s+EXPIRES\s+ACCEPTED\s+ACCEPTED BY$", lines[0]);
        // The dates as dates, with their zone: created now, expiring in 30 days, accepted now.
        var today = DateTimeOffset.UtcNow;
        var row = InviteRow().Match(lines[1]);
        Assert.True(row.Success, stdout);
        Assert.Equal("accepted", row.Groups["state"].Value);
        Assert.Equal("for Bob", row.Groups["label"].Value);
        Assert.InRange(DateTimeOffset.Parse(row.Groups["created"].Value + "Z", CultureInfo.InvariantCulture), today.AddMinutes(-10), today.AddMinutes(1));
        Assert.InRange(DateTimeOffset.Parse(row.Groups["expires"].Value + "Z", CultureInfo.InvariantCulture), today.AddDays(30).AddMinutes(-10), today.AddDays(30).AddMinutes(1));
        Assert.InRange(DateTimeOffset.Parse(row.Groups["accepted"].Value + "Z", CultureInfo.InvariantCulture), today.AddMinutes(-10), today.AddMinutes(1));
        Assert.Equal(bob.Address, row.Groups["by"].Value);

        (code, stdout, _) = await OcmProcess.RunAsync(
            ["invite", "list", "--json", "--server", a.BaseUri.AbsoluteUri, "--user", "alice"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password });
        Assert.Equal(0, code);
        var listed = Assert.Single(JsonDocument.Parse(stdout).RootElement.EnumerateArray());
        Assert.Equal("accepted", listed.GetProperty("state").GetString());
        Assert.InRange(listed.GetProperty("expires").GetDateTimeOffset(), today.AddDays(30).AddMinutes(-10), today.AddDays(30).AddMinutes(1));

        // Accepting again explains itself and fails.
        (code, _, stderr) = await OcmProcess.RunAsync(
            ["invite", "accept", inviteString, "--server", b.BaseUri.AbsoluteUri, "--user", "bob"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = bob.Password });
        Assert.Equal(1, code);
        Assert.Contains("already used", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongOrMissingPassword_FailsWithAMessage()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await a.AddUserAsync("alice");

        var (code, _, stderr) = await OcmProcess.RunAsync(
            ["invite", "create", "--server", a.BaseUri.AbsoluteUri, "--user", "alice"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = "wrong-password" });
        Assert.Equal(1, code);
        Assert.Contains("refused the user name or password", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await OcmProcess.RunAsync(["invite", "create", "--server", a.BaseUri.AbsoluteUri, "--user", "alice"], stdin: "");
        Assert.Equal(1, code);
        Assert.Contains("OCM_PASSWORD", stderr, StringComparison.Ordinal);

        // A password piped on standard input is used.
        (code, var stdout, stderr) = await OcmProcess.RunAsync(["invite", "list", "--server", a.BaseUri.AbsoluteUri, "--user", "alice"], stdin: "wrong-password\n");
        Assert.Equal(1, code);
        Assert.Contains("refused the user name or password", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [GeneratedRegex(@"^\s*\d+\s{2}(?<state>\S+)\s+(?<label>for Bob)\s+(?<created>\S+ \S+) UTC\s+(?<expires>\S+ \S+) UTC\s+(?<accepted>\S+ \S+) UTC\s+(?<by>\S+)$")]
    private static partial Regex InviteRow();

    [GeneratedRegex(@"invite string:\s+(\S+)")]
    private static partial Regex InviteStringLine();
}
