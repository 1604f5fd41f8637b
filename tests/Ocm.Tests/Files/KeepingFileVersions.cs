using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Ocm.Files;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Files;

/// <summary>
/// Overwritten files keep their earlier contents as versions, at Nextcloud's WebDAV addresses
/// (<c>/remote.php/dav/versions/{user}/versions/{fileid}/</c>), and versions expire by policy and by space — on the
/// local disk store (<see cref="KeepingFileVersionsOnDisk"/>) and in an S3 object store
/// (<see cref="KeepingFileVersionsInAnObjectStore"/>), with the same tests. Every server runs on a clock the test moves.
/// </summary>
public abstract partial class KeepingFileVersions
{
    private static readonly XNamespace D = "DAV:";
    private static readonly XNamespace Nc = "http://nextcloud.org/ns";

    private protected abstract string Address { get; }

    /// <summary>Starts a server on <paramref name="time"/> with its contents in the store under test.</summary>
    private protected abstract Task<Store> StartAsync(FakeTimeProvider time, params (string Key, string? Value)[] settings);

    /// <summary>A running server and a way to count the contents it keeps.</summary>
    private protected sealed class Store(OcmTestServer server, Func<Task<int>> countBlobs, Func<ValueTask> dispose) : IAsyncDisposable
    {
        public OcmTestServer Server => server;

        public Task<int> BlobCountAsync() => countBlobs();

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            await dispose();
        }
    }

    [Fact]
    public async Task OverwriteThreeTimes_RestoreTheFirst_ByteIdenticalAndNothingCopied()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time);
        await TestUsers.CreateAsync(store.Server, "alice");
        using var files = TestUsers.Client(store.Server, "alice");
        var contents = Enumerable.Range(0, 4).Select(i => Bytes(3000 + i * 1000, seed: i)).ToArray();

        var fileId = 0L;
        foreach (var content in contents)
        {
            using var put = await files.PutAsync("report.bin", new ByteArrayContent(content));
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
            fileId = FileIdOf(put);
            time.Advance(TimeSpan.FromMinutes(5));
        }

        // Three earlier contents, newest first, each with its size; the current one is not among them.
        using var versions = VersionsClient(store.Server, "alice");
        var listed = await ListAsync(versions, fileId);
        Assert.Equal([5000L, 4000L, 3000L], listed.Select(v => v.Size));
        Assert.Equal(4, await store.BlobCountAsync());

        var first = listed[^1];
        Assert.Equal(contents[0], await versions.GetByteArrayAsync(first.Href));

        using var restore = await versions.SendAsync(DavRequests.Method("MOVE", first.Href, null, ("Destination", "/remote.php/dav/versions/alice/restore/target")));
        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        Assert.Equal(contents[0], await files.GetByteArrayAsync("report.bin"));

        // The replaced content became a version in turn; no content was copied or lost.
        Assert.Equal([6000L, 5000L, 4000L], (await ListAsync(versions, fileId)).Select(v => v.Size).OrderDescending());
        Assert.Equal(4, await store.BlobCountAsync());

        // Deleting the file takes its versions along, contents included.
        Assert.Equal(HttpStatusCode.NoContent, (await files.DeleteAsync("report.bin")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await versions.PropFindAsync($"versions/{fileId}/")).StatusCode);
        Assert.Equal(0, await store.BlobCountAsync());
    }

    [Fact]
    public async Task ChunkedUploadOverwrite_KeepsThePreviousContent_RestoreNeedsTheRestoreTarget()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time);
        await TestUsers.CreateAsync(store.Server, "alice");
        using var files = TestUsers.Client(store.Server, "alice");
        using var put = await files.PutTextAsync("synced.txt", "before the sync client");
        var fileId = FileIdOf(put);

        // A sync client's chunked upload (chunking v2) replaces the file.
        using var uploads = TestUsers.Client(store.Server, "alice");
        uploads.BaseAddress = new Uri(store.Server.BaseUri, "remote.php/dav/uploads/alice/");
        Assert.Equal(HttpStatusCode.Created, (await uploads.SendAsync(DavRequests.Method("MKCOL", "t1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await uploads.PutTextAsync("t1/0000000000000001", "after ")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await uploads.PutTextAsync("t1/0000000000000002", "the sync client")).StatusCode);
        using var assemble = await uploads.SendAsync(DavRequests.Method("MOVE", "t1/.file", null, ("Destination", "/remote.php/dav/files/alice/synced.txt")));
        Assert.True(assemble.IsSuccessStatusCode, assemble.StatusCode.ToString());
        Assert.Equal("after the sync client", await files.GetStringAsync("synced.txt"));

        using var versions = VersionsClient(store.Server, "alice");
        var version = Assert.Single(await ListAsync(versions, fileId));
        Assert.Equal("before the sync client", await versions.GetStringAsync(version.Href));

        // Anywhere but the restore target is refused, and nothing changes.
        using var wrong = await versions.SendAsync(DavRequests.Method("COPY", version.Href, null, ("Destination", "/remote.php/dav/files/alice/synced.txt")));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("after the sync client", await files.GetStringAsync("synced.txt"));

        using var restore = await versions.SendAsync(DavRequests.Method("COPY", version.Href, null, ("Destination", new Uri(store.Server.BaseUri, "remote.php/dav/versions/alice/restore/target").ToString())));
        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        Assert.Equal("before the sync client", await files.GetStringAsync("synced.txt"));
    }

    [Fact]
    public async Task Versions_OfAnotherUsersFile_AreNotReachable()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time);
        await TestUsers.CreateAsync(store.Server, "alice");
        await TestUsers.CreateAsync(store.Server, "bob");
        using var files = TestUsers.Client(store.Server, "alice");
        await files.PutTextAsync("a.txt", "one");
        using var put = await files.PutTextAsync("a.txt", "two");
        var fileId = FileIdOf(put);

        using var bob = VersionsClient(store.Server, "bob");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PropFindAsync($"versions/{fileId}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PropFindAsync($"/remote.php/dav/versions/alice/versions/{fileId}/")).StatusCode);
    }

    [Fact]
    public async Task Expiry_ThinsOldVersions_ButKeepsNamedOnes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time);
        await TestUsers.CreateAsync(store.Server, "alice");
        using var files = TestUsers.Client(store.Server, "alice");
        long fileId = 0;
        foreach (var text in new[] { "first", "second", "third", "fourth" })
        {
            using var put = await files.PutTextAsync("notes.txt", text);
            fileId = FileIdOf(put);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        using var versions = VersionsClient(store.Server, "alice");
        var listed = await ListAsync(versions, fileId);
        Assert.Equal(3, listed.Count);
        using var label = await versions.SendAsync(DavRequests.Method(
            "PROPPATCH",
            listed[^1].Href,
            """<d:propertyupdate xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns"><d:set><d:prop><nc:version-label>draft for Ann</nc:version-label></d:prop></d:set></d:propertyupdate>"""));
        Assert.Equal(HttpStatusCode.MultiStatus, label.StatusCode);

        // Two days on, versions written a minute apart fall in the "one a day" band: the newest of them stays, the
        // one between goes; the named one stays whatever the policy says.
        time.Advance(TimeSpan.FromDays(2));
        await store.Server.GetRequiredService<VersionHousekeeping>().RunOnceAsync(CancellationToken.None);

        var left = await ListAsync(versions, fileId);
        Assert.Equal(["third", "first"], await Task.WhenAll(left.Select(v => versions.GetStringAsync(v.Href))));
        Assert.Equal(["", "draft for Ann"], left.Select(v => v.Label));
        Assert.Equal(3, await store.BlobCountAsync());
        Assert.Equal("fourth", await files.GetStringAsync("notes.txt"));
    }

    [Fact]
    public async Task Expiry_KeepsVersionsWithinTheirShareOfTheQuota_OldestGoFirst()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time, ("Ocm:Versions:QuotaPercent", "25"));
        await TestUsers.CreateAsync(store.Server, "alice", quotaBytes: 20_000);
        using var files = TestUsers.Client(store.Server, "alice");
        long fileId = 0;
        for (var day = 0; day < 4; day++)
        {
            using var put = await files.PutAsync("daily.bin", new ByteArrayContent(Bytes(2000, seed: day)));
            fileId = FileIdOf(put);
            time.Advance(TimeSpan.FromDays(1));
        }

        // Three versions of 2000 bytes, a day apart (the policy keeps them all), but 25% of 20 000 is 5000 bytes.
        using var versions = VersionsClient(store.Server, "alice");
        Assert.Equal(3, (await ListAsync(versions, fileId)).Count);
        await store.Server.GetRequiredService<VersionHousekeeping>().RunOnceAsync(CancellationToken.None);

        var left = await ListAsync(versions, fileId);
        Assert.Equal(2, left.Count);
        Assert.Equal(Bytes(2000, seed: 2), await versions.GetByteArrayAsync(left[0].Href));
        Assert.Equal(Bytes(2000, seed: 1), await versions.GetByteArrayAsync(left[1].Href));
        Assert.Equal(3, await store.BlobCountAsync());
    }

    [Fact]
    public async Task Expiry_ByAge_RemovesVersionsOlderThanMaxAgeDays()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = await StartAsync(time, ("Ocm:Versions:MaxAgeDays", "7"));
        await TestUsers.CreateAsync(store.Server, "alice");
        using var files = TestUsers.Client(store.Server, "alice");
        await files.PutTextAsync("old.txt", "week one");
        time.Advance(TimeSpan.FromDays(10));
        using var put = await files.PutTextAsync("old.txt", "week two");
        var fileId = FileIdOf(put);
        await files.PutTextAsync("old.txt", "week two, again");

        await store.Server.GetRequiredService<VersionHousekeeping>().RunOnceAsync(CancellationToken.None);

        using var versions = VersionsClient(store.Server, "alice");
        var left = await ListAsync(versions, fileId);
        Assert.Equal(["week two"], await Task.WhenAll(left.Select(v => versions.GetStringAsync(v.Href))));
    }

    private sealed record Listed(string Href, long Size, string Label);

    private static async Task<List<Listed>> ListAsync(HttpClient versions, long fileId)
    {
        using var response = await versions.PropFindAsync($"versions/{fileId}/");
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.Descendants(D + "response")
            .Where(r => r.Descendants(D + "getcontentlength").Any())
            .Select(r => new Listed(
                r.Element(D + "href")!.Value,
                long.Parse(r.Descendants(D + "getcontentlength").Single().Value, System.Globalization.CultureInfo.InvariantCulture),
                r.Descendants(Nc + "version-label").Single().Value))
            .ToList();
    }

    private static HttpClient VersionsClient(OcmTestServer server, string user)
    {
        var client = TestUsers.Client(server, user);
        client.BaseAddress = new Uri(server.BaseUri, $"remote.php/dav/versions/{user}/");
        return client;
    }

    /// <summary>The numeric file id: <c>OC-FileId</c> is the id zero-padded to eight digits, then the instance id.</summary>
    private static long FileIdOf(HttpResponseMessage put) =>
        long.Parse(LeadingDigits().Match(put.Headers.GetValues("OC-FileId").Single()).Value, System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [GeneratedRegex("^[0-9]+")]
    private static partial Regex LeadingDigits();

    /// <summary>
    /// The server's own expiry runs at start only (when there is nothing to expire): the tests move the clock by days,
    /// which would fire its timer, and run it themselves when they want to see its effect.
    /// </summary>
    private protected static Dictionary<string, string?> Settings((string Key, string? Value)[] extra) =>
        TestUsers.Settings([("Ocm:Versions:ExpiryIntervalSeconds", "100000000"), .. extra]);

    private protected static Action<IServiceCollection> OnClock(FakeTimeProvider time) => services => services.AddSingleton<TimeProvider>(time);
}

/// <summary><see cref="KeepingFileVersions"/> with contents on the local disk (SQLite).</summary>
public sealed class KeepingFileVersionsOnDisk : KeepingFileVersions
{
    private static int _next;

    private protected override string Address => "127.0.36." + (10 + (Interlocked.Increment(ref _next) % 40));

    private protected override async Task<Store> StartAsync(FakeTimeProvider time, params (string Key, string? Value)[] settings)
    {
        var server = await OcmTestServer.StartAsync(Address, Settings(settings), OnClock(time));
        var root = Path.Combine(server.DataDir, "files");
        return new Store(
            server,
            () => Task.FromResult(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count(f => !f.Contains("/.uploads/", StringComparison.Ordinal))),
            () => ValueTask.CompletedTask);
    }
}

/// <summary><see cref="KeepingFileVersions"/> with contents in a bucket of the Ceph RADOS Gateway (PostgreSQL).</summary>
public sealed class KeepingFileVersionsInAnObjectStore : KeepingFileVersions
{
    private static int _next;

    private protected override string Address => "127.0.36." + (60 + (Interlocked.Increment(ref _next) % 40));

    private protected override async Task<Store> StartAsync(FakeTimeProvider time, params (string Key, string? Value)[] settings)
    {
        var bucket = TestObjectStore.Create();
        var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        var all = Settings(settings);
        all["Ocm:Database:Provider"] = "postgres";
        all["Ocm:Database:ConnectionString"] = database.ConnectionString;
        foreach (var (key, value) in bucket.ServerSettings())
        {
            all[key] = value;
        }

        var server = await OcmTestServer.StartAsync(Address, all, OnClock(time));
        return new Store(
            server,
            async () => (await bucket.KeysAsync(S3FileStore.BlobPrefix)).Count,
            async () =>
            {
                await database.DisposeAsync();
                await bucket.DisposeAsync();
            });
    }
}
