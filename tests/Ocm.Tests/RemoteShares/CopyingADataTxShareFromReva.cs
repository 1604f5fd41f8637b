using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// A Reva/CERNBox server (scripted on 127.0.34.4) sends bob on our server (127.0.34.3) a folder as Reva shapes a
/// transfer share: <c>name: "multi"</c>, an empty <c>options</c>, and only a ≤1.2 <c>datatx</c> object
/// (<c>srcUri</c>, <c>sharedSecret</c>, <c>size</c>). Bob sees the copy offer, copies the folder, and gets its files;
/// the sender lists no checksums, so the copy is verified by size and says so.
/// </summary>
public sealed class CopyingADataTxShareFromReva : IAsyncLifetime
{
    private const string Secret = "reva-transfer-secret-51";
    private const string Csv = "run,energy\n1,13.6\n2,27.2\n";
    private const string Notes = "calibrated on 2026-11-30";

    private OcmTestServer _server = null!;
    private FakeOcmPeer _reva = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.34.3", new Dictionary<string, string?>
        {
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Shares:TransferPollSeconds"] = "0.2",
        });
        _bob = await _server.CreateUserAsync("bob", "Bob Builder");
        _reva = await FakeOcmPeer.StartAsync("127.0.34.4", ServeAsync, (document, _) =>
        {
            document["apiVersion"] = "1.1.0";
            document["provider"] = "CERNBox";
            document["capabilities"] = new JsonArray("/invite-accepted", "/notifications");
            document["resourceTypes"] = JsonNode.Parse("""
                [{ "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/remote.php/dav/ocm/", "webapp": "/external/sciencemesh/", "datatx": "/remote.php/dav/ocm/" } }]
                """);
        });
    }

    public async Task DisposeAsync()
    {
        _bob.Dispose();
        await _reva.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>Reva's OCM WebDAV: the transfer's folder with a CSV file and a subfolder, Bearer with the share's secret.</summary>
    private static async Task ServeAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/ocm/notifications", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsync("{}");
            return;
        }

        if (context.Request.Headers.Authorization.ToString() != "Bearer " + Secret)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        const string Root = "/remote.php/dav/ocm/tx-77/";
        var depth = context.Request.Headers["Depth"].ToString();
        switch (context.Request.Method, path)
        {
            case ("PROPFIND", Root):
                await MultistatusAsync(context, depth == "0"
                    ? [(Root, true, 0)]
                    : [(Root, true, 0), (Root + "run-1.csv", false, Csv.Length), (Root + "calib/", true, 0)]);
                return;
            case ("PROPFIND", Root + "calib/"):
                await MultistatusAsync(context, depth == "0" ? [(Root + "calib/", true, 0)] : [(Root + "calib/", true, 0), (Root + "calib/notes.txt", false, Notes.Length)]);
                return;
            case ("GET", Root + "run-1.csv"):
                await context.Response.WriteAsync(Csv);
                return;
            case ("GET", Root + "calib/notes.txt"):
                await context.Response.WriteAsync(Notes);
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private static async Task MultistatusAsync(HttpContext context, (string Href, bool Folder, int Size)[] entries)
    {
        var xml = new StringBuilder("""<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">""");
        foreach (var (href, folder, size) in entries)
        {
            xml.Append("<d:response><d:href>").Append(href).Append("</d:href><d:propstat><d:prop>")
                .Append(folder ? "<d:resourcetype><d:collection/></d:resourcetype>" : $"<d:resourcetype/><d:getcontentlength>{size}</d:getcontentlength>")
                .Append("<d:getetag>\"e-").Append(href.Length).Append("\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>");
        }

        xml.Append("</d:multistatus>");
        context.Response.StatusCode = 207;
        context.Response.ContentType = "application/xml; charset=utf-8";
        await context.Response.WriteAsync(xml.ToString());
    }

    [Fact]
    public async Task RevaDataTxShare_IsOfferedForCopying_AndCopiedIntoBobsFiles()
    {
        using (var peer = new HttpClient { BaseAddress = _server.BaseUri })
        using (var offered = await peer.PostAsync("ocm/shares", new StringContent($$"""
            { "shareWith": "bob@{{_server.Authority}}", "name": "beamtime-2026", "providerId": "tx-77",
              "owner": "einstein@{{_reva.Authority}}", "sender": "einstein@{{_reva.Authority}}",
              "ownerDisplayName": "Albert Einstein", "senderDisplayName": "Albert Einstein",
              "shareType": "user", "resourceType": "folder",
              "protocol": { "name": "multi", "options": {},
                "datatx": { "srcUri": "http://{{_reva.Authority}}/remote.php/dav/ocm/tx-77", "sharedSecret": "{{Secret}}", "size": {{Csv.Length + Notes.Length}} } } }
            """, Encoding.UTF8, "application/json")))
        {
            Assert.True(offered.StatusCode == HttpStatusCode.Created, $"{(int)offered.StatusCode} {await offered.Content.ReadAsStringAsync()}");
        }

        var received = await _bob.GetJsonAsync("api/v1/received-shares?state=pending");
        var share = received.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "beamtime-2026");
        Assert.True(share.GetProperty("dataTransfer").GetBoolean());
        var id = share.GetProperty("id").GetInt64();
        await _bob.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);

        var started = await _bob.PostJsonAsync($"api/v1/received-shares/{id}/copy", new { destination = "/Beamtime" }, 202);
        var done = await OcmTestServerExtensions.EventuallyAsync(
            () => _bob.GetJsonAsync($"api/v1/transfers/{started.GetProperty("id").GetInt64()}"),
            t => t.GetProperty("state").GetString() != "queued",
            "the copy to end");
        Assert.True(done.GetProperty("state").GetString() == "done", done.ToString());
        Assert.Equal(2, done.GetProperty("filesDone").GetInt32());
        Assert.Equal(Csv.Length + Notes.Length, done.GetProperty("bytesDone").GetInt64());
        Assert.StartsWith("size only", done.GetProperty("verification").GetString(), StringComparison.Ordinal);

        Assert.Equal(Csv, await _bob.GetStringAsync("dav/files/bob/Beamtime/run-1.csv"));
        Assert.Equal(Notes, await _bob.GetStringAsync("dav/files/bob/Beamtime/calib/notes.txt"));
    }
}
