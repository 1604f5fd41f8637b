using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ocm.Data;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.Tokens;

/// <summary>
/// carol on a reva/CERNBox-shaped sender (OCM 1.1 with <c>protocol-object</c>, <c>exchange-token</c> and a token endpoint)
/// shares <c>numbers.txt</c> with bob on our server, and bob reads it from his tree (OCM §Resource Access). When the
/// share does not demand the code flow, a failing exchange falls back to the shared secret, with the reason logged (R89);
/// when it does, nothing falls back. Tokens are renewed before <c>expires_in</c> runs out (R100); token requests are
/// signed even to a sender that publishes no key, and the token never appears in our log (R103).
/// </summary>
public sealed class ExchangingTokensForReceivedShares : IAsyncLifetime
{
    private const string Secret = "code-for-numbers";
    private const string Content = "numbers from carol";
    private const string File = "dav/files/bob/Shared%20with%20me/numbers.txt";

    private readonly ConcurrentQueue<(DateTime At, string Form, IReadOnlyDictionary<string, string> Headers)> _tokenRequests = new();
    private readonly ConcurrentQueue<string> _davCredentials = new();
    private readonly ConcurrentDictionary<string, DateTime> _issued = new();
    private LogCapture Logs { get; } = new();

    private TokenMode _mode = TokenMode.Issue;
    private int _expiresIn = 3600;
    private FakeOcmPeer _carol = null!;
    private OcmTestServer _server = null!;
    private HttpClient _bob = null!;

    public enum TokenMode
    {
        Issue,
        Unavailable,
        InvalidGrant,
        NotJson,
        Unreachable,
    }

    public async Task InitializeAsync()
    {
        _carol = await FakeOcmPeer.StartAsync("127.0.16.21", ServeAsync, (document, baseUri) =>
        {
            document["apiVersion"] = "1.1.0";
            document["capabilities"] = new JsonArray("notifications", "protocol-object", "exchange-token");
            document["tokenEndPoint"] = _mode == TokenMode.Unreachable ? "http://127.0.16.29:9/token" : new Uri(baseUri, "token").ToString();
        });
        _server = await OcmTestServer.StartAsync(
            "127.0.16.20",
            new Dictionary<string, string?>
            {
                ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
                ["Ocm:Shares:RemoteTimeoutSeconds"] = "5",
                ["Ocm:Logging:LogLevel:Default"] = "Debug",
            },
            Logs.Register);
        _bob = await _server.CreateUserAsync("bob");
    }

    public async Task DisposeAsync()
    {
        _bob.Dispose();
        await _server.DisposeAsync();
        await _carol.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context, string body)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/token")
        {
            _tokenRequests.Enqueue((DateTime.UtcNow, body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            switch (_mode)
            {
                case TokenMode.Unavailable:
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;
                case TokenMode.InvalidGrant:
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("""{"error":"invalid_grant","error_description":"unknown code"}""");
                    return;
                case TokenMode.NotJson:
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Maintenance</body></html>");
                    return;
            }

            var token = "carol-token-" + Guid.NewGuid().ToString("N");
            _issued[token] = DateTime.UtcNow;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"access_token":"{{token}}","token_type":"Bearer","expires_in":{{_expiresIn}}}""");
            return;
        }

        if (!path.StartsWith("/dav/ocm/numbers-1", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        _davCredentials.Enqueue(authorization);
        var presented = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : null;
        var valid = presented == Secret
            || (presented is not null && _issued.TryGetValue(presented, out var at) && DateTime.UtcNow < at.AddSeconds(_expiresIn));
        if (!valid)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(Content);
        if (context.Request.Method == "PROPFIND")
        {
            context.Response.StatusCode = 207;
            context.Response.ContentType = "application/xml; charset=utf-8";
            await context.Response.WriteAsync($"""
                <?xml version="1.0"?>
                <d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/ocm/numbers-1</d:href><d:propstat><d:prop>
                <d:resourcetype/><d:getcontentlength>{bytes.Length}</d:getcontentlength><d:getetag>"c-1"</d:getetag>
                <d:getlastmodified>Fri, 27 Nov 2026 10:00:00 GMT</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>
                """);
            return;
        }

        context.Response.ContentType = "text/plain";
        context.Response.Headers.ETag = "\"c-1\"";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    /// <summary>The accepted share from carol, as the share notification would have left it.</summary>
    private async Task ReceiveAsync(bool mustExchangeToken)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().SingleAsync(u => u.Name == "bob");
        var now = DateTimeOffset.UtcNow;
        db.Add(new ReceivedShare
        {
            RecipientUserId = user.Id,
            SenderHost = _carol.Authority,
            ProviderId = "numbers-1",
            Name = "numbers.txt",
            ResourceType = "file",
            Owner = "carol@" + _carol.Authority,
            Sender = "carol@" + _carol.Authority,
            WebDavUri = "numbers-1",
            ProtectedSecret = scope.ServiceProvider.GetRequiredService<SecretProtector>().Protect(Secret),
            Permissions = SharePermissions.Read,
            MustExchangeToken = mustExchangeToken,
            State = ReceivedShareState.Accepted,
            Created = now,
            Updated = now,
        });
        await db.SaveChangesAsync();
    }

    [Theory]
    [InlineData(TokenMode.Unavailable, "HTTP 503")]
    [InlineData(TokenMode.InvalidGrant, "invalid_grant")]
    [InlineData(TokenMode.NotJson, "unusable body")]
    [InlineData(TokenMode.Unreachable, "token exchange")]
    public async Task R89_OptionalExchangeFails_BobReadsWithTheSharedSecret_AndTheReasonIsLogged(TokenMode mode, string reason)
    {
        _mode = mode;
        await ReceiveAsync(mustExchangeToken: false);

        Assert.Equal(Content, await _bob.GetStringAsync(File));

        // The exchange was tried first (the sender offers it), then the secret opened the file.
        if (mode != TokenMode.Unreachable)
        {
            Assert.NotEmpty(_tokenRequests);
        }

        Assert.Contains("Bearer " + Secret, _davCredentials);
        var logged = Logs.Entries.First(e => e.EventId.Id == 1491);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains(_carol.Authority, logged.Message, StringComparison.Ordinal);
        Assert.Contains(reason, logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task R89_RequiredExchangeFails_NothingFallsBack_AndTheSecretNeverTravels()
    {
        _mode = TokenMode.InvalidGrant;
        await ReceiveAsync(mustExchangeToken: true);

        using var response = await _bob.GetAsync(File);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused the token exchange (invalid_grant", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer " + Secret, _davCredentials);
        Assert.DoesNotContain(_davCredentials, c => c.StartsWith("Basic ", StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Entries, e => e.EventId.Id == 1491);
    }

    [Fact]
    public async Task R100_R103_TheTokenIsRenewedBeforeItExpires_RequestedSigned_AndNeverLogged()
    {
        _expiresIn = 10; // the shortest life we honour: renewed after 80 % of it
        await ReceiveAsync(mustExchangeToken: true);

        Assert.Equal(Content, await _bob.GetStringAsync(File));
        var first = Assert.Single(_tokenRequests);
        Assert.Equal(Content, await _bob.GetStringAsync(File));
        Assert.Single(_tokenRequests); // still valid: reused

        // Past 80 % of its life, before its end: a new token is asked for, and used.
        var wait = first.At.AddSeconds(8.5) - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Equal(Content, await _bob.GetStringAsync(File));
        var requests = _tokenRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.True(requests[1].At < first.At.AddSeconds(10), $"the token was renewed {(requests[1].At - first.At).TotalSeconds:0.0} s after the first: after it expired");
        var tokens = _issued.OrderBy(t => t.Value).Select(t => t.Key).ToArray();
        Assert.Equal("Bearer " + tokens[1], _davCredentials.Last());
        Assert.DoesNotContain(_davCredentials, c => c.Contains(Secret, StringComparison.Ordinal));

        // Every token request is signed (RFC 9421, tag="ocm", our key), although carol publishes no key of her own, and
        // names us as the client; the code travels only in the signed body.
        foreach (var request in requests)
        {
            Assert.Contains("tag=\"ocm\"", request.Headers["Signature-Input"], StringComparison.Ordinal);
            Assert.Contains($"keyid=\"{_server.Authority}", request.Headers["Signature-Input"], StringComparison.Ordinal);
            Assert.StartsWith("application/x-www-form-urlencoded", request.Headers["Content-Type"], StringComparison.Ordinal);
            Assert.Contains("client_id=" + Uri.EscapeDataString(_server.Authority), request.Form, StringComparison.Ordinal);
        }

        // Neither the tokens nor the code reached the log (Debug and up).
        Assert.NotEmpty(Logs.Entries);
        Assert.DoesNotContain(Logs.Entries, e => tokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal)) || e.Message.Contains(Secret, StringComparison.Ordinal));
    }
}
