using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;
using Ocm.Tokens;

namespace Ocm.Tests.Tokens;

/// <summary>
/// alice on our server shares with bob on a strict 1.4 receiver (reva/oCIS shape, signing with Ed25519), which then comes
/// to our token endpoint (OCM §Code Flow). Every way a token request can be wrong gets the OAuth error RFC 6749 §5.2
/// prescribes, also when the signature filter refuses it (R101); the token is never logged and stored only hashed
/// (R103); where the receiver demands the code flow the raw secret opens nothing (R105); every share has its own
/// providerId (R64).
/// </summary>
public sealed class IssuingTokensToReceivers(IssuingTokensToReceivers.Servers servers) : IClassFixture<IssuingTokensToReceivers.Servers>
{
    /// <summary>Our server (all its logs captured), alice, and two receivers: one that requires the code flow.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        internal LogCapture Logs { get; } = new();

        internal OcmTestServer A { get; private set; } = null!;

        internal HttpClient Alice { get; private set; } = null!;

        internal ReceivingPeer Bob { get; private set; } = null!;

        /// <summary>A receiver advertising the criterion must-exchange-token.</summary>
        internal ReceivingPeer StrictBob { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Bob = await ReceivingPeer.StartAsync("127.0.16.11");
            StrictBob = await ReceivingPeer.StartAsync("127.0.16.12", discovery: d => d["criteria"] = new System.Text.Json.Nodes.JsonArray("must-exchange-token"));
            A = await OcmTestServer.StartAsync(
                "127.0.16.10",
                new Dictionary<string, string?>
                {
                    ["Ocm:Delivery:PollSeconds"] = "0.1",
                    ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
                    ["Ocm:Logging:LogLevel:Default"] = "Debug",
                },
                Logs.Register);
            Alice = await A.CreateUserAsync("alice");
            foreach (var name in new[] { "report.txt", "plan.txt", "memo.txt", "strict.txt", "logged.txt" })
            {
                await Alice.PutFileAsync("alice", name, "content of " + name);
            }
        }

        public async Task DisposeAsync()
        {
            Alice.Dispose();
            await A.DisposeAsync();
            await Bob.DisposeAsync();
            await StrictBob.DisposeAsync();
        }
    }

    private OcmTestServer A => servers.A;

    private ReceivingPeer Bob => servers.Bob;

    /// <summary>alice shares <paramref name="name"/> with bob on <paramref name="peer"/>; the payload as it arrived.</summary>
    private async Task<JsonElement> ShareAsync(string name, ReceivingPeer? peer = null, string user = "bob")
    {
        peer ??= Bob;
        await servers.Alice.PostJsonAsync("api/v1/shares", new { path = "/" + name, shareWith = $"{user}@{peer.Authority}", permissions = new[] { "read" } }, 201);
        return await peer.ShareAsync(name);
    }

    /// <summary>Asserts an RFC 6749 §5.2 error: status, <c>error</c>, an <c>error_description</c>, JSON, no-store; 401 with a challenge.</summary>
    private static void AssertOAuthError(HttpResponseMessage response, string body, int status, string error)
    {
        Assert.True((int)response.StatusCode == status, $"expected {status} {error}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("error_description").GetString()));
        Assert.False(json.RootElement.TryGetProperty("message", out _), "the OCM error dialect leaked into the token endpoint: " + body);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        if (status == 401)
        {
            Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Signature");
        }
    }

    private static async Task<(HttpResponseMessage Response, string Body)> SendAsync(Protocol.Signatures.Messages.HttpMessage message)
    {
        using var client = new HttpClient();
        var request = new HttpRequestMessage(new HttpMethod(message.Method!), message.TargetUri) { Content = new ByteArrayContent(message.Body?.ToArray() ?? []) };
        foreach (var (name, value) in message.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task R101_EveryBadTokenRequest_GetsTheOAuthErrorOfRfc6749()
    {
        var secret = ReceivingPeer.SecretOf(await ShareAsync("report.txt"));

        // Missing field, wrong grant, wrong content type: 400 invalid_request / unsupported_grant_type.
        var (r1, b1) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, $"grant_type=authorization_code&client_id={Bob.Authority}")));
        AssertOAuthError(r1, b1, 400, "invalid_request");
        var (r2, b2) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret, grantType: "password"))));
        AssertOAuthError(r2, b2, 400, "unsupported_grant_type");
        var (r3, b3) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, """{"grant_type":"authorization_code"}""", "application/json")));
        AssertOAuthError(r3, b3, 400, "invalid_request");

        // A code nobody issued, or issued to another server: 400 invalid_grant.
        var (r4, b4) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form("not-a-code"))));
        AssertOAuthError(r4, b4, 400, "invalid_grant");

        // Unsigned, or client_id not the signer: 401 invalid_client with a challenge.
        var (r5, b5) = await SendAsync(ReceivingPeer.TokenRequest(A, Bob.Form(secret)));
        AssertOAuthError(r5, b5, 401, "invalid_client");
        var (r6, b6) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret, clientId: "other.example.org"))));
        AssertOAuthError(r6, b6, 401, "invalid_client");

        // The signature filter in front of the endpoint refuses in the OAuth dialect too: a body changed after signing
        // (digest mismatch) is invalid_client, an unreadable Signature-Input invalid_request.
        var tampered = Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret)));
        tampered.Body = Encoding.UTF8.GetBytes(Bob.Form(secret + "x"));
        var (r7, b7) = await SendAsync(tampered);
        AssertOAuthError(r7, b7, 401, "invalid_client");
        var garbled = Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret)));
        garbled.Headers.Set("Signature-Input", "ocm=(((not a dictionary");
        var (r8, b8) = await SendAsync(garbled);
        AssertOAuthError(r8, b8, 400, "invalid_request");

        // An empty body never reaches the endpoint either, and is still answered in OAuth terms.
        var (r9, b9) = await SendAsync(ReceivingPeer.TokenRequest(A, ""));
        AssertOAuthError(r9, b9, 400, "invalid_request");

        // And the valid request gets its token, not cached anywhere.
        var (ok, okBody) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret))));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(ok.Headers.CacheControl?.NoStore);
        Assert.Equal("Bearer", JsonDocument.Parse(okBody).RootElement.GetProperty("token_type").GetString());
        foreach (var r in new[] { r1, r2, r3, r4, r5, r6, r7, r8, r9, ok })
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task R103_TheIssuedToken_IsNeitherLoggedNorStoredInTheClear()
    {
        var secret = ReceivingPeer.SecretOf(await ShareAsync("logged.txt"));
        var (response, body) = await SendAsync(Bob.Sign(ReceivingPeer.TokenRequest(A, Bob.Form(secret))));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var token = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
        using var dav = new HttpClient { BaseAddress = A.BaseUri };
        dav.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal("content of logged.txt", await dav.GetStringAsync("dav/ocm/" + (await Bob.ShareAsync("logged.txt")).GetProperty("providerId").GetString()));

        // Everything the server logged (Debug and up), about the exchange and the access: neither token nor secret.
        Assert.NotEmpty(servers.Logs.Entries);
        Assert.DoesNotContain(servers.Logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(servers.Logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal));

        // The database keeps a hash, with the expiry the answer announced.
        await using var scope = A.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<ShareAccessToken>().AsNoTracking().ToListAsync();
        Assert.NotEmpty(stored);
        Assert.DoesNotContain(stored, t => t.TokenHash.Contains(token, StringComparison.Ordinal));
        Assert.All(stored, t => Assert.True(t.Expires > t.Issued));
    }

    [Fact]
    public async Task R105_WhereTheReceiverRequiresTheCodeFlow_TheRawSecretOpensNothing()
    {
        var share = await ShareAsync("strict.txt", servers.StrictBob);
        // R59: the receiver's criterion puts must-exchange-token on the share.
        Assert.Contains("must-exchange-token", share.GetProperty("protocol").GetProperty("webdav").GetProperty("requirements").EnumerateArray().Select(r => r.GetString()));
        var secret = ReceivingPeer.SecretOf(share);
        var url = "dav/ocm/" + share.GetProperty("providerId").GetString();

        using var dav = new HttpClient { BaseAddress = A.BaseUri };
        foreach (var credential in new[]
        {
            new AuthenticationHeaderValue("Bearer", secret),
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret + ":"))),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = credential;
            using var refused = await dav.SendAsync(request);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("requires token exchange", text, StringComparison.Ordinal);
            Assert.Contains(new Uri(A.BaseUri, "ocm/token").AbsoluteUri, text, StringComparison.Ordinal);
        }

        // The token from /ocm/token opens it.
        var strict = servers.StrictBob;
        var (response, body) = await SendAsync(strict.Sign(ReceivingPeer.TokenRequest(A, strict.Form(secret))));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var withToken = new HttpRequestMessage(HttpMethod.Get, url);
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
        using var read = await dav.SendAsync(withToken);
        Assert.Equal("content of strict.txt", await read.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task R64_EveryShare_HasItsOwnProviderId()
    {
        // One file to two users, another file to one of them: three shares, three providerIds, three secrets.
        await servers.Alice.PostJsonAsync("api/v1/shares", new { path = "/plan.txt", shareWith = $"bob@{Bob.Authority}", permissions = new[] { "read" } }, 201);
        await servers.Alice.PostJsonAsync("api/v1/shares", new { path = "/plan.txt", shareWith = $"carol@{Bob.Authority}", permissions = new[] { "read" } }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(Bob.Shares.Count(s => s.GetProperty("name").GetString() == "plan.txt")), n => n == 2, "both shares of plan.txt to arrive");
        var report = await ShareAsync("memo.txt");
        var plans = Bob.Shares.Where(s => s.GetProperty("name").GetString() == "plan.txt").ToList();
        var ids = plans.Append(report).Select(s => s.GetProperty("providerId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ids.Count, plans.Append(report).Select(ReceivingPeer.SecretOf).Distinct(StringComparer.Ordinal).Count());
    }
}
