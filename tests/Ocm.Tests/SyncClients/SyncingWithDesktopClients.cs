using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Ocm.Tests.WebDav;
using ServerProcess = Ocm.Tests.Infrastructure.OcmProcess;
using TempDirectory = Ocm.Tests.Infrastructure.TempDirectory;

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients send; nothing here is security.

namespace Ocm.Tests.SyncClients;

/// <summary>
/// Debian's <c>nextcloudcmd</c> (3.7) and <c>owncloudcmd</c> (2.11) keep two folders in sync with one account on a real
/// <c>ocm serve</c> process: nested folders, Unicode names and 60 MB files (chunked uploads, in both clients' chunk
/// naming); a run without changes transfers nothing; changes made through WebDAV arrive, and changes made in either
/// folder reach the other; the folders end byte-identical (<c>diff -r</c>). Both clients then sync at the same time with
/// a conflicting edit: nothing is lost (the losing edit is kept as a conflict file on its client). A wrong
/// <c>OC-Checksum</c> is refused, and an abandoned chunked upload is removed after the configured age.
/// </summary>
public sealed partial class SyncingWithDesktopClients
{
    private const string User = "syncer";
    private const string Password = "sync-pass-4711";
    private const int BigSize = 60_000_000;

    [Fact]
    public async Task NextcloudcmdAndOwncloudcmd_TwoWaySync_ConvergeWithoutLoss()
    {
        Assert.True(File.Exists("/usr/bin/nextcloudcmd"), "nextcloudcmd is missing: run scripts/install-test-tools.sh (Debian package nextcloud-desktop-cmd).");
        Assert.True(File.Exists("/usr/bin/owncloudcmd"), "owncloudcmd is missing: run scripts/install-test-tools.sh (Debian package owncloud-client-cmd).");
        var dataDir = TempDirectory.Create("ocm-sync");
        var work = TempDirectory.Create("sync-clients");
        try
        {
            var add = await ServerProcess.RunAsync(["user", "add", User, "--password", Password, "--data-dir", dataDir, "--init"]);
            Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);
            await using var server = await ServerProcess.StartServeAsync("127.0.1.10", dataDir, new Dictionary<string, string>
            {
                // Every request is logged, so the test can see what the clients transferred.
                ["OCM_LOGGING__LOGLEVEL__MICROSOFT.ASPNETCORE.HOSTING.DIAGNOSTICS"] = "Information",
                ["OCM_SYNCCLIENTS__ABANDONEDUPLOADSECONDS"] = "20",
                ["OCM_SYNCCLIENTS__UPLOADSWEEPINTERVALSECONDS"] = "2",
            });
            using var dav = new HttpClient { BaseAddress = new Uri(server.BaseUri, $"remote.php/dav/files/{User}/"), Timeout = TimeSpan.FromMinutes(2) };
            dav.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
            var uploads = new Uri(server.BaseUri, $"remote.php/dav/uploads/{User}/");

            // An upload a client started and never finished.
            Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", uploads + "abandoned-1"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await dav.PutAsync(uploads + "abandoned-1/0000000000000000", new ByteArrayContent(new byte[4096]))).StatusCode);

            var nc = Path.Combine(work, "nextcloud");
            var oc = Path.Combine(work, "owncloud");
            Directory.CreateDirectory(nc);
            Directory.CreateDirectory(oc);
            var exclude = Path.Combine(work, "exclude.lst");
            await File.WriteAllTextAsync(exclude, "");
            var clients = new Clients(server, work, nc, oc, exclude);

            // 1. A tree made in the Nextcloud folder goes up (the 60 MB file in chunks) and down into the ownCloud folder.
            Write(nc, "readme.txt", "hello\n");
            Write(nc, "Docs/Reports 2026/summary.txt", "quarterly numbers\n");
            Write(nc, "Ünïcödé ✓/日本語/ファイル.txt", "こんにちは\n");
            Write(nc, "emoji 😀/note.md", "# note\n");
            Write(nc, "a/b/c/d/deep.txt", "deep\n");
            WriteRandom(nc, "big/sixty MB.bin", BigSize, seed: 1);
            var mark = server.Output.Length;
            await clients.NextcloudAsync();
            var firstUpload = server.Output[mark..];
            Assert.Matches($"MKCOL http://[^ ]+/remote.php/dav/uploads/{User}/", firstUpload);
            Assert.Matches($"MOVE http://[^ ]+/remote.php/dav/uploads/{User}/[^ ]+/.file", firstUpload);
            Assert.Equal(SHA1Hex(Path.Combine(nc, "big/sixty MB.bin")), await ServerSha1Async(dav, "big/sixty%20MB.bin"));

            await clients.OwncloudAsync();
            await AssertSameTreesAsync(nc, oc);
            Assert.True(File.Exists(Path.Combine(oc, "Ünïcödé ✓/日本語/ファイル.txt")));

            // 2. Nothing changed: a second run of each client only looks (PROPFIND), it transfers nothing.
            mark = server.Output.Length;
            await clients.NextcloudAsync();
            await clients.OwncloudAsync();
            Assert.Empty(Transfers(server.Output[mark..]));

            // 3. Changes made on the server (through WebDAV) arrive in both folders.
            Assert.Equal(HttpStatusCode.NoContent, (await dav.PutAsync("readme.txt", new StringContent("changed on the server\n"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "Vom%20Server"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await dav.PutAsync("Vom%20Server/%C3%BCber.txt", new StringContent("über\n"))).StatusCode);
            await clients.NextcloudAsync();
            await clients.OwncloudAsync();
            Assert.Equal("changed on the server\n", await File.ReadAllTextAsync(Path.Combine(nc, "readme.txt")));
            Assert.Equal("über\n", await File.ReadAllTextAsync(Path.Combine(oc, "Vom Server/über.txt")));
            await AssertSameTreesAsync(nc, oc);

            // 4. Changes made in the ownCloud folder (a new 60 MB file, chunked by byte offset) reach the server and the Nextcloud folder.
            WriteRandom(oc, "big/from owncloud.bin", BigSize, seed: 2);
            Write(oc, "Docs/Reports 2026/summary.txt", "revised numbers\n");
            File.Delete(Path.Combine(oc, "emoji 😀/note.md"));
            Write(oc, "oc made/ü.txt", "ü\n");
            mark = server.Output.Length;
            await clients.OwncloudAsync();
            Assert.Matches($"PUT http://[^ ]+/remote.php/dav/uploads/{User}/[^/ ]+/0000000010000000 ", server.Output[mark..]);
            Assert.Equal(SHA1Hex(Path.Combine(oc, "big/from owncloud.bin")), await ServerSha1Async(dav, "big/from%20owncloud.bin"));
            await clients.NextcloudAsync();
            Assert.False(File.Exists(Path.Combine(nc, "emoji 😀/note.md")));
            Assert.Equal("revised numbers\n", await File.ReadAllTextAsync(Path.Combine(nc, "Docs/Reports 2026/summary.txt")));
            await AssertSameTreesAsync(nc, oc);

            // 5. Both clients at once, each with a new file of its own and a different edit of the same file.
            Write(nc, "only from nextcloud.txt", "nc\n");
            Write(oc, "only from owncloud.txt", "oc\n");
            Write(nc, "readme.txt", "edited in the nextcloud folder\n");
            Write(oc, "readme.txt", "edited in the owncloud folder\n");
            await Task.WhenAll(clients.NextcloudAsync(requireSuccess: false), clients.OwncloudAsync(requireSuccess: false));
            // The client whose upload lost the race got 412 (its If-Match no longer held) and keeps that file aside for a
            // while before it retries (ownCloud: "trying again in 24 second(s)"); then it downloads the winner and keeps
            // its own edit as a conflict copy.
            await clients.UntilCleanAsync();

            Assert.Equal("nc\n", await dav.GetStringAsync("only%20from%20nextcloud.txt"));
            Assert.Equal("oc\n", await dav.GetStringAsync("only%20from%20owncloud.txt"));
            var onServer = await dav.GetStringAsync("readme.txt");
            var conflictCopies = Directory.EnumerateFiles(nc).Concat(Directory.EnumerateFiles(oc))
                .Where(f => Path.GetFileName(f).Contains("conflict", StringComparison.OrdinalIgnoreCase))
                .Select(File.ReadAllText)
                .ToList();
            // Neither edit is lost: one is the server's version, the other a conflict copy on the client that lost.
            Assert.Contains(onServer, (string[])["edited in the nextcloud folder\n", "edited in the owncloud folder\n"]);
            Assert.Contains(onServer == "edited in the nextcloud folder\n" ? "edited in the owncloud folder\n" : "edited in the nextcloud folder\n", conflictCopies);
            await AssertSameTreesAsync(nc, oc);

            // 6. A wrong checksum is refused, for a plain PUT and for a chunked upload; nothing is stored.
            var wrongSum = ("OC-Checksum", "SHA1:" + new string('0', 40));
            var put = DavRequests.Method("PUT", "wrong.txt", null, wrongSum);
            put.Content = new StringContent("damaged in transit");
            Assert.Equal(HttpStatusCode.BadRequest, (await dav.SendAsync(put)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", uploads + "bad-sum"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await dav.PutAsync(uploads + "bad-sum/0000000000000000", new ByteArrayContent(new byte[1000]))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await dav.SendAsync(DavRequests.Method(
                "MOVE", uploads + "bad-sum/.file", null, ("Destination", $"/remote.php/dav/files/{User}/wrong.bin"), wrongSum))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await dav.GetAsync("wrong.txt")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await dav.GetAsync("wrong.bin")).StatusCode);

            // 7. The abandoned upload (idle longer than the configured 20 s by now) was swept, chunks and all.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode status;
            while ((status = (await dav.SendAsync(DavRequests.Method("PROPFIND", uploads + "abandoned-1/", null, ("Depth", "1")))).StatusCode) != HttpStatusCode.NotFound
                && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }

            Assert.Equal(HttpStatusCode.NotFound, status);
        }
        finally
        {
            TempDirectory.Delete(work);
            TempDirectory.Delete(dataDir);
        }
    }

    /// <summary>Requests that moved file contents (not PROPFIND, OCS or status.php) in a stretch of the server log.</summary>
    private static List<string> Transfers(string log) =>
        RequestLine().Matches(log).Select(m => m.Value).Where(l => l.Contains("/remote.php/dav/", StringComparison.Ordinal)).ToList();

    [GeneratedRegex(@"trying again in (\d+) second")]
    private static partial Regex RetryDelay();

    [GeneratedRegex(@"Request starting HTTP/[0-9.]+ (GET|HEAD|PUT|MOVE|COPY|MKCOL|DELETE) \S+")]
    private static partial Regex RequestLine();

    private static async Task<string> ServerSha1Async(HttpClient dav, string path)
    {
        using var response = await dav.SendAsync(DavRequests.Method("HEAD", path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("OC-Checksum").Single()["SHA1:".Length..];
    }

    /// <summary><c>diff -r</c> of the two folders, leaving out the clients' journals and their local conflict copies.</summary>
    private static async Task AssertSameTreesAsync(string left, string right)
    {
        var diff = await Tool.RunAsync("diff", ["-r", "-x", ".sync_*", "-x", "._sync_*", "-x", ".owncloudsync.log*", "-x", "*conflicted copy*", left, right]);
        Assert.True(diff.ExitCode == 0, "The folders differ:\n" + diff.All);
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static void WriteRandom(string root, string relative, int size, int seed)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    private static string SHA1Hex(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA1.HashData(stream));
    }

    /// <summary>The two command-line clients, each syncing its own folder with the same account.</summary>
    private sealed class Clients(ServerProcess server, string work, string nextcloudFolder, string owncloudFolder, string excludeList)
    {
        private readonly Dictionary<string, string> _environment = new()
        {
            // Whatever the clients write besides their folders stays in the test's directory.
            ["HOME"] = work,
            ["XDG_CONFIG_HOME"] = Path.Combine(work, ".config"),
            ["XDG_DATA_HOME"] = Path.Combine(work, ".local"),
        };

        private string Url => server.BaseUri.ToString().TrimEnd('/');

        public Task<Tool.Result> NextcloudAsync(bool requireSuccess = true) =>
            RunAsync("nextcloudcmd", ["--non-interactive", "-u", User, "-p", Password, nextcloudFolder, Url], requireSuccess);

        // Debian's owncloudcmd aborts without an exclude list (the system one ships with the GUI package).
        public Task<Tool.Result> OwncloudAsync(bool requireSuccess = true) =>
            RunAsync("owncloudcmd", ["--non-interactive", "--exclude", excludeList, "-u", User, "-p", Password, owncloudFolder, Url], requireSuccess);

        /// <summary>Runs both clients in turn until a round where both succeed, waiting out the retry delay a client names.</summary>
        public async Task UntilCleanAsync()
        {
            for (var round = 1; ; round++)
            {
                var nextcloud = await NextcloudAsync(requireSuccess: round == 4);
                var owncloud = await OwncloudAsync(requireSuccess: round == 4);
                if (nextcloud.ExitCode == 0 && owncloud.ExitCode == 0)
                {
                    // One more Nextcloud run picks up what ownCloud uploaded in this round.
                    await NextcloudAsync();
                    return;
                }

                var wait = RetryDelay().Matches(nextcloud.All + owncloud.All).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(1).Max();
                Assert.True(wait <= 120, $"A client wants to wait {wait} s before retrying.");
                await Task.Delay(TimeSpan.FromSeconds(wait + 1));
            }
        }

        private async Task<Tool.Result> RunAsync(string client, string[] arguments, bool requireSuccess)
        {
            var result = await Tool.RunAsync(client, arguments, workingDirectory: work, environment: _environment, timeout: TimeSpan.FromMinutes(5));
            if (requireSuccess)
            {
                Assert.True(result.ExitCode == 0, $"{client} exited {result.ExitCode}:\n{Tail(result.All)}\n--- server ---\n{Tail(server.Output)}");
            }

            return result;
        }

        private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;
    }
}
