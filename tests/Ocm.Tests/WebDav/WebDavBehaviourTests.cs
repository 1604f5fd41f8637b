using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.WebDav;

/// <summary>What a WebDAV client sees, on SQLite and on PostgreSQL: the tree, sizes and ETags, concurrency, quota, locks.</summary>
public sealed partial class WebDavBehaviourTests
{
    private static readonly XNamespace D = "DAV:";
    private static readonly XNamespace Oc = "http://owncloud.org/ns";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Tree_MoveCopyDelete_KeepIdsSizesETagsAndProperties(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider);
        var dav = env.Client;
        var rootETagBefore = (await PropsAsync(dav, "", "0"))[""].ETag;

        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "a"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "a/b"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("a/b/one.txt", "0123456789")).StatusCode);
        await SetPropertyAsync(dav, "a/b/one.txt", "colour", "blue");

        var after = await PropsAsync(dav, "", "1");
        Assert.NotEqual(rootETagBefore, after[""].ETag);
        Assert.Equal(10, after[""].Size);
        Assert.Equal(10, after["a"].Size);
        var fileId = (await PropsAsync(dav, "a/b/one.txt", "0"))["a/b/one.txt"].FileId;

        using (var move = await dav.SendAsync(DavRequests.Method("MOVE", "a/b", null, ("Destination", "/dav/files/user/moved"))))
        {
            Assert.Equal(HttpStatusCode.Created, move.StatusCode);
        }

        var moved = await PropsAsync(dav, "moved/one.txt", "0");
        Assert.Equal(fileId, moved["moved/one.txt"].FileId);
        Assert.Equal("blue", await GetPropertyAsync(dav, "moved/one.txt", "colour"));
        Assert.Equal(HttpStatusCode.NotFound, (await dav.PropFindAsync("a/b", "0")).StatusCode);
        var sizes = await PropsAsync(dav, "", "1");
        Assert.Equal(0, sizes["a"].Size);
        Assert.Equal(10, sizes["moved"].Size);
        Assert.Equal(10, sizes[""].Size);

        using (var copy = await dav.SendAsync(DavRequests.Method("COPY", "moved", null, ("Destination", env.BaseUri + "remote.php/dav/files/user/copied"))))
        {
            Assert.Equal(HttpStatusCode.Created, copy.StatusCode);
        }

        var copied = await PropsAsync(dav, "copied/one.txt", "0");
        Assert.NotEqual(fileId, copied["copied/one.txt"].FileId);
        Assert.Equal("0123456789", await dav.GetStringAsync("copied/one.txt"));
        Assert.Equal("blue", await GetPropertyAsync(dav, "copied/one.txt", "colour"));
        Assert.Equal(20, (await PropsAsync(dav, "", "0"))[""].Size);

        // Replacing a folder by MOVE with Overwrite: T replaces it whole (RFC 4918 §9.9.3).
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("a/other.txt", "xyz")).StatusCode);
        using (var replace = await dav.SendAsync(DavRequests.Method("MOVE", "copied", null, ("Destination", "/dav/files/user/a"), ("Overwrite", "T"))))
        {
            Assert.Equal(HttpStatusCode.NoContent, replace.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await dav.GetAsync("a/other.txt")).StatusCode);
        Assert.Equal("0123456789", await dav.GetStringAsync("a/one.txt"));
        Assert.Equal(20, (await PropsAsync(dav, "", "0"))[""].Size);

        Assert.Equal(HttpStatusCode.NoContent, (await dav.DeleteAsync("moved/")).StatusCode);
        var final = await PropsAsync(dav, "", "1");
        Assert.Equal(10, final[""].Size);
        Assert.Equal(["", "a"], final.Keys.Order());
        Assert.Single(BlobFiles(env));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ConcurrentPuts_ToOnePath_OneWinsWhole(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider);
        const int size = 4 * 1024 * 1024;
        for (var round = 0; round < 3; round++)
        {
            var bodies = new[] { (byte)'A', (byte)'B', (byte)'C' }.Select(b => Enumerable.Repeat(b, size).ToArray()).ToArray();
            var puts = bodies.Select(async body =>
            {
                using var client = TestUsers.Client(env.BaseUri, "user");
                using var content = new StreamContent(new SlowStream(body));
                using var response = await client.PutAsync("contended.bin", content);
                return response.StatusCode;
            }).ToArray();
            var statuses = await Task.WhenAll(puts);
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.NoContent, s.ToString()));
            Assert.Equal(round == 0 ? 1 : 0, statuses.Count(s => s == HttpStatusCode.Created));

            var result = await env.Client.GetByteArrayAsync("contended.bin");
            Assert.Equal(size, result.Length);
            Assert.Contains(bodies, body => body[0] == result[0]);
            Assert.All(result, b => Assert.Equal(result[0], b));
            Assert.Equal(size, (await PropsAsync(env.Client, "", "0"))[""].Size);
            Assert.Single(BlobFiles(env));
        }
    }

    /// <summary>
    /// Many small uploads at once (what a sync client does with a folder of small files): on SQLite their commits are
    /// grouped into shared transactions, so refused and accepted writes end up in one batch. Each must still get its own
    /// answer, and every folder size must add up to exactly what was stored.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ManyConcurrentSmallPuts_EachGetsItsOwnAnswer_AndSizesAddUp(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider);
        var dav = env.Client;
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "batch"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("batch/taken.txt", "first")).StatusCode);

        async Task<(string Path, HttpStatusCode Status)> PutAsync(string path, int length, bool mustNotExist)
        {
            using var client = TestUsers.Client(env.BaseUri, "user");
            using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(Enumerable.Repeat((byte)'x', length).ToArray()) };
            if (mustNotExist)
            {
                request.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Any);
            }

            using var response = await client.SendAsync(request);
            return (path, response.StatusCode);
        }

        var puts = new List<Task<(string Path, HttpStatusCode Status)>>();
        for (var i = 1; i <= 40; i++)
        {
            puts.Add(PutAsync($"batch/f{i:D2}.bin", i, mustNotExist: false));
            if (i % 5 == 0)
            {
                puts.Add(PutAsync($"missing/f{i:D2}.bin", i, mustNotExist: false));
                puts.Add(PutAsync("batch/taken.txt", i, mustNotExist: true));
            }
        }

        var results = await Task.WhenAll(puts);
        foreach (var (path, status) in results)
        {
            var expected = path.StartsWith("missing/", StringComparison.Ordinal) ? HttpStatusCode.Conflict
                : path == "batch/taken.txt" ? HttpStatusCode.PreconditionFailed
                : HttpStatusCode.Created;
            Assert.True(expected == status, $"{path}: {status}, expected {expected}");
        }

        var listing = await PropsAsync(dav, "batch", "1");
        Assert.Equal(42, listing.Count);
        for (var i = 1; i <= 40; i++)
        {
            Assert.Equal(i, listing[$"batch/f{i:D2}.bin"].Size);
            Assert.Equal(i, (await dav.GetByteArrayAsync($"batch/f{i:D2}.bin")).Length);
        }

        Assert.Equal("first", await dav.GetStringAsync("batch/taken.txt"));
        const long total = (40 * 41 / 2) + 5;
        Assert.Equal(total, listing["batch"].Size);
        Assert.Equal(total, (await PropsAsync(dav, "", "0"))[""].Size);
        Assert.Equal(41, BlobFiles(env).Length);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Quota_ConcurrentUploads_NeverTogetherExceedIt(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider, quotaBytes: 10_000);
        var uploads = Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = TestUsers.Client(env.BaseUri, "user");
            using var response = await client.PutAsync($"part{i}.bin", new ByteArrayContent(new byte[3000]));
            return response.StatusCode;
        }).ToArray();
        var statuses = await Task.WhenAll(uploads);

        // Each upload alone fits; together only three do. The ones that do not fit get 507 and leave nothing behind.
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.InsufficientStorage));
        Assert.Equal(9000, (await PropsAsync(env.Client, "", "0"))[""].Size);
        Assert.Equal(3, BlobFiles(env).Length);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Quota_WritesBeyondIt_Get507_AndLeaveNothing(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider, quotaBytes: 10_000);
        var dav = env.Client;
        Assert.Equal(HttpStatusCode.Created, (await dav.PutAsync("one.bin", new ByteArrayContent(new byte[6000]))).StatusCode);

        using (var over = await dav.PutAsync("two.bin", new ByteArrayContent(new byte[6000])))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, over.StatusCode);
            Assert.Contains("quota-not-exceeded", await over.Content.ReadAsStringAsync());
        }

        // Without a Content-Length the limit is enforced while streaming.
        var chunked = new HttpRequestMessage(HttpMethod.Put, "three.bin") { Content = new StreamContent(new MemoryStream(new byte[6000])) };
        chunked.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await dav.SendAsync(chunked)).StatusCode);

        using (var copy = await dav.SendAsync(DavRequests.Method("COPY", "one.bin", null, ("Destination", "/dav/files/user/copy.bin"))))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, copy.StatusCode);
        }

        // Replacing within the quota is fine: only the difference counts.
        Assert.Equal(HttpStatusCode.NoContent, (await dav.PutAsync("one.bin", new ByteArrayContent(new byte[9000]))).StatusCode);

        var props = await dav.PropFindAsync("", "0", """<d:propfind xmlns:d="DAV:"><d:prop><d:quota-used-bytes/><d:quota-available-bytes/></d:prop></d:propfind>""");
        var xml = XDocument.Parse(await props.Content.ReadAsStringAsync());
        Assert.Equal("9000", xml.Descendants(D + "quota-used-bytes").Single().Value);
        Assert.Equal("1000", xml.Descendants(D + "quota-available-bytes").Single().Value);
        foreach (var missing in (string[])["two.bin", "three.bin", "copy.bin"])
        {
            Assert.Equal(HttpStatusCode.NotFound, (await dav.GetAsync(missing)).StatusCode);
        }

        Assert.Single(BlobFiles(env));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Locks_WithoutTheirToken_Get423(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider);
        var dav = env.Client;
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("doc.txt", "v1")).StatusCode);

        var token = await LockAsync(dav, "doc.txt", exclusive: true, depth: "0", HttpStatusCode.OK);
        using (var blocked = await dav.PutTextAsync("doc.txt", "v2"))
        {
            Assert.Equal((HttpStatusCode)423, blocked.StatusCode);
            Assert.Contains("lock-token-submitted", await blocked.Content.ReadAsStringAsync());
        }

        Assert.Equal((HttpStatusCode)423, (await dav.DeleteAsync("doc.txt")).StatusCode);
        Assert.Equal((HttpStatusCode)423, (await dav.SendAsync(DavRequests.Method("MOVE", "doc.txt", null, ("Destination", "/dav/files/user/x.txt")))).StatusCode);
        await LockAsync(dav, "doc.txt", exclusive: true, depth: "0", (HttpStatusCode)423);
        await LockAsync(dav, "doc.txt", exclusive: false, depth: "0", (HttpStatusCode)423);
        Assert.Equal(HttpStatusCode.NoContent, (await dav.PutTextAsync("doc.txt", "v2", ("If", $"(<{token}>)"))).StatusCode);
        Assert.Equal("v2", await dav.GetStringAsync("doc.txt"));

        // The lock is listed in lockdiscovery until it is released.
        var discovery = await dav.PropFindAsync("doc.txt", "0", """<d:propfind xmlns:d="DAV:"><d:prop><d:lockdiscovery/></d:prop></d:propfind>""");
        Assert.Contains(token!, await discovery.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await dav.SendAsync(DavRequests.Method("UNLOCK", "doc.txt", null, ("Lock-Token", $"<{token}>")))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await dav.PutTextAsync("doc.txt", "v3")).StatusCode);

        // Shared locks coexist; an exclusive one does not join them.
        var shared1 = await LockAsync(dav, "doc.txt", exclusive: false, depth: "0", HttpStatusCode.OK);
        await LockAsync(dav, "doc.txt", exclusive: false, depth: "0", HttpStatusCode.OK);
        await LockAsync(dav, "doc.txt", exclusive: true, depth: "0", (HttpStatusCode)423);
        Assert.Equal(HttpStatusCode.NoContent, (await dav.PutTextAsync("doc.txt", "v4", ("If", $"(<{shared1}>)"))).StatusCode);

        // A depth-infinity lock on a folder protects new members and everything below; tagged If lists submit its token.
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "folder"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("folder/inside.txt", "in")).StatusCode);
        var folderToken = await LockAsync(dav, "folder", exclusive: true, depth: "infinity", HttpStatusCode.OK);
        Assert.Equal((HttpStatusCode)423, (await dav.PutTextAsync("folder/new.txt", "x")).StatusCode);
        Assert.Equal((HttpStatusCode)423, (await dav.DeleteAsync("folder/inside.txt")).StatusCode);
        Assert.Equal((HttpStatusCode)423, (await dav.SendAsync(DavRequests.Method("MKCOL", "folder/sub"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("folder/new.txt", "x", ("If", $"<{env.BaseUri}dav/files/user/folder/> (<{folderToken}>)"))).StatusCode);

        // A lock on a path where nothing is creates an empty file (RFC 4918 §7.3).
        await LockAsync(dav, "unmapped.txt", exclusive: true, depth: "0", HttpStatusCode.Created);
        Assert.Equal("", await dav.GetStringAsync("unmapped.txt"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ConditionalRequests_FollowEtags(string provider)
    {
        await using var env = await DavEnvironment.StartAsync(provider);
        var dav = env.Client;
        using var created = await dav.PutTextAsync("c.txt", "one", ("If-None-Match", "*"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var etag = created.Headers.ETag!.Tag;
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await dav.PutTextAsync("c.txt", "two", ("If-None-Match", "*"))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await dav.PutTextAsync("c.txt", "two", ("If-Match", "\"stale\""))).StatusCode);
        using var replaced = await dav.PutTextAsync("c.txt", "two", ("If-Match", etag));
        Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
        Assert.NotEqual(etag, replaced.Headers.ETag!.Tag);

        var get = new HttpRequestMessage(HttpMethod.Get, "c.txt");
        get.Headers.TryAddWithoutValidation("If-None-Match", replaced.Headers.ETag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await dav.SendAsync(get)).StatusCode);

        var range = new HttpRequestMessage(HttpMethod.Get, "c.txt");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1, 2);
        using var partial = await dav.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("wo", await partial.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SyncClientProperties_HaveTheFormatsClientsParse()
    {
        await using var env = await DavEnvironment.StartAsync(TestDatabases.Sqlite);
        var dav = env.Client;
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "Fotos 2026"))).StatusCode);
        var put = DavRequests.Method("PUT", "Fotos%202026/K%C3%A4se.txt", null, ("X-OC-Mtime", "1700000000"), ("OC-Checksum", "SHA1:4e1243bd22c66e76c2ba9eddc1f91394e57f9f83"));
        put.Content = new StringContent("test\n");
        using var created = await dav.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("accepted", created.Headers.GetValues("X-OC-MTime").Single());
        Assert.Matches("^\\d{8}oc[a-z0-9]{10}$", created.Headers.GetValues("OC-FileId").Single());
        Assert.Equal(created.Headers.ETag!.Tag, created.Headers.GetValues("OC-ETag").Single());

        using var response = await dav.PropFindAsync("Fotos%202026/", "1", """
            <d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>
              <d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getcontenttype/><d:getetag/>
              <oc:id/><oc:fileid/><oc:permissions/><oc:size/><oc:checksums/><oc:downloadURL/><oc:no-such-property/>
            </d:prop></d:propfind>
            """);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var byHref = xml.Descendants(D + "response").ToDictionary(r => r.Element(D + "href")!.Value);
        Assert.Equal(["/dav/files/user/Fotos%202026/", "/dav/files/user/Fotos%202026/K%C3%A4se.txt"], byHref.Keys.Order(StringComparer.Ordinal));

        var folder = byHref["/dav/files/user/Fotos%202026/"];
        Assert.NotNull(folder.Descendants(D + "collection").SingleOrDefault());
        Assert.Equal("RGDNVCK", folder.Descendants(Oc + "permissions").Single().Value);
        Assert.Equal("5", folder.Descendants(Oc + "size").Single().Value);

        var file = byHref["/dav/files/user/Fotos%202026/K%C3%A4se.txt"];
        Assert.Empty(file.Descendants(D + "collection"));
        Assert.Equal("Tue, 14 Nov 2023 22:13:20 GMT", file.Descendants(D + "getlastmodified").Single().Value);
        Assert.Equal("5", file.Descendants(D + "getcontentlength").Single().Value);
        Assert.StartsWith("text/plain", file.Descendants(D + "getcontenttype").Single().Value);
        Assert.Matches("^\"[0-9a-f]+\"$", file.Descendants(D + "getetag").Single().Value);
        Assert.Equal(created.Headers.ETag.Tag, file.Descendants(D + "getetag").Single().Value);
        Assert.Equal(created.Headers.GetValues("OC-FileId").Single(), file.Descendants(Oc + "id").Single().Value);
        Assert.Matches("^\\d+$", file.Descendants(Oc + "fileid").Single().Value);
        Assert.Equal("RGDNVW", file.Descendants(Oc + "permissions").Single().Value);
        Assert.Equal(
            "SHA1:4e1243bd22c66e76c2ba9eddc1f91394e57f9f83 SHA256:f2ca1bb6c7e907d06dafe4687e579fce76b37e4e93b7605022da52e6ccc26fd2",
            file.Descendants(Oc + "checksums").Single().Element(Oc + "checksum")!.Value);
        // Properties the server does not have are listed with 404, not left out.
        var notFound = file.Elements(D + "propstat").Single(p => p.Element(D + "status")!.Value.Contains("404", StringComparison.Ordinal));
        Assert.NotNull(notFound.Descendants(Oc + "no-such-property").SingleOrDefault());
        Assert.Equal("", file.Descendants(Oc + "downloadURL").Single().Value);

        // A checksum that does not match the body is refused and nothing is stored.
        var bad = DavRequests.Method("PUT", "Fotos%202026/bad.txt", null, ("OC-Checksum", "SHA1:0000000000000000000000000000000000000000"));
        bad.Content = new StringContent("other");
        Assert.Equal(HttpStatusCode.BadRequest, (await dav.SendAsync(bad)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dav.GetAsync("Fotos%202026/bad.txt")).StatusCode);

        using var head = await dav.SendAsync(new HttpRequestMessage(HttpMethod.Head, "Fotos%202026/K%C3%A4se.txt"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task PropfindInfinity_WhenEnabled_ListsEverything()
    {
        var settings = TestUsers.Settings(("Ocm:WebDav:AllowInfiniteDepth", "true"));
        await using var server = await OcmTestServer.StartAsync(settings: settings);
        await TestUsers.CreateAsync(server, "user");
        using var dav = TestUsers.Client(server, "user");
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "a"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.SendAsync(DavRequests.Method("MKCOL", "a/b"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dav.PutTextAsync("a/b/c.txt", "c")).StatusCode);
        using var response = await dav.PropFindAsync("", "infinity");
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var hrefs = XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(D + "href").Select(h => h.Value);
        Assert.Equal(["/dav/files/user/", "/dav/files/user/a/", "/dav/files/user/a/b/", "/dav/files/user/a/b/c.txt"], hrefs);
    }

    private sealed record NodeProps(string ETag, long Size, string FileId);

    private static async Task<Dictionary<string, NodeProps>> PropsAsync(HttpClient dav, string path, string depth)
    {
        using var response = await dav.PropFindAsync(path, depth, """
            <d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getetag/><oc:size/><oc:fileid/></d:prop></d:propfind>
            """);
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return xml.Descendants(D + "response").ToDictionary(
            r => Uri.UnescapeDataString(HrefPrefix().Replace(r.Element(D + "href")!.Value, "")).Trim('/'),
            r => new NodeProps(
                r.Descendants(D + "getetag").Single().Value,
                long.Parse(r.Descendants(Oc + "size").Single().Value, CultureInfo.InvariantCulture),
                r.Descendants(Oc + "fileid").Single().Value));
    }

    private static async Task SetPropertyAsync(HttpClient dav, string path, string name, string value)
    {
        using var response = await dav.SendAsync(DavRequests.Method("PROPPATCH", path,
            $"""<d:propertyupdate xmlns:d="DAV:" xmlns:t="urn:test"><d:set><d:prop><t:{name}>{value}</t:{name}></d:prop></d:set></d:propertyupdate>"""));
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        Assert.Contains("200 OK", await response.Content.ReadAsStringAsync());
    }

    private static async Task<string?> GetPropertyAsync(HttpClient dav, string path, string name)
    {
        using var response = await dav.PropFindAsync(path, "0", $"""<d:propfind xmlns:d="DAV:" xmlns:t="urn:test"><d:prop><t:{name}/></d:prop></d:propfind>""");
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return xml.Descendants(XName.Get(name, "urn:test")).FirstOrDefault()?.Value;
    }

    private static async Task<string?> LockAsync(HttpClient dav, string path, bool exclusive, string depth, HttpStatusCode expected)
    {
        var body = $"""
            <d:lockinfo xmlns:d="DAV:"><d:lockscope><d:{(exclusive ? "exclusive" : "shared")}/></d:lockscope><d:locktype><d:write/></d:locktype><d:owner>test</d:owner></d:lockinfo>
            """;
        using var response = await dav.SendAsync(DavRequests.Method("LOCK", path, body, ("Depth", depth), ("Timeout", "Second-600")));
        Assert.Equal(expected, response.StatusCode);
        return response.Headers.TryGetValues("Lock-Token", out var values) ? values.Single().Trim('<', '>') : null;
    }

    private static string[] BlobFiles(DavEnvironment env) =>
        Directory.EnumerateFiles(Path.Combine(env.Server.DataDir, "files"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".uploads", StringComparison.Ordinal))
            .ToArray();

    [GeneratedRegex("^/dav/files/user")]
    private static partial Regex HrefPrefix();

    /// <summary>A body that arrives in pieces, so concurrent uploads really overlap.</summary>
    private sealed class SlowStream(byte[] data) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(1, cancellationToken);
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 256 * 1024)], cancellationToken);
        }
    }
}

/// <summary>An in-process server on SQLite (its data directory) or on a fresh PostgreSQL database, with the user "user".</summary>
internal sealed class DavEnvironment : IAsyncDisposable
{
    private readonly TestDatabase? _database;

    private DavEnvironment(OcmTestServer server, TestDatabase? database)
    {
        Server = server;
        _database = database;
        Client = TestUsers.Client(server, "user");
    }

    public OcmTestServer Server { get; }

    public HttpClient Client { get; }

    public Uri BaseUri => Server.BaseUri;

    public static async Task<DavEnvironment> StartAsync(string provider, long? quotaBytes = null)
    {
        TestDatabase? database = null;
        // These tests count the blobs on disk to catch leaked or lingering contents; with versions on, every overwrite
        // would rightly keep one more (versions are tested in Files/KeepingFileVersions.cs).
        var settings = TestUsers.Settings(("Ocm:Versions:Enabled", "false"));
        if (provider == TestDatabases.Postgres)
        {
            database = await TestDatabases.CreateAsync(provider);
            settings["Ocm:Database:Provider"] = "postgres";
            settings["Ocm:Database:ConnectionString"] = database.ConnectionString;
        }

        var server = await OcmTestServer.StartAsync(settings: settings);
        await TestUsers.CreateAsync(server, "user", quotaBytes);
        return new DavEnvironment(server, database);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
