using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>
/// The server process is killed (SIGKILL) while uploads are streaming in. After a restart the file being replaced
/// still has its previous content, the file being created does not exist, and sizes are unchanged: a crash never
/// leaves a partial file visible or metadata out of step.
/// </summary>
public sealed class KillDuringPutTests
{
    private const string Password = "kill-pass-123";
    private const int OldSize = 1024 * 1024;
    private const long NewSize = 256L * 1024 * 1024;

    [Fact]
    public async Task KilledDuringPut_AfterRestart_PreviousVersionIntact_NothingPartialVisible()
    {
        var dataDir = TempDirectory.Create("ocm-kill");
        try
        {
            Assert.Equal(0, (await OcmProcess.RunAsync(["user", "add", "victim", "--password", Password, "--data-dir", dataDir, "--init"], OcmProcess.Quiet)).ExitCode);
            var original = Enumerable.Range(0, OldSize).Select(i => (byte)(i * 7)).ToArray();
            await using (var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, OcmProcess.Quiet))
            {
                using var client = TestUsers.Client(server.BaseUri, "victim", Password);
                Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("report.bin", new ByteArrayContent(original))).StatusCode);

                // Two uploads that send a quarter of their body, then stall until the server dies.
                using var stop = new CancellationTokenSource();
                var replace = UploadAsync(client, "report.bin", stop.Token);
                var create = UploadAsync(client, "brand-new.bin", stop.Token);
                var uploads = Path.Combine(dataDir, "files", ".uploads");
                await WaitUntilAsync(() => Directory.Exists(uploads)
                    && Directory.EnumerateFiles(uploads).Count(f => new FileInfo(f).Length >= NewSize / 8) >= 2);

                await server.KillAsync();
                stop.CancelAfter(TimeSpan.FromSeconds(10)); // in case the client has not noticed yet
                await Task.WhenAll(replace, create);
            }

            await using var restarted = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, OcmProcess.Quiet);
            using var after = TestUsers.Client(restarted.BaseUri, "victim", Password);
            Assert.Equal(original, await after.GetByteArrayAsync("report.bin"));
            Assert.Equal(HttpStatusCode.NotFound, (await after.GetAsync("brand-new.bin")).StatusCode);

            using var listing = await after.PropFindAsync("", "1", """<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:size/></d:prop></d:propfind>""");
            var xml = XDocument.Parse(await listing.Content.ReadAsStringAsync());
            var responses = xml.Descendants(XName.Get("response", "DAV:")).ToList();
            Assert.Equal(2, responses.Count);
            Assert.All(responses, r => Assert.Equal(OldSize.ToString(CultureInfo.InvariantCulture), r.Descendants(XName.Get("size", "http://owncloud.org/ns")).Single().Value));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static async Task UploadAsync(HttpClient client, string path, CancellationToken stop)
    {
        var content = new StreamContent(new StallingStream(NewSize, NewSize / 4, stop));
        content.Headers.ContentLength = NewSize;
        try
        {
            using var response = await client.PutAsync(path, content, stop);
            Assert.Fail($"The upload of {path} finished with {response.StatusCode} although the server was killed.");
        }
        catch (HttpRequestException)
        {
            // Expected: the server went away mid-body.
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The uploads did not start.");
            await Task.Delay(50);
        }
    }

    /// <summary>Produces <c>length</c> bytes of a pattern but stops after <c>stallAfter</c> until cancelled.</summary>
    private sealed class StallingStream(long length, long stallAfter, CancellationToken stop) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= stallAfter)
            {
                await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop, cancellationToken).Token);
            }

            var count = (int)Math.Min(buffer.Length, Math.Min(64 * 1024, stallAfter - _position));
            buffer.Span[..count].Fill((byte)'N');
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
