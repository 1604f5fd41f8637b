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
        Assert.Contains("accepted", stdout, StringComparison.Ordinal);
        Assert.Contains(bob.Address, stdout, StringComparison.Ordinal);

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
    }

    [GeneratedRegex(@"invite string:\s+(\S+)")]
    private static partial Regex InviteStringLine();
}
