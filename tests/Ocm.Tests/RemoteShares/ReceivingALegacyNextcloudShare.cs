using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// A Nextcloud ≤ 32 server (scripted on 127.0.4.21, as it sends a share: the 1.0-proposal1 names and <c>options.sharedSecret</c>) shares a file with bob on our server
/// (127.0.4.20): legacy discovery (<c>1.0-proposal1</c>, <c>publicKey</c>, <c>webdav: /public.php/webdav/</c>), the
/// legacy payload (<c>protocol.name = webdav</c>, <c>options.sharedSecret</c>, <c>sharedBy</c>) signed with
/// draft-cavage, and data served only with <c>Basic base64(secret:)</c> — Bearer refused with 401, as Nextcloud does.
/// Bob accepts and reads the file in his tree; the same delivery repeated creates no second share.
/// </summary>
public sealed class ReceivingALegacyNextcloudShare : IAsyncLifetime
{
    private const string Secret = "nc-share-token-7f3a9c";
    private const string Content = "numbers from nextcloud";

    private OcmTestServer _server = null!;
    private FakeOcmPeer _nextcloud = null!;
    private SigningKey _cavageKey = null!;
    private string _cavageKeyId = null!;
    private HttpClient _bob = null!;
    private int _bearerRefusals;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.4.20", new Dictionary<string, string?>
        {
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
            ["Ocm:Delivery:PollSeconds"] = "0.1",
        });
        _bob = await _server.CreateUserAsync("bob", "Bob Builder");
        _nextcloud = await FakeOcmPeer.StartAsync("127.0.4.21", ServeAsync, (document, baseUri) =>
        {
            document["apiVersion"] = "1.0-proposal1";
            document["endPoint"] = new Uri(baseUri, "index.php/ocm").ToString();
            document["capabilities"] = new JsonArray("invite-accepted", "notifications", "shares");
            document["resourceTypes"] = JsonNode.Parse("""[{ "name": "file", "shareTypes": ["user", "group"], "protocols": { "webdav": "/public.php/webdav/" } }]""");
            document["publicKey"] = new JsonObject { ["keyId"] = _cavageKeyId, ["publicKeyPem"] = _cavageKey.ExportPublicKeyPem() };
        });
        _cavageKeyId = CavageSigner.NextcloudKeyId(new Uri(_nextcloud.BaseUri, "index.php/ocm"));
        _cavageKey = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, _cavageKeyId);
    }

    public async Task DisposeAsync()
    {
        _bob.Dispose();
        await _nextcloud.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>Nextcloud's public WebDAV: Basic with the share token as user name; Bearer is a 401.</summary>
    private async Task ServeAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/index.php/ocm/notifications", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsync("{}");
            return;
        }

        if (!path.StartsWith("/public.php/webdav", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret + ":")))
        {
            if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _bearerRefusals);
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(Content);
        switch (context.Request.Method)
        {
            case "PROPFIND":
                context.Response.StatusCode = 207;
                context.Response.ContentType = "application/xml; charset=utf-8";
                await context.Response.WriteAsync($"""
                    <?xml version="1.0"?>
                    <d:multistatus xmlns:d="DAV:"><d:response><d:href>/public.php/webdav/</d:href><d:propstat><d:prop>
                    <d:resourcetype/><d:getcontentlength>{bytes.Length}</d:getcontentlength><d:getetag>"nc-etag-1"</d:getetag>
                    <d:getlastmodified>Fri, 27 Nov 2026 10:00:00 GMT</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>
                    """);
                return;
            case "GET":
                context.Response.ContentType = "text/plain";
                context.Response.Headers.ETag = "\"nc-etag-1\"";
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes);
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
        }
    }

    /// <summary>A permission/expiry change as legacy peers send it: the share's secret in the notification, cavage-signed.</summary>
    private HttpMessage ExpiryChange(object expiration, object? permissions = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            notificationType = "SHARE_CHANGE_PERMISSION",
            resourceType = "file",
            providerId = "4711",
            notification = new { sharedSecret = Secret, permissions = permissions ?? new[] { "read" }, expiration },
        });
        var message = HttpMessage.CreateRequest("POST", new Uri(_server.BaseUri, "ocm/notifications"));
        message.Headers.Add("Content-Type", "application/json");
        message.Body = body;
        new CavageSigner(_cavageKey, _cavageKeyId, CavageSignerOptions.Nextcloud).Sign(message);
        return message;
    }

    /// <summary>The share exactly as Nextcloud 31 sends it: legacy protocol, sharedBy and sender, cavage-signed.</summary>
    private HttpMessage LegacyShare()
    {
        var alice = "alice@" + _nextcloud.Authority;
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            shareWith = "bob@" + _server.Authority,
            name = "numbers.txt",
            description = "",
            providerId = "4711",
            owner = alice,
            ownerDisplayName = "Alice (Nextcloud)",
            sharedBy = alice,
            sharedByDisplayName = "Alice (Nextcloud)",
            sender = alice,
            senderDisplayName = "Alice (Nextcloud)",
            shareType = "user",
            resourceType = "file",
            protocol = new { name = "webdav", options = new { sharedSecret = Secret, permissions = "{http://open-cloud-mesh.org/ns}share-permissions" } },
        });
        var message = HttpMessage.CreateRequest("POST", new Uri(_server.BaseUri, "ocm/shares"));
        message.Headers.Add("Content-Type", "application/json");
        message.Body = body;
        new CavageSigner(_cavageKey, _cavageKeyId, CavageSignerOptions.Nextcloud).Sign(message);
        return message;
    }

    [Fact]
    public async Task LegacyCavageSignedShare_IsReceivedOnce_AcceptedAndReadableInBobsTree()
    {
        var (status, answer) = await SigningPeer.SendAsync(LegacyShare());
        Assert.True(status == 201, $"first delivery: {status} {answer}");
        Assert.Equal("Bob Builder", JsonDocument.Parse(answer).RootElement.GetProperty("recipientDisplayName").GetString());

        // Nextcloud retries when it missed our answer: the same share again (freshly signed) is the same share. A
        // cavage signature over the same Date is byte-identical and would rightly be refused as a replay, so the
        // retry comes a second later, as real retries do.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var (again, _) = await SigningPeer.SendAsync(LegacyShare());
        Assert.Equal(201, again);
        var received = await _bob.GetJsonAsync("api/v1/received-shares");
        var share = Assert.Single(received.EnumerateArray());
        Assert.Equal("numbers.txt", share.GetProperty("name").GetString());
        Assert.Equal("alice@" + _nextcloud.Authority, share.GetProperty("owner").GetString());

        await _bob.PostJsonAsync($"api/v1/received-shares/{share.GetProperty("id").GetInt64()}/accept", new { }, 200);
        Assert.Equal(Content, await _bob.GetStringAsync("dav/files/bob/Shared%20with%20me/numbers.txt"));

        // The legacy share went to /public.php/webdav/ with Basic first: Nextcloud never had to refuse a Bearer.
        Assert.Equal(0, Volatile.Read(ref _bearerRefusals));
        Assert.Contains(_nextcloud.Received, r => r.Method == "GET" && r.Path == "/public.php/webdav/");

        // Accepting told Nextcloud, with what it needs to find the share (notification.sharedSecret).
        var accepted = await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(_nextcloud.Received.FirstOrDefault(r => r.Path == "/index.php/ocm/notifications")),
            r => r is not null,
            "SHARE_ACCEPTED to reach Nextcloud");
        var notification = JsonDocument.Parse(accepted!.Body).RootElement;
        Assert.Equal("SHARE_ACCEPTED", notification.GetProperty("notificationType").GetString());
        Assert.Equal(Secret, notification.GetProperty("notification").GetProperty("sharedSecret").GetString());
    }

    [Fact]
    public async Task Change_WithAnExpiryOrPermissionsThatMeanNothing_IsRefusedWith400_AndTheShareStaysAsItWas()
    {
        var (status, _) = await SigningPeer.SendAsync(LegacyShare());
        Assert.Equal(201, status);
        var before = (await _bob.GetJsonAsync("api/v1/received-shares"))[0];

        // An expiry past the year 9999 or not an integer (both were 500s), permissions that are no list of names (were
        // silently ignored): a 400 naming the field, and nothing changed.
        foreach (var nonsense in new object[] { 99_999_999_999_999_999, "tomorrow", 1.5, new[] { 1 } })
        {
            var (refused, answer) = await SigningPeer.SendAsync(ExpiryChange(nonsense));
            Assert.True(refused == 400, $"expiration {JsonSerializer.Serialize(nonsense)}: {refused} {answer}");
            Assert.Contains("expiration", answer, StringComparison.Ordinal);
        }

        foreach (var nonsense in new object[] { new { read = true }, 1.5, 99, new object[] { "read", 5 } })
        {
            var (refused, answer) = await SigningPeer.SendAsync(ExpiryChange(0, nonsense));
            Assert.True(refused == 400, $"permissions {JsonSerializer.Serialize(nonsense)}: {refused} {answer}");
            Assert.Contains("permissions", answer, StringComparison.Ordinal);
        }

        var unchanged = (await _bob.GetJsonAsync("api/v1/received-shares"))[0];
        Assert.True(!unchanged.TryGetProperty("expiration", out var none) || none.ValueKind == JsonValueKind.Null, $"expiration changed: {unchanged}");
        Assert.Equal(before.GetProperty("permissions").ToString(), unchanged.GetProperty("permissions").ToString());

        var later = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();
        var (changed, _) = await SigningPeer.SendAsync(ExpiryChange(later));
        Assert.Equal(201, changed);
        Assert.Equal(later, (await _bob.GetJsonAsync("api/v1/received-shares"))[0].GetProperty("expiration").GetInt64());

        // ownCloud's bit mask (1 read + 2 update + 16 share) is understood, not refused.
        var (masked, _) = await SigningPeer.SendAsync(ExpiryChange(later, 19));
        Assert.Equal(201, masked);
        Assert.Equal("""["read","write","share"]""", (await _bob.GetJsonAsync("api/v1/received-shares"))[0].GetProperty("permissions").GetRawText());
    }

    [Fact]
    public async Task Share_ListedWithItsRemoteSize_AndWritesRefusedForAReadOnlyShare()
    {
        var (status, _) = await SigningPeer.SendAsync(LegacyShare());
        Assert.Equal(201, status);
        var share = (await _bob.GetJsonAsync("api/v1/received-shares"))[0];
        await _bob.PostJsonAsync($"api/v1/received-shares/{share.GetProperty("id").GetInt64()}/accept", new { }, 200);

        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), "dav/files/bob/Shared%20with%20me/");
        request.Headers.Add("Depth", "1");
        using var listing = await _bob.SendAsync(request);
        var xml = await listing.Content.ReadAsStringAsync();
        Assert.Equal((HttpStatusCode)207, listing.StatusCode);
        Assert.Contains("Shared%20with%20me/numbers.txt</d:href>", xml, StringComparison.Ordinal);
        Assert.Contains($"<d:getcontentlength>{Encoding.UTF8.GetByteCount(Content)}</d:getcontentlength>", xml, StringComparison.Ordinal);

        using var put = await _bob.PutAsync("dav/files/bob/Shared%20with%20me/numbers.txt", new StringContent("changed"));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
    }
}
