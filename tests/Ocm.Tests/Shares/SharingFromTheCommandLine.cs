using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;

namespace Ocm.Tests.Shares;

/// <summary>
/// <c>ocm share …</c> and <c>ocm received …</c> (the real executable) between two running servers (127.0.14.21 and
/// 127.0.14.22): tables and sentences for people, the API's JSON with <c>--json</c>, times with their zone, the server
/// taken from the configuration when <c>--server</c> is not given, and a missing password named instead of waited for.
/// </summary>
public sealed partial class SharingFromTheCommandLine
{
    private const string AddressA = "127.0.14.21";
    private const string AddressB = "127.0.14.22";
    private const string Folder = "Ergebnisse für Bob";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ShareListAndAccept_PrintTablesForPeopleAndJsonForScripts(string provider)
    {
        await using var databaseA = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var databaseB = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(Fast(provider, databaseA)));
        await using var b = await OcmTestServer.StartAsync(AddressB, FederatedUsers.Settings(Fast(provider, databaseB)));
        using var alice = await a.AddUserAsync("alice");
        using var bob = await b.AddUserAsync("bob");
        await alice.Client.MkColAsync("alice", Folder);

        var created = await OkAsync(alice, "share", "create", "/" + Folder, bob.Address, "-p", "read", "-p", "write");
        var shareId = ShareCreated().Match(created).Groups["id"].Value;
        Assert.True(shareId.Length > 0, created);
        Assert.Contains($"Shared /{Folder} with {bob.Address} (read, write)", created, StringComparison.Ordinal);

        var table = await OkAsync(alice, "share", "list");
        var lines = Lines(table);
        Assert.Matches(@"^ID\s{2}PATH\s+SHARED WITH\s+PERMISSIONS\s+STATE\s+EXPIRES\s+CREATED$", lines[0]);
        Assert.Matches($@"^\s*{shareId}\s{{2}}/{Folder}\s+{Regex.Escape(bob.Address)}\s+read,write\s+\S+\s+never\s+{Time}$", lines[1]);
        AssertColumnsAligned(lines, "SHARED WITH");

        var json = await OkAsync(alice, "share", "list", "--json");
        // Readable JSON: the name as typed, the offset as '+00:00', not \u00FC and \u002B.
        Assert.Contains($"\"path\": \"/{Folder}\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", json, StringComparison.Ordinal);
        var share = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());
        Assert.Equal(long.Parse(shareId, System.Globalization.CultureInfo.InvariantCulture), share.GetProperty("id").GetInt64());

        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => OkAsync(bob, "received", "list", "--json"), r => JsonDocument.Parse(r).RootElement.GetArrayLength() == 1, "the share to arrive on B");
        var receivedId = JsonDocument.Parse(received).RootElement[0].GetProperty("id").GetInt64();
        var receivedTable = Lines(await OkAsync(bob, "received", "list"));
        Assert.Matches(@"^ID\s{2}NAME\s+FROM\s+PERMISSIONS\s+STATE\s+IN YOUR FILES\s+EXPIRES\s+RECEIVED$", receivedTable[0]);
        Assert.Matches($@"^\s*{receivedId}\s{{2}}{Folder}\s+{Regex.Escape(alice.Address)}\s+read,write\s+pending.*\s+-\s+never\s+{Time}$", receivedTable[1]);

        var accepted = await OkAsync(bob, "received", "accept", receivedId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"Accepted share {receivedId}, '{Folder}' from {alice.Address}: it is at /Shared with me/{Folder} in your files.", accepted.Trim());

        var revoked = await OkAsync(alice, "share", "delete", shareId, "--json");
        Assert.Equal(long.Parse(shareId, System.Globalization.CultureInfo.InvariantCulture), JsonDocument.Parse(revoked).RootElement.GetProperty("id").GetInt64());
        Assert.Equal("No outgoing shares.", (await OkAsync(alice, "share", "list")).Trim());
    }

    [Fact]
    public async Task NoPasswordAndNoTerminal_IsOneLineNamingTheWaysToGiveIt()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        await a.AddUserAsync("alice");

        foreach (var command in new[] { new[] { "share", "list" }, ["received", "list"], ["invite", "list"] })
        {
            // Standard input is an empty pipe, not a terminal, and OCM_PASSWORD is not set.
            var result = await OcmProcess.RunAsync([.. command, "--server", a.BaseUri.AbsoluteUri, "--user", "alice"], stdin: "", timeout: TimeSpan.FromSeconds(60));

            Assert.Equal(1, result.ExitCode);
            Assert.Equal("", result.StdOut);
            Assert.Equal(
                "error: No password for 'alice': set OCM_PASSWORD, run the command in a terminal, or pipe the password on standard input.",
                result.StdErr.TrimEnd('\n'));
        }
    }

    [Fact]
    public async Task WithoutServer_TheConfiguredServerIsUsed()
    {
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings());
        using var alice = await a.AddUserAsync("alice");
        var password = new Dictionary<string, string> { ["OCM_PASSWORD"] = alice.Password };

        // Ocm:PublicUrl from the environment, as `ocm serve` would read it.
        var fromEnvironment = await OcmProcess.RunAsync(["share", "list", "--user", "alice"], With(password, ("OCM_PUBLICURL", a.BaseUri.AbsoluteUri)));
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.All);
        Assert.Equal("No outgoing shares.", fromEnvironment.StdOut.Trim());

        // Ocm:Urls from ocm.json in the data directory (named by OCM_DATADIR); a wildcard address means this machine.
        var dataDir = TempDirectory.Create("ocm-cli-config");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dataDir, "ocm.json"), $$"""{ "Ocm": { "Urls": "{{a.BaseUri.AbsoluteUri.TrimEnd('/')}};http://0.0.0.0:1" } }""");
            var fromOcmJson = await OcmProcess.RunAsync(["invite", "list", "--user", "alice"], With(password, ("OCM_DATADIR", dataDir)));
            Assert.True(fromOcmJson.ExitCode == 0, fromOcmJson.All);
            Assert.Equal("No invites.", fromOcmJson.StdOut.Trim());

            var help = await OcmProcess.RunAsync(["received", "list", "--help"], new Dictionary<string, string> { ["OCM_URLS"] = "http://0.0.0.0:18089" });
            Assert.Contains("[default: http://localhost:18089]", help.StdOut, StringComparison.Ordinal);
            Assert.Single(Regex.Matches(help.StdOut, "default", RegexOptions.IgnoreCase));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }

        var nothingConfigured = await OcmProcess.RunAsync(["share", "list", "--help"]);
        Assert.Contains("[default: http://localhost:8080]", nothingConfigured.StdOut, StringComparison.Ordinal);

        var malformed = await OcmProcess.RunAsync(["share", "list", "--user", "alice"], With(password, ("OCM_PUBLICURL", "files.example.org")));
        Assert.NotEqual(0, malformed.ExitCode);
        Assert.Contains("the configured server 'files.example.org' (Ocm:PublicUrl or Ocm:Urls) is not an http:// or https:// URL; give --server URL.", malformed.StdErr, StringComparison.Ordinal);
    }

    private const string Time = @"\d{4}-\d\d-\d\d \d\d:\d\d UTC";

    private static (string, string?)[] Fast(string provider, TestDatabase? database) =>
    [
        .. InvitingAUserOnAnotherServer.DatabaseSettings(provider, database),
        ("Ocm:Delivery:PollSeconds", "0.2"),
        ("Ocm:Security:RequireSignatures", "false"),
    ];

    private static Dictionary<string, string> With(Dictionary<string, string> environment, params (string Key, string Value)[] more)
    {
        var result = new Dictionary<string, string>(environment);
        foreach (var (key, value) in more)
        {
            result[key] = value;
        }

        return result;
    }

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

    /// <summary>Every row's cell of <paramref name="column"/> starts where the header's does.</summary>
    private static void AssertColumnsAligned(string[] lines, string column)
    {
        var start = lines[0].IndexOf(column, StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.True(l[start - 1] == ' ' && l[start] != ' ', $"not aligned under {column}:\n{string.Join('\n', lines)}"));
    }

    [GeneratedRegex(@"share (?<id>\d+), ")]
    private static partial Regex ShareCreated();
}
