using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Ocm.SyncClients;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Users;
using Ocm.Tests.WebDav;

#pragma warning disable CA5350 // SHA-1 is the checksum sync clients send; nothing here is security.

namespace Ocm.Tests.SyncClients;

/// <summary>
/// What Nextcloud and ownCloud clients ask of a server, request by request, on an in-process server: status.php, the
/// OCS envelopes, chunked uploads in both chunk-naming schemes and their failure modes, and the cleanup of abandoned
/// uploads on a clock the test moves.
/// </summary>
public sealed class SyncClientProtocolTests(SyncClientProtocolTests.ServerFixture fixture) : IClassFixture<SyncClientProtocolTests.ServerFixture>, IAsyncLifetime
{
    private static readonly XNamespace D = "DAV:";
    private OcmTestServer _server = null!;
    private HttpClient _alice = null!;
    private string _name = "";

    /// <summary>One server for the class (a start costs seconds); each test signs in as a user of its own.</summary>
    public sealed class ServerFixture : IAsyncLifetime
    {
        private int _users;

        internal ManualTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        internal OcmTestServer Server { get; private set; } = null!;

        public string NextUserName() => "user" + Interlocked.Increment(ref _users).ToString(System.Globalization.CultureInfo.InvariantCulture);

        public async Task InitializeAsync()
        {
            Server = await OcmTestServer.StartAsync(
                "127.0.1.1",
                TestUsers.Settings(("Ocm:SyncClients:AbandonedUploadSeconds", "3600")),
                services => services.AddSingleton<TimeProvider>(Clock));
            await TestUsers.CreateAsync(Server, "bob");
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public async Task InitializeAsync()
    {
        _server = fixture.Server;
        _name = fixture.NextUserName();
        await TestUsers.CreateAsync(_server, _name);
        _alice = Client(_name);
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task StatusPhp_Anonymous_ReportsInstalledAndVersion()
    {
        using var response = await _server.Client.GetAsync("status.php");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(json.GetProperty("installed").GetBoolean());
        Assert.False(json.GetProperty("maintenance").GetBoolean());
        Assert.False(json.GetProperty("needsDbUpgrade").GetBoolean());
        Assert.Equal("28.0.0.11", json.GetProperty("version").GetString());
        Assert.Equal("28.0.0", json.GetProperty("versionstring").GetString());
    }

    [Fact]
    public async Task Capabilities_V1Json_V2Xml_SameContentAndStatusCodes()
    {
        using var v1 = await OcsAsync(_alice, "ocs/v1.php/cloud/capabilities?format=json");
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.StartsWith("application/json", v1.Content.Headers.ContentType!.ToString());
        var ocs = JsonDocument.Parse(await v1.Content.ReadAsStringAsync()).RootElement.GetProperty("ocs");
        Assert.Equal(100, ocs.GetProperty("meta").GetProperty("statuscode").GetInt32());
        Assert.Equal("ok", ocs.GetProperty("meta").GetProperty("status").GetString());
        var capabilities = ocs.GetProperty("data").GetProperty("capabilities");
        Assert.Equal("remote.php/webdav", capabilities.GetProperty("core").GetProperty("webdav-root").GetString());
        Assert.Equal("1.0", capabilities.GetProperty("dav").GetProperty("chunking").GetString());
        Assert.True(capabilities.GetProperty("files").GetProperty("bigfilechunking").GetBoolean());
        Assert.Equal("SHA1", capabilities.GetProperty("checksums").GetProperty("preferredUploadType").GetString());
        Assert.Equal(["SHA1"], capabilities.GetProperty("checksums").GetProperty("supportedTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(28, ocs.GetProperty("data").GetProperty("version").GetProperty("major").GetInt32());

        // XML is the default format; v2 reports HTTP-style status codes.
        using var v2 = await OcsAsync(_alice, "ocs/v2.php/cloud/capabilities");
        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
        var xml = XDocument.Parse(await v2.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("ocs", xml.Name.LocalName);
        Assert.Equal("200", xml.Element("meta")!.Element("statuscode")!.Value);
        var xmlCapabilities = xml.Element("data")!.Element("capabilities")!;
        Assert.Equal("1.0", xmlCapabilities.Element("dav")!.Element("chunking")!.Value);
        Assert.Equal("SHA1", xmlCapabilities.Element("checksums")!.Element("supportedTypes")!.Element("element")!.Value);
        Assert.Equal("remote.php/webdav", xmlCapabilities.Element("core")!.Element("webdav-root")!.Value);

        // Accept: application/json works as well as ?format=json.
        var viaAccept = new HttpRequestMessage(HttpMethod.Get, "ocs/v2.php/cloud/capabilities");
        viaAccept.Headers.Add("OCS-APIREQUEST", "true");
        viaAccept.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var json = await _alice.SendAsync(viaAccept);
        Assert.Equal(200, JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.GetProperty("ocs").GetProperty("meta").GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public async Task Ocs_WithoutApiRequestHeaderOrCredentials_Refused()
    {
        using var noHeader = await _alice.GetAsync("ocs/v2.php/cloud/capabilities?format=json");
        Assert.Equal(HttpStatusCode.PreconditionFailed, noHeader.StatusCode);
        Assert.Equal("failure", JsonDocument.Parse(await noHeader.Content.ReadAsStringAsync()).RootElement.GetProperty("ocs").GetProperty("meta").GetProperty("status").GetString());

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "ocs/v1.php/cloud/user?format=json");
        anonymous.Headers.Add("OCS-APIREQUEST", "true");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.SendAsync(anonymous)).StatusCode);

        using var unknown = await OcsAsync(_alice, "ocs/v2.php/apps/notifications/api/v2/notifications?format=json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task CloudUser_ReturnsIdAndDisplayName()
    {
        using var response = await OcsAsync(_alice, "ocs/v1.php/cloud/user?format=json");
        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ocs").GetProperty("data");
        Assert.Equal(_name, data.GetProperty("id").GetString());
        Assert.Equal(_name, data.GetProperty("display-name").GetString());
        Assert.True(data.GetProperty("quota").GetProperty("free").GetInt64() > 0);
    }

    [Fact]
    public async Task ChunkedUpload_IndexNamesOutOfOrder_AssembledInOrderWithChecksumAndMtime()
    {
        var content = RandomBytes(3_000_001, seed: 1);
        var parts = Split(content, 1_000_000);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/4711", ("OC-Total-Length", "3000001"))).StatusCode);
        foreach (var index in (int[])[2, 0, 3, 1])
        {
            Assert.Equal(HttpStatusCode.Created, (await PutAsync($"remote.php/dav/uploads/{_name}/4711/{index:D16}", parts[index])).StatusCode);
        }

        // A client resuming an upload lists what arrived.
        using var listing = await SendAsync("PROPFIND", $"remote.php/dav/uploads/{_name}/4711/", ("Depth", "1"));
        Assert.Equal(HttpStatusCode.MultiStatus, listing.StatusCode);
        var lengths = XDocument.Parse(await listing.Content.ReadAsStringAsync()).Descendants(D + "getcontentlength").Select(e => long.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([1_000_000L, 1_000_000, 1_000_000, 1], lengths);

        using var move = await SendAsync(
            "MOVE",
            $"remote.php/dav/uploads/{_name}/4711/.file",
            ("Destination", $"/remote.php/dav/files/{_name}/big%20file.bin"),
            ("OC-Total-Length", "3000001"),
            ("OC-Checksum", "SHA1:" + Convert.ToHexStringLower(SHA1.HashData(content))),
            ("X-OC-Mtime", "1700000000"));
        Assert.Equal(HttpStatusCode.Created, move.StatusCode);
        Assert.Equal("accepted", move.Headers.GetValues("X-OC-MTime").Single());
        Assert.Equal(move.Headers.ETag!.Tag, move.Headers.GetValues("OC-ETag").Single());
        Assert.Matches("^\\d{8}oc[a-z0-9]+$", move.Headers.GetValues("OC-FileId").Single());

        using var download = await _alice.GetAsync($"remote.php/dav/files/{_name}/big%20file.bin");
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero), download.Content.Headers.LastModified);
        Assert.Equal("SHA1:" + Convert.ToHexStringLower(SHA1.HashData(content)), download.Headers.GetValues("OC-Checksum").Single());

        // Assembled uploads are gone, from the listing and from the disk.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("PROPFIND", $"remote.php/dav/uploads/{_name}/4711/", ("Depth", "1"))).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(ChunkRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ChunkedUpload_ByteOffsetNames_ReplacesFileAndKeepsItsId()
    {
        await _alice.PutTextAsync($"remote.php/dav/files/{_name}/doc.bin", "old");
        using var before = await _alice.SendAsync(DavRequests.Method("HEAD", $"remote.php/dav/files/{_name}/doc.bin"));
        var fileId = before.Headers.GetValues("OC-FileId").Single();

        var content = RandomBytes(2_500_000, seed: 2);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/oc-2"))!.StatusCode);
        foreach (var (offset, length) in new[] { (0, 1_000_000), (1_000_000, 1_000_000), (2_000_000, 500_000) })
        {
            Assert.Equal(HttpStatusCode.Created, (await PutAsync($"remote.php/dav/uploads/{_name}/oc-2/{offset:D16}", content.AsSpan(offset, length).ToArray())).StatusCode);
        }

        // ownCloud's MOVE carries the ETag it knows in an If header tagged with the destination.
        using var move = await SendAsync(
            "MOVE",
            $"remote.php/dav/uploads/{_name}/oc-2/.file",
            ("Destination", _server.BaseUri + $"remote.php/dav/files/{_name}/doc.bin"),
            ("OC-Total-File-Length", "2500000"),
            ("If", $"<{_server.BaseUri}remote.php/dav/files/{_name}/doc.bin> ([{before.Headers.ETag!.Tag}])"));
        Assert.Equal(HttpStatusCode.NoContent, move.StatusCode);
        Assert.Equal(fileId, move.Headers.GetValues("OC-FileId").Single());
        Assert.Equal(content, await _alice.GetByteArrayAsync($"remote.php/dav/files/{_name}/doc.bin"));
    }

    [Fact]
    public async Task ChunkedUpload_StaleETag_412AndServerVersionKept()
    {
        await _alice.PutTextAsync($"remote.php/dav/files/{_name}/shared.txt", "first");
        using var head = await _alice.SendAsync(DavRequests.Method("HEAD", $"remote.php/dav/files/{_name}/shared.txt"));
        var staleTag = head.Headers.ETag!.Tag;
        await _alice.PutTextAsync($"remote.php/dav/files/{_name}/shared.txt", "changed by another client");

        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/stale");
        await PutAsync($"remote.php/dav/uploads/{_name}/stale/0000000000000000", Encoding.UTF8.GetBytes("mine"));
        using var move = await SendAsync(
            "MOVE",
            $"remote.php/dav/uploads/{_name}/stale/.file",
            ("Destination", $"/remote.php/dav/files/{_name}/shared.txt"),
            ("If", $"</remote.php/dav/files/{_name}/shared.txt> ([{staleTag}])"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, move.StatusCode);
        Assert.Equal("changed by another client", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/shared.txt"));

        // If-Match on the MOVE is about the destination as well.
        using var ifMatch = await SendAsync(
            "MOVE", $"remote.php/dav/uploads/{_name}/stale/.file", ("Destination", $"/remote.php/dav/files/{_name}/shared.txt"), ("If-Match", staleTag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ifMatch.StatusCode);
    }

    [Fact]
    public async Task ChunkedUpload_LockedDestination_423UnlessTokenSubmitted()
    {
        using var lockResponse = await _alice.SendAsync(DavRequests.Method("LOCK", $"remote.php/dav/files/{_name}/locked.txt", """
            <?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>
            """));
        Assert.True(lockResponse.IsSuccessStatusCode, $"LOCK: {(int)lockResponse.StatusCode}");
        var token = lockResponse.Headers.GetValues("Lock-Token").Single();

        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/locked");
        await PutAsync($"remote.php/dav/uploads/{_name}/locked/0000000000000000", Encoding.UTF8.GetBytes("new"));
        var destination = ("Destination", $"/remote.php/dav/files/{_name}/locked.txt");
        Assert.Equal(HttpStatusCode.Locked, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/locked/.file", destination)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/locked/.file", destination, ("If", "not an if header"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(
            "MOVE", $"remote.php/dav/uploads/{_name}/locked/.file", destination, ("If", $"</remote.php/dav/files/{_name}/locked.txt> ({token})"))).StatusCode);
        Assert.Equal("new", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/locked.txt"));
    }

    [Fact]
    public async Task ChunkedUpload_IfUnmodifiedSinceBeforeTheFileChanged_412AndServerVersionKept()
    {
        // The file was last modified at 2023-11-14 22:13:20 UTC (X-OC-Mtime 1700000000).
        Assert.Equal(HttpStatusCode.Created, (await _alice.PutTextAsync($"remote.php/dav/files/{_name}/dated.txt", "server version", ("X-OC-Mtime", "1700000000"))).StatusCode);
        await StartUploadAsync("dated", "client version");

        using var stale = await AssembleAsync("dated", "dated.txt", ("If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("server version", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/dated.txt"));

        using var current = await AssembleAsync("dated", "dated.txt", ("If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"));
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
        Assert.Equal("client version", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/dated.txt"));
    }

    [Fact]
    public async Task ChunkedUpload_SharedLocks_423WithoutOwnToken_AcceptedWithIt()
    {
        await _alice.PutTextAsync($"remote.php/dav/files/{_name}/team.txt", "v1");

        // Someone else holds a shared lock on the file: a share's recipient, whose locks are theirs alone (RFC 4918 §6.4).
        const string OthersToken = "urn:uuid:6f1c2b9e-0000-4000-8000-000000000001";
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var ownerId = scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>().Set<Ocm.Users.User>().Single(u => u.Name == _name).Id;
            var (taken, _) = await scope.ServiceProvider.GetRequiredService<Ocm.Files.FileLocks>().AcquireAsync(
                new Ocm.Files.FileLock { Token = OthersToken, OwnerId = ownerId, Path = "team.txt", Exclusive = false, Principal = Ocm.Files.LockPrincipal.Share(7), TimeoutSeconds = 600 },
                CancellationToken.None);
            Assert.NotNull(taken);
        }

        await StartUploadAsync("team", "v2");
        var tag = $"</remote.php/dav/files/{_name}/team.txt>";
        Assert.Equal(HttpStatusCode.Locked, (await AssembleAsync("team", "team.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.Locked, (await AssembleAsync("team", "team.txt", ("If", $"{tag} (<{OthersToken}>)"))).StatusCode);
        Assert.Equal("v1", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/team.txt"));

        // The uploader takes a shared lock of its own: its token is enough, the other shared lock notwithstanding (RFC 4918 §6.2).
        using var lockResponse = await _alice.SendAsync(DavRequests.Method("LOCK", $"remote.php/dav/files/{_name}/team.txt", """
            <?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:shared/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>
            """));
        Assert.Equal(HttpStatusCode.OK, lockResponse.StatusCode);
        var ownToken = lockResponse.Headers.GetValues("Lock-Token").Single();
        Assert.Equal(HttpStatusCode.NoContent, (await AssembleAsync("team", "team.txt", ("If", $"{tag} ({ownToken})"))).StatusCode);
        Assert.Equal("v2", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/team.txt"));
    }

    [Fact]
    public async Task ChunkedUpload_NewFileInFolderLockedAtDepthZero_423UnlessFoldersTokenSubmitted()
    {
        await _alice.MkColAsync(_name, "Inbox");
        using var lockResponse = await _alice.SendAsync(DavRequests.Method("LOCK", $"remote.php/dav/files/{_name}/Inbox", """
            <?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>
            """, ("Depth", "0")));
        Assert.Equal(HttpStatusCode.OK, lockResponse.StatusCode);
        var token = lockResponse.Headers.GetValues("Lock-Token").Single();
        await StartUploadAsync("inbox", "new");

        // A depth-0 lock on a folder protects its membership (RFC 4918 §7.5), as for a PUT of a new file.
        Assert.Equal(HttpStatusCode.Locked, (await AssembleAsync("inbox", "Inbox/new.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"remote.php/dav/files/{_name}/Inbox/new.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await AssembleAsync("inbox", "Inbox/new.txt", ("If", $"</remote.php/dav/files/{_name}/Inbox> ({token})"))).StatusCode);
        Assert.Equal("new", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/Inbox/new.txt"));
    }

    [Fact]
    public async Task ChunkedUpload_IfMatchAndIfNoneMatch_CompareEntityTagsAsTheRfcSays()
    {
        using var put = await _alice.PutTextAsync($"remote.php/dav/files/{_name}/tagged.txt", "v1");
        var etag = put.Headers.ETag!.Tag; // quoted, strong
        var opaque = etag.Trim('"');
        await StartUploadAsync("tagged", "v2");

        // If-Match compares strongly: a weak tag never matches (RFC 9110 §13.1.1).
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await AssembleAsync("tagged", "tagged.txt", ("If-Match", "W/" + etag))).StatusCode);
        // If-None-Match compares weakly: the weak form of the current tag matches, so the upload must not go ahead (RFC 9110 §13.1.2).
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await AssembleAsync("tagged", "tagged.txt", ("If-None-Match", "W/" + etag))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await AssembleAsync("tagged", "tagged.txt", ("If-None-Match", etag))).StatusCode);
        // An unquoted tag is not an entity tag: refused, naming the header, rather than ignored.
        using var unquoted = await AssembleAsync("tagged", "tagged.txt", ("If-Match", opaque));
        Assert.Equal(HttpStatusCode.BadRequest, unquoted.StatusCode);
        Assert.Contains("If-Match", await unquoted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("v1", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/tagged.txt"));

        Assert.Equal(HttpStatusCode.NoContent, (await AssembleAsync("tagged", "tagged.txt", ("If-Match", etag), ("If-None-Match", "\"other\""))).StatusCode);
        Assert.Equal("v2", await _alice.GetStringAsync($"remote.php/dav/files/{_name}/tagged.txt"));
    }

    [Fact]
    public async Task ChunkedUpload_ChecksumMismatch_400AndNothingStored()
    {
        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/bad-sum");
        await PutAsync($"remote.php/dav/uploads/{_name}/bad-sum/0000000000000000", RandomBytes(100_000, seed: 3));
        using var move = await SendAsync(
            "MOVE",
            $"remote.php/dav/uploads/{_name}/bad-sum/.file",
            ("Destination", $"/remote.php/dav/files/{_name}/sum.bin"),
            ("OC-Checksum", "SHA1:0000000000000000000000000000000000000000"));
        Assert.Equal(HttpStatusCode.BadRequest, move.StatusCode);
        Assert.Contains("checksum", await move.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"remote.php/dav/files/{_name}/sum.bin")).StatusCode);

        // The client gives the upload up.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("DELETE", $"remote.php/dav/uploads/{_name}/bad-sum")).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(ChunkRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ChunkedUpload_BadInput_Clear4xx()
    {
        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/gap");
        await PutAsync($"remote.php/dav/uploads/{_name}/gap/0000000000000000", new byte[10]);
        await PutAsync($"remote.php/dav/uploads/{_name}/gap/0000000000000002", new byte[10]);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/gap/.file", ("Destination", $"/remote.php/dav/files/{_name}/gap.bin"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(
            "MOVE", $"remote.php/dav/uploads/{_name}/gap/.file", ("Destination", $"/remote.php/dav/files/{_name}/x"), ("OC-Total-Length", "nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync($"remote.php/dav/uploads/{_name}/gap/chunk-a", new byte[1])).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync($"remote.php/dav/uploads/{_name}/never-started/0000000000000000", new byte[1])).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/gap")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/gap/.file")).StatusCode);
        await PutAsync($"remote.php/dav/uploads/{_name}/gap/0000000000000001", new byte[10]);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/gap/.file", ("Destination", "/remote.php/dav/files/bob/x.bin"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/gap/.file", ("Destination", $"/remote.php/dav/files/{_name}/no/such/folder.bin"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("MKCOL", "remote.php/dav/uploads/bob/mine")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _alice.GetAsync($"remote.php/dav/uploads/{_name}/gap/0000000000000000")).StatusCode);
        using var bob = Client("bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(DavRequests.Method("PROPFIND", $"remote.php/dav/uploads/{_name}/gap/", null, ("Depth", "1")))).StatusCode);
    }

    [Fact]
    public async Task ChunkedUpload_OverQuota_507()
    {
        var smallName = fixture.NextUserName();
        await TestUsers.CreateAsync(_server, smallName, quotaBytes: 1_000_000);
        using var small = Client(smallName);
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await small.SendAsync(DavRequests.Method("MKCOL", $"remote.php/dav/uploads/{smallName}/1", null, ("OC-Total-Length", "2000000")))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await small.SendAsync(DavRequests.Method("MKCOL", $"remote.php/dav/uploads/{smallName}/2"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await small.PutAsync($"remote.php/dav/uploads/{smallName}/2/0000000000000000", new ByteArrayContent(new byte[600_000]))).StatusCode);
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await small.PutAsync($"remote.php/dav/uploads/{smallName}/2/0000000000000001", new ByteArrayContent(new byte[600_000]))).StatusCode);
    }

    [Fact]
    public async Task AbandonedUpload_OlderThanConfiguredAge_Swept_ActiveOneKept()
    {
        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/abandoned");
        await PutAsync($"remote.php/dav/uploads/{_name}/abandoned/0000000000000000", new byte[1000]);
        var store = _server.GetRequiredService<IChunkStore>();

        fixture.Clock.Advance(TimeSpan.FromMinutes(50));
        await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/active");
        await store.SweepAbandonedAsync(default);
        Assert.Equal(HttpStatusCode.MultiStatus, (await SendAsync("PROPFIND", $"remote.php/dav/uploads/{_name}/abandoned/", ("Depth", "1"))).StatusCode);

        fixture.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.True(await store.SweepAbandonedAsync(default) >= 1);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("PROPFIND", $"remote.php/dav/uploads/{_name}/abandoned/", ("Depth", "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync($"remote.php/dav/uploads/{_name}/abandoned/0000000000000001", new byte[10])).StatusCode);
        Assert.Equal(HttpStatusCode.MultiStatus, (await SendAsync("PROPFIND", $"remote.php/dav/uploads/{_name}/active/", ("Depth", "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("DELETE", $"remote.php/dav/uploads/{_name}/active")).StatusCode);
    }

    [Fact]
    public async Task PropFind_SyncClientProperties_AnsweredWithPermissions()
    {
        await _alice.PutTextAsync($"remote.php/dav/files/{_name}/p.txt", "p");
        using var response = await _alice.SendAsync(DavRequests.Method("PROPFIND", $"remote.php/dav/files/{_name}/", """
            <?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>
            <d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getetag/><oc:size/><oc:id/><oc:fileid/><oc:downloadURL/><oc:dDC/>
            <oc:permissions/><oc:checksums/><oc:data-fingerprint/><oc:share-types/></d:prop>M</d:propfind>
            """, ("Depth", "1")));
        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        XNamespace oc = "http://owncloud.org/ns";
        var byHref = XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(D + "response").ToDictionary(r => r.Element(D + "href")!.Value);
        var root = Found(byHref[$"/remote.php/dav/files/{_name}/"]);
        Assert.Equal("", root.Element(oc + "data-fingerprint")!.Value);
        Assert.NotNull(root.Element(oc + "share-types"));
        Assert.Equal("RGDNVCK", root.Element(oc + "permissions")!.Value);
        var file = Found(byHref[$"/remote.php/dav/files/{_name}/p.txt"]);
        Assert.Equal("RGDNVW", file.Element(oc + "permissions")!.Value);
        Assert.NotNull(file.Element(oc + "downloadURL"));
        Assert.NotNull(file.Element(oc + "dDC"));
        Assert.NotNull(file.Element(oc + "share-types"));
        Assert.StartsWith("SHA1:", file.Element(oc + "checksums")!.Value);

        static XElement Found(XElement response) =>
            response.Elements(D + "propstat").Single(p => p.Element(D + "status")!.Value.Contains("200", StringComparison.Ordinal)).Element(D + "prop")!;
    }

    /// <summary>Where this test's user's chunks are kept on disk.</summary>
    private string ChunkRoot
    {
        get
        {
            using var scope = _server.Services.CreateScope();
            var id = scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>().Set<Ocm.Users.User>().Single(u => u.Name == _name).Id;
            var folder = Path.Combine(_server.DataDir, "chunks", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    private HttpClient Client(string name)
    {
        var client = new HttpClient { BaseAddress = _server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{TestUsers.Password}")));
        return client;
    }

    private static Task<HttpResponseMessage> OcsAsync(HttpClient client, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("OCS-APIREQUEST", "true");
        return client.SendAsync(request);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string url, params (string Name, string Value)[] headers) =>
        _alice.SendAsync(DavRequests.Method(method, url, null, headers));

    private Task<HttpResponseMessage> PutAsync(string url, byte[] content) => _alice.PutAsync(url, new ByteArrayContent(content));

    /// <summary>Starts upload <paramref name="transferId"/> with one chunk holding <paramref name="content"/>.</summary>
    private async Task StartUploadAsync(string transferId, string content)
    {
        Assert.Equal(HttpStatusCode.Created, (await SendAsync("MKCOL", $"remote.php/dav/uploads/{_name}/{transferId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync($"remote.php/dav/uploads/{_name}/{transferId}/0000000000000000", Encoding.UTF8.GetBytes(content))).StatusCode);
    }

    /// <summary>The final MOVE of upload <paramref name="transferId"/> onto <paramref name="file"/> in the user's files.</summary>
    private Task<HttpResponseMessage> AssembleAsync(string transferId, string file, params (string Name, string Value)[] headers) =>
        SendAsync("MOVE", $"remote.php/dav/uploads/{_name}/{transferId}/.file", [("Destination", $"/remote.php/dav/files/{_name}/{file}"), .. headers]);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static List<byte[]> Split(byte[] content, int size) =>
        Enumerable.Range(0, (content.Length + size - 1) / size).Select(i => content.AsSpan(i * size, Math.Min(size, content.Length - (i * size))).ToArray()).ToList();
}
