using System.Net;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;


namespace Ocm.Tests.Users;

/// <summary>
/// <c>ocm user …</c> run as processes on the data directory of a running <c>ocm serve</c> process: every change shows
/// in what clients can do on the next request.
/// </summary>
public sealed partial class UserCommandsTests
{
    [Fact]
    public async Task FirstStart_CreatesAdmin_AndPrintsItsPasswordOnceOutsideTheLog()
    {
        var dataDir = TempDirectory.Create("ocm-first");
        try
        {
            await using var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, new Dictionary<string, string> { ["OCM_LOGGING__LOGLEVEL__DEFAULT"] = "Information" });
            var output = server.Output;
            var password = AdminPassword().Match(output).Groups["password"].Value;
            Assert.Equal(24, password.Length);
            Assert.Single(Regex.Matches(output, Regex.Escape(password)));
            // Log lines (timestamp + level) mention the admin but never the password.
            Assert.Contains(output.Split('\n'), line => line.Contains("created 'admin'", StringComparison.Ordinal) && line.Contains("warn:", StringComparison.Ordinal));
            Assert.DoesNotContain(output.Split('\n'), line => line.Contains(password, StringComparison.Ordinal) && LogLine().IsMatch(line));

            using var admin = TestUsers.Client(server.BaseUri, "admin", password);
            Assert.Equal(HttpStatusCode.MultiStatus, (await admin.PropFindAsync("", "0")).StatusCode);

            // A second start finds a user and creates none.
            await server.KillAsync();
            await using var again = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, OcmProcess.Quiet);
            Assert.DoesNotContain("Created the first user", again.Output);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    [Fact]
    public async Task UserCommands_WhileServerRuns_TakeEffectOnTheNextRequest()
    {
        var dataDir = TempDirectory.Create("ocm-users");
        try
        {
            await using var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, new Dictionary<string, string> { ["OCM_LOGGING__LOGLEVEL__DEFAULT"] = "Warning", ["OCM_USERS__CREATEADMINONFIRSTSTART"] = "false" });

            var add = await Ocm("user", "add", "alice", "--password", "alice-pass-1", "--display-name", "Alice A", "--email", "alice@example.org", "--quota", "1M", "--data-dir", dataDir);
            Assert.Contains("Created user 'alice'", add.StdOut);
            using (var alice = TestUsers.Client(server.BaseUri, "alice", "alice-pass-1"))
            {
                using var quota = await alice.PropFindAsync("", "0", """<d:propfind xmlns:d="DAV:"><d:prop><d:quota-available-bytes/></d:prop></d:propfind>""");
                Assert.Contains("<d:quota-available-bytes>1048576</d:quota-available-bytes>", await quota.Content.ReadAsStringAsync());
            }

            Assert.Contains("already exists", (await Ocm(1, "user", "add", "ALICE", "--password", "whatever-123", "--data-dir", dataDir)).StdErr);
            Assert.Contains("not a valid user name", (await Ocm(1, "user", "add", "bad name!", "--password", "whatever-123", "--data-dir", dataDir)).StdErr);
            Assert.Contains("at least 8", (await Ocm(1, "user", "add", "shorty", "--password", "short", "--data-dir", dataDir)).StdErr);

            var generated = await Ocm("user", "add", "bob", "--generate", "--data-dir", dataDir);
            var bobPassword = Regex.Match(generated.StdOut, "Password: (\\S+)").Groups[1].Value;
            Assert.Equal(24, bobPassword.Length);
            await AssertSignInAsync(server, "bob", bobPassword, HttpStatusCode.MultiStatus);

            await Ocm(["user", "add", "carol", "--data-dir", dataDir], standardInput: "carol-from-stdin\n");
            await AssertSignInAsync(server, "carol", "carol-from-stdin", HttpStatusCode.MultiStatus);

            var list = await Ocm("user", "list", "--data-dir", dataDir);
            Assert.Matches(@"alice\s+Alice A\s+alice@example\.org\s+0 B\s+1 MiB\s+active", list.StdOut);
            Assert.Matches(@"bob\s+-\s+-\s+0 B\s+unlimited\s+active", list.StdOut);

            // passwd: the old password (verified and cached a moment ago) stops working at once.
            await AssertSignInAsync(server, "alice", "alice-pass-1", HttpStatusCode.MultiStatus);
            await Ocm("user", "passwd", "alice", "--password", "alice-pass-2", "--data-dir", dataDir);
            await AssertSignInAsync(server, "alice", "alice-pass-1", HttpStatusCode.Unauthorized);
            await AssertSignInAsync(server, "alice", "alice-pass-2", HttpStatusCode.MultiStatus);

            var created = await Ocm("user", "app-password", "alice", "--label", "laptop sync", "--data-dir", dataDir);
            var appPassword = created.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            Assert.Matches("^[a-z2-9]{5}(-[a-z2-9]{5}){4}$", appPassword);
            await AssertSignInAsync(server, "alice", appPassword, HttpStatusCode.MultiStatus);
            var listed = await Ocm("user", "app-password", "alice", "--list", "--data-dir", dataDir);
            var id = Regex.Match(listed.StdOut, @"^\s*(\d+)\s+laptop sync", RegexOptions.Multiline).Groups[1].Value;
            Assert.NotEmpty(id);
            await Ocm("user", "app-password", "alice", "--revoke", id, "--data-dir", dataDir);
            await AssertSignInAsync(server, "alice", appPassword, HttpStatusCode.Unauthorized);
            await AssertSignInAsync(server, "alice", "alice-pass-2", HttpStatusCode.MultiStatus);

            await Ocm("user", "disable", "alice", "--data-dir", dataDir);
            await AssertSignInAsync(server, "alice", "alice-pass-2", HttpStatusCode.Unauthorized);
            Assert.Matches(@"alice\s.*disabled", (await Ocm("user", "list", "--data-dir", dataDir)).StdOut);
            await Ocm("user", "enable", "alice", "--data-dir", dataDir);
            await AssertSignInAsync(server, "alice", "alice-pass-2", HttpStatusCode.MultiStatus);

            await Ocm("user", "update", "alice", "--quota", "unlimited", "--data-dir", dataDir);
            Assert.Matches(@"alice\s.*unlimited", (await Ocm("user", "list", "--data-dir", dataDir)).StdOut);

            using (var alice = TestUsers.Client(server.BaseUri, "alice", "alice-pass-2"))
            {
                Assert.Equal(HttpStatusCode.Created, (await alice.PutTextAsync("keep.txt", "data")).StatusCode);
            }

            Assert.Contains("--yes", (await Ocm(1, "user", "delete", "alice", "--data-dir", dataDir)).StdErr);
            await Ocm("user", "delete", "alice", "--yes", "--data-dir", dataDir);
            await AssertSignInAsync(server, "alice", "alice-pass-2", HttpStatusCode.Unauthorized);
            Assert.DoesNotContain("alice", (await Ocm("user", "list", "--data-dir", dataDir)).StdOut);
            Assert.Contains("no user named", (await Ocm(1, "user", "passwd", "alice", "--password", "whatever-123", "--data-dir", dataDir)).StdErr);
            var blobs = Directory.EnumerateFiles(Path.Combine(dataDir, "files"), "*", SearchOption.AllDirectories).Where(f => !f.Contains(".uploads", StringComparison.Ordinal));
            Assert.Empty(blobs);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    [Fact]
    public async Task OfflineCommands_PrintOnlyTheirOwnOutput_AndSayWhenThereIsNoPassword()
    {
        var dataDir = TempDirectory.Create("ocm-quiet");
        try
        {
            // The server's default logging (Information), which the offline host would otherwise print.
            var add = await OcmProcess.RunAsync(["user", "add", "alice", "--password", "alice-pass-1", "--display-name", "Alice Ä", "--data-dir", dataDir, "--init"]);
            Assert.Equal((0, "Created user 'alice'.\n", ""), (add.ExitCode, add.StdOut, add.StdErr));

            var list = await OcmProcess.RunAsync(["user", "list", "--data-dir", dataDir]);
            Assert.Equal("", list.StdErr);
            var lines = list.StdOut.TrimEnd('\n').Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.Matches(@"^NAME\s+DISPLAY NAME\s+EMAIL\s+USED\s+QUOTA\s+STATE\s+CREATED$", lines[0]);
            Assert.Matches(@"^alice\s{2}Alice Ä\s+-\s+0 B\s+unlimited\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$", lines[1]);

            var json = await OcmProcess.RunAsync(["user", "list", "--json", "--data-dir", dataDir]);
            Assert.Contains("\"displayName\": \"Alice Ä\"", json.StdOut, StringComparison.Ordinal);
            var user = Assert.Single(System.Text.Json.JsonDocument.Parse(json.StdOut).RootElement.EnumerateArray());
            Assert.Equal("alice", user.GetProperty("name").GetString());
            Assert.True(user.GetProperty("quotaBytes").ValueKind == System.Text.Json.JsonValueKind.Null);

            var keys = await OcmProcess.RunAsync(["keys", "list", "--data-dir", dataDir]);
            Assert.Equal("", keys.StdErr);
            Assert.StartsWith("NAME  ", keys.StdOut, StringComparison.Ordinal);

            // No --password, no --generate, nothing on standard input (not a terminal): said at once, nothing created.
            var noPassword = await OcmProcess.RunAsync(["user", "add", "bob", "--data-dir", dataDir], stdin: "");
            Assert.Equal(
                (1, "", "error: No password: give --password or --generate, type it in a terminal, or pipe it on standard input.\n"),
                (noPassword.ExitCode, noPassword.StdOut, noPassword.StdErr));
            Assert.DoesNotContain("bob", (await OcmProcess.RunAsync(["user", "list", "--data-dir", dataDir])).StdOut, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static Task<RunResult> Ocm(params string[] arguments) => Ocm(0, arguments);

    private static async Task<RunResult> Ocm(int expectedExitCode, params string[] arguments)
    {
        var result = await OcmProcess.RunAsync(arguments, OcmProcess.Quiet);
        Assert.True(result.ExitCode == expectedExitCode, $"ocm {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        return result;
    }

    private static async Task<RunResult> Ocm(string[] arguments, string standardInput)
    {
        var result = await OcmProcess.RunAsync(arguments, OcmProcess.Quiet, standardInput);
        Assert.True(result.ExitCode == 0, result.All);
        return result;
    }

    private static async Task AssertSignInAsync(OcmProcess server, string user, string password, HttpStatusCode expected)
    {
        using var client = TestUsers.Client(server.BaseUri, user, password);
        using var response = await client.PropFindAsync("", "0");
        Assert.Equal(expected, response.StatusCode);
    }

    [GeneratedRegex(@"Created the first user 'admin'[^\n]*\n\s*\n\s+(?<password>\S+)")]
    private static partial Regex AdminPassword();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\S+ (info|warn|fail|crit|dbug|trce):")]
    private static partial Regex LogLine();
}
