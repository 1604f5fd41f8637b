using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Ocm.Tests.Infrastructure;

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients send; nothing here is security.

namespace Ocm.Tests.WebDav;

/// <summary>
/// Two servers on one PostgreSQL database keep their file contents in one bucket of a real S3 object store (the Ceph
/// RADOS Gateway test.sh starts), as nodes of a deployment do: WebDAV round trips, ranges, server-side copies, a
/// multipart upload, and a sync client's chunked upload whose chunks arrive at both nodes and are assembled in the store.
/// </summary>
public sealed class ServingFilesFromAnObjectStore(ServingFilesFromAnObjectStore.Nodes nodes) : IClassFixture<ServingFilesFromAnObjectStore.Nodes>
{
    private const int PartSize = 5 * 1024 * 1024;

    public sealed class Nodes : IAsyncLifetime
    {
        private TestDatabase _database = null!;

        internal TestObjectStore Bucket { get; private set; } = null!;

        internal OcmTestServer A { get; private set; } = null!;

        internal OcmTestServer B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Bucket = TestObjectStore.Create(partSizeBytes: PartSize);
            _database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
            var settings = TestUsers.Settings(
                ("Ocm:Database:Provider", "postgres"),
                ("Ocm:Database:ConnectionString", _database.ConnectionString));
            foreach (var (key, value) in Bucket.ServerSettings())
            {
                settings[key] = value;
            }

            A = await OcmTestServer.StartAsync("127.0.4.1", settings);
            B = await OcmTestServer.StartAsync("127.0.4.2", settings);
            await TestUsers.CreateAsync(A, "alice");
        }

        public async Task DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await _database.DisposeAsync();
            await Bucket.DisposeAsync();
        }
    }

    [Fact]
    public async Task PutGetRangeCopyMoveDelete_OverHttp_ContentsLiveInTheBucket()
    {
        using var a = TestUsers.Client(nodes.A, "alice");
        using var b = TestUsers.Client(nodes.B, "alice");
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(DavRequests.Method("MKCOL", "rt/"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.PutTextAsync("rt/hello.txt", "hello, object store")).StatusCode);
        var blobsBefore = (await nodes.Bucket.KeysAsync("blobs/")).Count;

        // Written through node A, read through node B.
        Assert.Equal("hello, object store", await b.GetStringAsync("rt/hello.txt"));
        using var range = new HttpRequestMessage(HttpMethod.Get, "rt/hello.txt");
        range.Headers.Range = new RangeHeaderValue(7, 12);
        using var partial = await b.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("object", await partial.Content.ReadAsStringAsync());

        using var copy = await a.SendAsync(DavRequests.Method("COPY", "rt/hello.txt", null, ("Destination", new Uri(a.BaseAddress!, "rt/copy.txt").ToString())));
        Assert.Equal(HttpStatusCode.Created, copy.StatusCode);
        Assert.Equal(blobsBefore + 1, (await nodes.Bucket.KeysAsync("blobs/")).Count);
        using var move = await b.SendAsync(DavRequests.Method("MOVE", "rt/copy.txt", null, ("Destination", new Uri(b.BaseAddress!, "rt/moved.txt").ToString())));
        Assert.Equal(HttpStatusCode.Created, move.StatusCode);
        Assert.Equal("hello, object store", await a.GetStringAsync("rt/moved.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("rt/copy.txt")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync("rt/moved.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.PutTextAsync("rt/hello.txt", "replaced")).StatusCode);
        Assert.Equal("replaced", await b.GetStringAsync("rt/hello.txt"));
        // The moved copy is gone from the bucket, not only from the tree; the replaced content stays, as a version.
        Assert.Equal(blobsBefore + 1, (await nodes.Bucket.KeysAsync("blobs/")).Count);
    }

    [Fact]
    public async Task LargeUpload_SentInParts_ReadBackWithItsChecksum()
    {
        using var a = TestUsers.Client(nodes.A, "alice");
        using var b = TestUsers.Client(nodes.B, "alice");
        var content = new byte[12 * 1024 * 1024];
        new Random(12).NextBytes(content);

        using var put = await a.PutAsync("large.bin", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var get = await b.GetAsync("large.bin");
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await get.Content.ReadAsByteArrayAsync()));
        Assert.Equal("SHA1:" + Convert.ToHexStringLower(SHA1.HashData(content)), get.Headers.GetValues("OC-Checksum").Single());
        using var tail = new HttpRequestMessage(HttpMethod.Get, "large.bin");
        tail.Headers.Range = new RangeHeaderValue(content.Length - 100_000, null);
        using var end = await b.SendAsync(tail);
        Assert.Equal(HttpStatusCode.PartialContent, end.StatusCode);
        Assert.Equal(content[^100_000..], await end.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, await nodes.Bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task ChunkedUpload_ChunksArriveAtBothNodes_AssembledInTheStore()
    {
        using var a = UploadClient(nodes.A);
        using var b = UploadClient(nodes.B);
        var sizes = new[] { 6 * 1024 * 1024, 6 * 1024 * 1024, 2 * 1024 * 1024, 1 * 1024 * 1024 };
        using var whole = new MemoryStream();
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(DavRequests.Method("MKCOL", "remote.php/dav/uploads/alice/t1"))).StatusCode);
        for (var i = 0; i < sizes.Length; i++)
        {
            var chunk = new byte[sizes[i]];
            new Random(100 + i).NextBytes(chunk);
            whole.Write(chunk);
            var node = i % 2 == 0 ? a : b;
            Assert.Equal(HttpStatusCode.Created, (await node.PutAsync($"remote.php/dav/uploads/alice/t1/{i + 1:D16}", new ByteArrayContent(chunk))).StatusCode);
        }

        Assert.Equal(sizes.Length + 1, (await nodes.Bucket.KeysAsync("uploads/")).Count);
        using var listing = await a.SendAsync(DavRequests.Method("PROPFIND", "remote.php/dav/uploads/alice/t1/", null, ("Depth", "1")));
        Assert.Equal(sizes.Length + 1, System.Text.RegularExpressions.Regex.Count(await listing.Content.ReadAsStringAsync(), "<d:response>"));

        var expected = whole.ToArray();
        using var move = await b.SendAsync(DavRequests.Method(
            "MOVE",
            "remote.php/dav/uploads/alice/t1/.file",
            null,
            ("Destination", "/remote.php/dav/files/alice/assembled.bin"),
            ("OC-Checksum", "SHA1:" + Convert.ToHexStringLower(SHA1.HashData(expected)))));
        Assert.Equal(HttpStatusCode.Created, move.StatusCode);

        using var get = await a.GetAsync("remote.php/dav/files/alice/assembled.bin");
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await get.Content.ReadAsByteArrayAsync()));
        Assert.Empty(await nodes.Bucket.KeysAsync("uploads/"));
        Assert.Equal(0, await nodes.Bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task ChunkedUpload_WrongChecksum_RefusedAndNothingStored()
    {
        using var a = UploadClient(nodes.A);
        var blobsBefore = (await nodes.Bucket.KeysAsync("blobs/")).Count;
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(DavRequests.Method("MKCOL", "remote.php/dav/uploads/alice/t2"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("remote.php/dav/uploads/alice/t2/0000000000000001", new ByteArrayContent(new byte[6 * 1024 * 1024]))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("remote.php/dav/uploads/alice/t2/0000000000000002", new ByteArrayContent(new byte[10]))).StatusCode);

        using var move = await a.SendAsync(DavRequests.Method(
            "MOVE", "remote.php/dav/uploads/alice/t2/.file", null, ("Destination", "/remote.php/dav/files/alice/wrong.bin"), ("OC-Checksum", "SHA1:" + new string('0', 40))));

        Assert.Equal(HttpStatusCode.BadRequest, move.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("remote.php/dav/files/alice/wrong.bin")).StatusCode);
        Assert.Equal(blobsBefore, (await nodes.Bucket.KeysAsync("blobs/")).Count);
        Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(DavRequests.Method("DELETE", "remote.php/dav/uploads/alice/t2"))).StatusCode);
        Assert.Empty(await nodes.Bucket.KeysAsync("uploads/"));
    }

    private static HttpClient UploadClient(OcmTestServer server)
    {
        var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(TestUsers.BasicHeader("alice"));
        return client;
    }
}
