using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Versioning;
using System.Text.Json;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Invites;

/// <summary>
/// A federation runs its directory service (OCM Appendix C) with Ocm: <c>ocm directory keygen</c> makes the key,
/// <c>ocm directory sign</c> the signed list (refusing entries the appendix forbids), <c>ocm serve</c> publishes it, and
/// another server's WAYF page offers its servers once the signature verifies — checked also by an independent ES256
/// implementation (Node's crypto).
/// </summary>
public sealed class RunningADirectoryService
{
    private const string AddressDirectory = "127.0.18.1";
    private const string AddressWayf = "127.0.18.2";

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task OperatorSignsAList_OcmPublishesIt_AndAnotherServersWayfPageOffersItsServers()
    {
        var dir = Directory.CreateTempSubdirectory("ocm-directory-");
        try
        {
            var key = Path.Combine(dir.FullName, "federation.key");
            var list = Path.Combine(dir.FullName, "directory.jws");

            // keygen: a private key only its owner can read, never overwritten; the public key printed in both forms.
            var made = await Ocm(0, "directory", "keygen", "--key", key);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            var publicPem = made.StdOut[made.StdOut.IndexOf("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal)..(made.StdOut.IndexOf("-----END PUBLIC KEY-----", StringComparison.Ordinal) + 24)];
            Assert.Contains("\"kty\":\"EC\",\"crv\":\"P-256\"", made.StdOut, StringComparison.Ordinal);
            var keyBefore = await File.ReadAllTextAsync(key);
            Assert.Contains("exists already", (await Ocm(1, "directory", "keygen", "--key", key)).StdErr, StringComparison.Ordinal);
            Assert.Equal(keyBefore, await File.ReadAllTextAsync(key));

            // sign refuses what Appendix C forbids, naming the entry, and writes nothing.
            foreach (var bad in new[] { "https://cloud.uni-a.example/nextcloud", "https://user@cloud.uni-a.example", "ftp://cloud.uni-a.example" })
            {
                var refused = await Ocm(1, "directory", "sign", "--key", key, "--federation", "Research Mesh", "--server", bad, "--out", list);
                Assert.Contains($"'{bad}'", refused.StdErr, StringComparison.Ordinal);
            }

            Assert.Contains("listed twice", (await Ocm(
                1, "directory", "sign", "--key", key, "--federation", "Research Mesh",
                "--server", "https://cloud.uni-a.example", "--server", "https://CLOUD.uni-a.example/", "--out", list)).StdErr, StringComparison.Ordinal);
            Assert.False(File.Exists(list));

            var servers = Path.Combine(dir.FullName, "servers.txt");
            await File.WriteAllTextAsync(servers, "# members\nhttps://files.lab-b.example Lab B\n");
            Assert.Contains("2 server(s)", (await Ocm(
                0, "directory", "sign", "--key", key, "--federation", "Research Mesh",
                "--server", "https://cloud.uni-a.example=University A", "--servers-file", servers, "--out", list)).StdOut, StringComparison.Ordinal);

            // verify: with the right public key it prints the servers; with another key it refuses.
            var publicFile = Path.Combine(dir.FullName, "federation.pub");
            await File.WriteAllTextAsync(publicFile, publicPem);
            var verified = await Ocm(0, "directory", "verify", list, "--public-key", publicFile);
            Assert.Contains("https://cloud.uni-a.example  University A", verified.StdOut, StringComparison.Ordinal);
            Assert.Contains("https://files.lab-b.example  Lab B", verified.StdOut, StringComparison.Ordinal);
            var otherKey = Path.Combine(dir.FullName, "other.key");
            var other = await Ocm(0, "directory", "keygen", "--key", otherKey);
            var otherPem = other.StdOut[other.StdOut.IndexOf("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal)..(other.StdOut.IndexOf("-----END PUBLIC KEY-----", StringComparison.Ordinal) + 24)];
            Assert.Contains("does not verify", (await Ocm(1, "directory", "verify", list, "--public-key", otherPem)).StdErr, StringComparison.Ordinal);

            // An independent ES256 implementation accepts the signature.
            await AssertNodeVerifiesAsync(list, publicPem);

            // ocm serve publishes the file; another server's WAYF page verifies and offers it.
            await using var directory = await OcmTestServer.StartAsync(AddressDirectory, FederatedUsers.Settings(("Ocm:Invites:PublishedDirectoryFile", list)));
            using var published = await directory.Client.GetAsync("directory.jws");
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            Assert.Equal("application/jose+json", published.Content.Headers.ContentType?.MediaType);
            Assert.Equal(await File.ReadAllBytesAsync(list), await published.Content.ReadAsByteArrayAsync());
            using (var again = new HttpRequestMessage(HttpMethod.Get, "directory.jws"))
            {
                again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(published.Headers.ETag!.ToString()));
                using var notModified = await directory.Client.SendAsync(again);
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            }

            await using var wayf = await OcmTestServer.StartAsync(AddressWayf, FederatedUsers.Settings(
                ("Ocm:Invites:DirectoryServices:0:Url", new Uri(directory.BaseUri, "directory.jws").AbsoluteUri),
                ("Ocm:Invites:DirectoryServices:0:PublicKey", publicPem),
                ("Ocm:Invites:DirectoryCacheSeconds", "0")));
            using var alice = await wayf.AddUserAsync("alice", "Alice");
            var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;
            var page = await wayf.Client.GetStringAsync(link);
            Assert.Contains("Research Mesh", page, StringComparison.Ordinal);
            Assert.Contains("University A", page, StringComparison.Ordinal);
            Assert.Contains("Lab B", page, StringComparison.Ordinal);

            // Re-signed with a third member: published without a restart, and the WAYF page offers it.
            await File.AppendAllTextAsync(servers, "https://cloud.uni-c.example University C\n");
            await Ocm(0, "directory", "sign", "--key", key, "--federation", "Research Mesh", "--server", "https://cloud.uni-a.example=University A", "--servers-file", servers, "--out", list);
            var deadline = Stopwatch.StartNew();
            string updated;
            do
            {
                await Task.Delay(500);
                updated = await wayf.Client.GetStringAsync(link);
            }
            while (!updated.Contains("University C", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(30));
            Assert.Contains("University C", updated, StringComparison.Ordinal);

            // The file gone: a clear 503 with Retry-After, not an empty list.
            File.Delete(list);
            await Task.Delay(2500);
            using var missing = await directory.Client.GetAsync("directory.jws");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, missing.StatusCode);
            Assert.NotNull(missing.Headers.RetryAfter);
            Assert.Contains("missing", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PublishingAFileThatIsNoSignedList_StopsTheServerFromStarting_AndNothingIsPublishedUnlessConfigured()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "<html>not a list</html>");
            var error = await Assert.ThrowsAnyAsync<Exception>(() => OcmTestServer.StartAsync(AddressDirectory, FederatedUsers.Settings(("Ocm:Invites:PublishedDirectoryFile", file))));
            Assert.Contains("Ocm:Invites:PublishedDirectoryFile", error.Message, StringComparison.Ordinal);
            Assert.Contains("not a signed directory list", error.Message, StringComparison.Ordinal);

            await using var plain = await OcmTestServer.StartAsync(AddressDirectory, FederatedUsers.Settings());
            using var none = await plain.Client.GetAsync("directory.jws");
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Checks the JWS with Node's own ES256 (r‖s, <c>dsaEncoding: ieee-p1363</c>), not with our code.</summary>
    private static async Task AssertNodeVerifiesAsync(string list, string publicPem)
    {
        using var jws = JsonDocument.Parse(await File.ReadAllTextAsync(list));
        var protectedPart = jws.RootElement.GetProperty("protected").GetString()!;
        var payloadPart = jws.RootElement.GetProperty("payload").GetString()!;
        Assert.Equal("{\"alg\":\"ES256\"}", System.Text.Encoding.UTF8.GetString(Base64Url.DecodeFromChars(protectedPart)));
        const string Script = """
            const crypto = require('crypto');
            const [pem, input, signature] = process.argv.slice(-3);
            const ok = crypto.verify('sha256', Buffer.from(input), { key: pem, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
            process.stdout.write(ok ? 'valid' : 'invalid');
            """;
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-e", Script, "--", publicPem, protectedPart + "." + payloadPart, jws.RootElement.GetProperty("signature").GetString()! })
        {
            info.ArgumentList.Add(argument);
        }

        using var node = Process.Start(info)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        var errors = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(output == "valid", $"node: {output} {errors}");
    }

    private static async Task<RunResult> Ocm(int expectedExitCode, params string[] arguments)
    {
        var result = await OcmProcess.RunAsync(arguments, OcmProcess.Quiet);
        Assert.True(result.ExitCode == expectedExitCode, $"ocm {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        return result;
    }
}
