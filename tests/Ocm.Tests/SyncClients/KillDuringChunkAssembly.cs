using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Ocm.Tests.WebDav;
using ServerProcess = Ocm.Tests.Infrastructure.OcmProcess;
using TempDirectory = Ocm.Tests.Infrastructure.TempDirectory;

namespace Ocm.Tests.SyncClients;

/// <summary>
/// The server process is killed (SIGKILL) while it assembles a chunked upload over an existing file. After a restart
/// the file still has its previous content (nothing partial is visible), the chunks are still there, and the client's
/// retried MOVE completes the upload.
/// </summary>
public sealed class KillDuringChunkAssembly
{
    private const string Password = "kill-chunks-123";
    private const int ChunkSize = 32 * 1024 * 1024;
    private const int Chunks = 8;

    [Fact]
    public async Task KilledWhileAssembling_AfterRestart_OldContentIntact_RetryCompletes()
    {
        var dataDir = TempDirectory.Create("ocm-kill-chunks");
        try
        {
            var add = await ServerProcess.RunAsync(["user", "add", "carol", "--password", Password, "--data-dir", dataDir, "--init"]);
            Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);
            using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunk = new byte[ChunkSize];
            new Random(5).NextBytes(chunk);
            byte[] expectedHash;
            await using (var server = await ServerProcess.StartServeAsync("127.0.1.11", dataDir))
            {
                using var client = Client(server);
                Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("remote.php/dav/files/carol/data.bin", new StringContent("previous version"))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(DavRequests.Method("MKCOL", "remote.php/dav/uploads/carol/crash"))).StatusCode);
                for (var i = 0; i < Chunks; i++)
                {
                    chunk[0] = (byte)i; // every chunk differs, so an out-of-order assembly cannot match
                    expected.AppendData(chunk);
                    Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"remote.php/dav/uploads/carol/crash/{i:D16}", new ByteArrayContent(chunk))).StatusCode);
                }

                expectedHash = expected.GetHashAndReset();
                var move = client.SendAsync(DavRequests.Method("MOVE", "remote.php/dav/uploads/carol/crash/.file", null, ("Destination", "/remote.php/dav/files/carol/data.bin")));
                // Kill as soon as the assembled content is being written (the store's temporary upload has bytes): the
                // whole assembly is the window, so a busy machine that polls late still catches it.
                var uploads = Path.Combine(dataDir, "files", ".uploads");
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!(Directory.Exists(uploads) && Directory.EnumerateFiles(uploads).Any(f => new FileInfo(f).Length > 0)))
                {
                    if (move.IsCompleted)
                    {
                        Assert.Fail($"The assembly finished before the test could interrupt it ({(move.IsCompletedSuccessfully ? (int)(await move).StatusCode : "failed")}).");
                    }
                    Assert.True(DateTime.UtcNow < deadline, "The assembly never started.");
                    Thread.Sleep(1);
                }

                server.Kill();
                await Assert.ThrowsAnyAsync<Exception>(() => move);
            }

            await using var restarted = await ServerProcess.StartServeAsync("127.0.1.11", dataDir);
            using var after = Client(restarted);
            Assert.Equal("previous version", await after.GetStringAsync("remote.php/dav/files/carol/data.bin"));

            // The chunks survived; the client's retry assembles them.
            using var retry = await after.SendAsync(DavRequests.Method("MOVE", "remote.php/dav/uploads/carol/crash/.file", null, ("Destination", "/remote.php/dav/files/carol/data.bin")));
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
            await using var download = await after.GetStreamAsync("remote.php/dav/files/carol/data.bin");
            Assert.Equal(expectedHash, await SHA256.HashDataAsync(download));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(ServerProcess server)
    {
        var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("carol:" + Password)));
        return client;
    }
}
