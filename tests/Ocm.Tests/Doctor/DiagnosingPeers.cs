using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Doctor;

/// <summary>
/// <c>ocm doctor PEER</c> (the real executable) against fake peers on 127.0.30.x speaking each dialect Ocm meets —
/// Nextcloud, ownCloud 10, Reva/CERNBox, oCIS, strict OCM 1.4 — and against broken ones: each finding is named, with
/// its fix, in text and in <c>--json</c>, and the exit code says the worst (0 ok, 1 warnings, 2 failures, 3 cannot run).
/// The discovery documents are shaped as each family publishes them (tests/Ocm.Protocol.Tests/Discovery/PeerDiscoverySamples.cs).
/// </summary>
public sealed class DiagnosingPeers : IDisposable
{
    private readonly string _dataDir = TempDirectory.Create("ocm-doctor");

    public void Dispose() => TempDirectory.Delete(_dataDir);

    [Fact]
    public async Task StrictOcm14Peer_AllOk_ExitZero()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var peer = await FakePeer.StartAsync("127.0.30.1", a => $$"""
            { "enabled": true, "apiVersion": "1.4.0", "endPoint": "http://{{a}}/ocm", "provider": "Strict",
              "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
              "capabilities": ["http-sig", "exchange-token", "notifications", "protocol-object"], "criteria": ["must-use-http-sig"],
              "jwksUri": "http://{{a}}/jwks", "tokenEndPoint": "http://{{a}}/ocm/token" }
            """, jwks: Jwks(key, "strict-1"));

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.True(exit == 0, report.ToString());
        Assert.Equal("ok", report.GetProperty("status").GetString());
        Assert.Equal("Ocm14", report.GetProperty("dialect").GetString());
        Assert.Equal("ok", Check(report, "keys.jwks").Status);
        Assert.Contains("publishes 1 key", Check(report, "keys.jwks").Message, StringComparison.Ordinal);
        Assert.Equal("ok", Check(report, "token").Status);
        Assert.Equal("ok", Check(report, "discovery.spec").Status);
        Assert.Equal("ok", Check(report, "rtt").Status);
        Assert.Equal("ok", Check(report, "clock").Status);
        var signatures = Check(report, "signatures");
        Assert.Equal("skipped", signatures.Status);
        Assert.Contains("--recipient", signatures.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextcloudPeer_IsRecognised_LegacyKeyRead_SpecViolationsWarned_ExitOne()
    {
        using var rsa = RSA.Create(2048);
        var pem = JsonSerializer.Serialize(rsa.ExportSubjectPublicKeyInfoPem());
        await using var peer = await FakePeer.StartAsync("127.0.30.2", a => $$"""
            { "enabled": true, "apiVersion": "1.0-proposal1", "version": "1.1.0", "endPoint": "http://{{a}}/index.php/ocm",
              "resourceTypes": [ { "name": "file", "shareTypes": ["user", "group"], "protocols": { "webdav": "/public.php/webdav/" } } ],
              "capabilities": ["invite-accepted", "notifications", "shares"],
              "publicKey": { "keyId": "http://{{a}}/ocm#signature", "publicKeyPem": {{pem}} } }
            """);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(1, exit);
        Assert.Equal("NextcloudLegacy", report.GetProperty("dialect").GetString());
        Assert.Contains("Nextcloud", Check(report, "dialect").Message, StringComparison.Ordinal);
        var spec = Check(report, "discovery.spec");
        Assert.Equal("warn", spec.Status);
        Assert.Contains(spec.Details, d => d.Contains("is not a semantic version", StringComparison.Ordinal));
        Assert.Contains(spec.Details, d => d.Contains("legacy name 'invite-accepted'", StringComparison.Ordinal));
        Assert.Equal("ok", Check(report, "keys.legacy").Status);
        Assert.Contains("RSA 2048 bits", Check(report, "keys.legacy").Details);
        Assert.Contains("draft-cavage", Check(report, "keys.jwks").Message, StringComparison.Ordinal);
        Assert.Equal("skipped", Check(report, "token").Status);
    }

    [Fact]
    public async Task OwnCloud10Peer_OnlyAtOcmProvider_WarnsAboutWellKnownAndMissingKeys()
    {
        await using var peer = await FakePeer.StartAsync("127.0.30.3", a => $$"""
            { "enabled": true, "apiVersion": "1.0-proposal1", "endPoint": "http://{{a}}/index.php/apps/federatedfilesharing",
              "shareTypes": [ { "name": "file", "protocols": { "webdav": "/public.php/webdav/" } } ] }
            """, wellKnown: false);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(1, exit);
        Assert.Equal("OwnCloud10", report.GetProperty("dialect").GetString());
        Assert.EndsWith("/ocm-provider", report.GetProperty("documentUrl").GetString(), StringComparison.Ordinal);
        var urls = Check(report, "discovery.urls");
        Assert.Equal("warn", urls.Status);
        Assert.Contains("/.well-known/ocm", urls.Fix, StringComparison.Ordinal);
        var keys = Check(report, "keys.jwks");
        Assert.Equal("warn", keys.Status);
        Assert.Contains("publishes no JWK Set and no legacy key", keys.Message, StringComparison.Ordinal);
        Assert.Contains(Check(report, "discovery.spec").Details, d => d.Contains("'resourceTypes' is missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RevaPeer_IsRevaFamily_TokenEndpointAnswersInOAuthFormat()
    {
        await using var peer = await FakePeer.StartAsync("127.0.30.4", a => $$"""
            { "enabled": true, "apiVersion": "1.3.0", "endPoint": "http://{{a}}/ocm", "provider": "CERNBox",
              "resourceTypes": [
                { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/remote.php/dav/ocm/", "webdav-receive": { "uri": "absolute" },
                                 "webapp": "/apps/ocm/", "webapp-receive": { "targets": ["blank"] } } },
                { "name": "folder", "shareTypes": ["user"], "protocols": { "webdav": "/remote.php/dav/ocm/" } } ],
              "capabilities": ["invites", "protocol-object", "exchange-token"],
              "tokenEndPoint": "http://{{a}}/ocm/token", "inviteAcceptDialog": "/sciencemesh-app/accept" }
            """);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(1, exit);
        Assert.Equal("RevaFamily", report.GetProperty("dialect").GetString());
        Assert.Contains("Reva", Check(report, "dialect").Message, StringComparison.Ordinal);
        var token = Check(report, "token");
        Assert.Equal("ok", token.Status);
        Assert.Contains("invalid_grant", token.Message, StringComparison.Ordinal);
        Assert.Contains(Check(report, "discovery.spec").Details, d => d.Contains("'protocols.webapp' is a ≤1.3 path string", StringComparison.Ordinal));
        var tokenRequest = Assert.Single(peer.Received, r => r.Path == "/ocm/token");
        Assert.Contains("grant_type=authorization_code", tokenRequest.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OcisPeer_IsRevaFamily_LegacyWebDavUriCapabilityWarned_NoTokenExchangeSkipped()
    {
        await using var peer = await FakePeer.StartAsync("127.0.30.5", a => $$"""
            { "enabled": true, "apiVersion": "1.2.0", "endPoint": "http://{{a}}/ocm/", "provider": "oCIS",
              "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm" } } ],
              "capabilities": ["invites", "webdav-uri", "protocol-object"] }
            """);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(1, exit);
        Assert.Equal("RevaFamily", report.GetProperty("dialect").GetString());
        var spec = Check(report, "discovery.spec");
        Assert.Contains(spec.Details, d => d.Contains("'webdav-uri' is superseded", StringComparison.Ordinal));
        Assert.Contains(spec.Details, d => d.Contains("'invites' is advertised without 'inviteAcceptDialog'", StringComparison.Ordinal));
        Assert.Equal("skipped", Check(report, "token").Status);
    }

    [Fact]
    public async Task HtmlAtDiscovery_FailsNamingAWebPage_ExitTwo()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.30.6", c =>
        {
            c.Response.ContentType = "text/html; charset=utf-8";
            return c.Response.WriteAsync("<!doctype html><title>Welcome</title>");
        });

        var result = await RunAsync([peer.Authority]);

        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("[FAIL] discovery:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("this is a web page, not an OCM server", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("fix: The peer must answer GET /.well-known/ocm with its discovery document as application/json", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Result: FAIL", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredKeys_AreNamed()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=expired", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-35));
        var jwks = Jwks(key, "old-key", Convert.ToBase64String(certificate.RawData));
        await using var peer = await FakePeer.StartAsync("127.0.30.7", a => Strict14(a), jwks: jwks);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(2, exit);
        var keys = Check(report, "keys.jwks");
        Assert.Equal("fail", keys.Status);
        Assert.Contains("Every key in the JWK Set has expired (old-key)", keys.Message, StringComparison.Ordinal);
        Assert.Contains(keys.Details, d => d.Contains("EXPIRED", StringComparison.Ordinal));
        Assert.NotNull(keys.Fix);
    }

    [Fact]
    public async Task AbsentKeys_AdvertisedJwksAnswers404_Fails()
    {
        await using var peer = await FakePeer.StartAsync("127.0.30.8", a => Strict14(a), jwks: null);

        var (exit, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal(2, exit);
        var keys = Check(report, "keys.jwks");
        Assert.Equal("fail", keys.Status);
        Assert.Contains("answers 404", keys.Message, StringComparison.Ordinal);
        Assert.Contains("signatures cannot be verified", keys.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerAcceptingMisSignedShares_FailsTheSignatureCheck()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var peer = await FakePeer.StartAsync("127.0.30.9", a => Strict14(a), jwks: Jwks(key, "k1"), acceptEveryShare: true);

        var (exit, report) = await DoctorJsonAsync(peer.Authority, "--recipient", "bob@" + peer.Authority);

        Assert.Equal(2, exit);
        var signatures = Check(report, "signatures");
        Assert.Equal("fail", signatures.Status);
        Assert.Contains("accepted a share whose signature is wrong", signatures.Message, StringComparison.Ordinal);
        Assert.Contains("401", signatures.Fix, StringComparison.Ordinal);
        var shares = peer.Received.Where(r => r.Path == "/ocm/shares").ToList();
        Assert.Equal(3, shares.Count);
        Assert.All(shares, s => Assert.Contains("ocm-doctor-check.txt", s.Body, StringComparison.Ordinal));
        Assert.True(shares[0].Headers.ContainsKey("Signature"));
        Assert.False(shares[1].Headers.ContainsKey("Signature"));
        Assert.True(shares[2].Headers.ContainsKey("Signature"));
        Assert.NotEqual(shares[0].Headers["Signature"], shares[2].Headers["Signature"]);
    }

    [Fact]
    public async Task PlainHttpPeer_WithoutInsecure_IsRefusedByOurPolicy_WithTheWayOut()
    {
        await using var peer = await FakePeer.StartAsync("127.0.30.10", a => Strict14(a));

        var result = await OcmProcess.RunAsync(
            ["doctor", peer.Authority, "--init", "--data-dir", _dataDir, "--public-url", "http://127.0.30.250:9"],
            new Dictionary<string, string> { ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "false" });

        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("[FAIL] discovery:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("for a test setup add --insecure", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedirectedDiscovery_IsFollowedAndNamed()
    {
        await using var peer = await LoopbackHttpServer.StartAsync("127.0.30.12", async context =>
        {
            var path = context.Request.Path.Value;
            if (path is "/.well-known/ocm" or "/ocm-provider")
            {
                context.Response.Redirect("/apps/ocm/discovery");
            }
            else if (path == "/apps/ocm/discovery")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Strict14(context.Request.Host.Value!).Replace("\"http-sig\", ", "", StringComparison.Ordinal));
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });

        var (_, report) = await DoctorJsonAsync(peer.Authority);

        Assert.Equal("ok", Check(report, "discovery").Status);
        var urls = Check(report, "discovery.urls");
        Assert.Equal("ok", urls.Status);
        Assert.Contains("after redirects at /.well-known/ocm, /ocm-provider", urls.Message, StringComparison.Ordinal);
        Assert.Contains(urls.Details, d => d.Contains("(redirected to http://" + peer.Authority + "/apps/ocm/discovery)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HttpsPeerWithUntrustedCertificate_FailsNamingTheCertificate()
    {
        await using var peer = await LoopbackHttpServer.StartHttpsAsync("127.0.30.13", c =>
        {
            c.Response.ContentType = "application/json";
            return c.Response.WriteAsync(Strict14(c.Request.Host.Value!));
        });

        var (exit, report) = await DoctorJsonAsync("https://" + peer.Authority);

        Assert.Equal(2, exit);
        var discovery = Check(report, "discovery");
        Assert.Equal("fail", discovery.Status);
        Assert.Contains("TLS certificate", discovery.Message, StringComparison.Ordinal);
        Assert.Contains("certificate must be valid", discovery.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecipientThatIsNoAddress_CannotRun_ExitThree()
    {
        var result = await RunAsync(["127.0.30.11:9", "--recipient", "not an address"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("--recipient 'not an address' is not an OCM address", result.StdErr, StringComparison.Ordinal);
    }

    private static string Strict14(string a) => $$"""
        { "enabled": true, "apiVersion": "1.4.0", "endPoint": "http://{{a}}/ocm", "provider": "Strict",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
          "capabilities": ["http-sig", "notifications", "protocol-object"],
          "jwksUri": "http://{{a}}/jwks" }
        """;

    private static string Jwks(ECDsa key, string kid, string? x5c = null)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var jwk = new Dictionary<string, object>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["alg"] = "ES256",
            ["kid"] = kid,
            ["x"] = Base64Url(p.Q.X!),
            ["y"] = Base64Url(p.Q.Y!),
        };
        if (x5c is not null)
        {
            jwk["x5c"] = new[] { x5c };
        }

        return JsonSerializer.Serialize(new { keys = new[] { jwk } });
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private Task<RunResult> RunAsync(string[] args) =>
        OcmProcess.RunAsync(["doctor", .. args, "--init", "--data-dir", _dataDir, "--public-url", "http://127.0.30.250:9", "--insecure"]);

    private async Task<(int Exit, JsonElement Report)> DoctorJsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--json"]);
        Assert.True(result.ExitCode is >= 0 and <= 2, result.All);
        using var document = JsonDocument.Parse(result.StdOut);
        var report = document.RootElement.Clone();
        Assert.Equal(result.ExitCode, report.GetProperty("exitCode").GetInt32());
        return (result.ExitCode, report);
    }

    internal static ParsedCheck Check(JsonElement report, string id)
    {
        var check = report.GetProperty("checks").EnumerateArray().SingleOrDefault(c => c.GetProperty("id").GetString() == id);
        Assert.True(check.ValueKind == JsonValueKind.Object, $"no check '{id}' in {report}");
        return new ParsedCheck(
            check.GetProperty("status").GetString()!,
            check.GetProperty("message").GetString()!,
            check.GetProperty("fix").ValueKind == JsonValueKind.String ? check.GetProperty("fix").GetString() : null,
            [.. check.GetProperty("details").EnumerateArray().Select(d => d.GetString()!)]);
    }

    internal sealed record ParsedCheck(string Status, string Message, string? Fix, IReadOnlyList<string> Details);

    /// <summary>
    /// A fake OCM server: its discovery document (built from its own authority) at /.well-known/ocm and /ocm-provider
    /// (or only the latter, as ownCloud 10), a JWK Set at /jwks (404 when none), a token endpoint that refuses every
    /// code in the OAuth format, and a share endpoint that refuses everything with 401 — or, broken, accepts everything.
    /// </summary>
    private sealed class FakePeer : IAsyncDisposable
    {
        private readonly LoopbackHttpServer _server;

        private FakePeer(LoopbackHttpServer server, List<ReceivedRequest> received)
        {
            _server = server;
            ReceivedList = received;
        }

        public string Authority => _server.Authority;

        public IReadOnlyList<ReceivedRequest> Received
        {
            get
            {
                lock (ReceivedList)
                {
                    return [.. ReceivedList];
                }
            }
        }

        private List<ReceivedRequest> ReceivedList { get; }

        public static async Task<FakePeer> StartAsync(
            string address, Func<string, string> discovery, bool wellKnown = true, string? jwks = null, bool acceptEveryShare = false)
        {
            var received = new List<ReceivedRequest>();
            var server = await LoopbackHttpServer.StartAsync(address, async context =>
            {
                var path = context.Request.Path.Value ?? "";
                var authority = context.Request.Host.Value!;
                if ((path == "/.well-known/ocm" && wellKnown) || path == "/ocm-provider")
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(discovery(authority));
                    return;
                }

                if (path == "/jwks" && jwks is not null)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(jwks);
                    return;
                }

                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                lock (received)
                {
                    received.Add(new ReceivedRequest(context.Request.Method, path, body)
                    {
                        Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                    });
                }

                if (path == "/ocm/token")
                {
                    context.Response.StatusCode = 400;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("""{"error":"invalid_grant"}""");
                }
                else if (path == "/ocm/shares")
                {
                    context.Response.StatusCode = acceptEveryShare ? 201 : 401;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(acceptEveryShare ? """{"recipientDisplayName":"Bob"}""" : """{"message":"unauthorized"}""");
                }
                else
                {
                    context.Response.StatusCode = 404;
                }
            });
            return new FakePeer(server, received);
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
