using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Http;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Signatures;

namespace Ocm.Doctor;

/// <summary>
/// The rules of <c>ocm doctor</c>: every check against a peer (or our own server, seen from outside), each finding in
/// words with its fix. Every request goes through the one outbound path: <see cref="PeerClient"/> (SSRF guard,
/// redirects re-checked hop by hop, capped reads, signing) and the discovery client on its HttpClient. docs/interop.md
/// describes each check.
/// </summary>
internal sealed partial class PeerDoctor(PeerClient peers, IOcmDiscoveryClient discovery, OcmServerInfo server, OutboundPolicy policy, TimeProvider time)
{
    /// <summary>The name of the resource announced to the test recipient by the signature check.</summary>
    public const string ProbeShareName = "ocm-doctor-check.txt";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Keys whose certificate ends within this time are reported as expiring.</summary>
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    /// <summary>Clock difference that breaks signatures: the default signature age window (<c>Ocm:Security:MaxAgeSeconds</c>).</summary>
    private static readonly TimeSpan SkewFailure = TimeSpan.FromSeconds(300);

    /// <summary>Clock difference beyond which signatures created "in the future" are refused (<c>Ocm:Security:MaxFutureSkewSeconds</c>).</summary>
    private static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(60);

    /// <summary>Checks <paramref name="target"/> (host, URL or user@host); <paramref name="recipient"/> is the test user for the signature check.</summary>
    public async Task<DoctorReport> CheckPeerAsync(string target, string? recipient, CancellationToken cancellationToken)
    {
        var checks = new List<DoctorCheck>();
        var discovered = await DiscoverAsync(target, checks, cancellationToken);
        if (discovered is not null)
        {
            await CheckUrlFormsAsync(discovered, checks, cancellationToken);
            CheckSpec(discovered, checks);
            checks.Add(Dialect(discovered));
            checks.Add(Tls(discovered, AllowedPlainHttp(discovered)));
            await CheckKeysAsync(discovered, checks, cancellationToken);
            checks.Add(await CheckSignaturesAsync(discovered, recipient, cancellationToken));
            checks.Add(await CheckTokenAsync(discovered, cancellationToken));
            await CheckTimingAsync(discovered, checks, cancellationToken);
        }

        return new DoctorReport
        {
            Target = target,
            Self = false,
            DocumentUrl = discovered?.DocumentUrl.ToString(),
            Dialect = discovered?.Dialect.ToString(),
            CheckedAt = time.GetUtcNow(),
            Checks = checks,
        };
    }

    /// <summary>
    /// Our own server from outside: its public URL answers, discovery there is correct and names that URL, the keys are
    /// published, the token endpoint answers in the OAuth format, the clock agrees.
    /// </summary>
    public async Task<DoctorReport> CheckSelfAsync(CancellationToken cancellationToken)
    {
        var publicUrl = server.PublicUrl;
        var target = publicUrl.ToString();
        var checks = new List<DoctorCheck>();
        var discovered = await DiscoverAsync(target, checks, cancellationToken);
        if (discovered is not null)
        {
            checks.Add(PublicUrl(discovered, publicUrl));
            await CheckUrlFormsAsync(discovered, checks, cancellationToken);
            CheckSpec(discovered, checks);
            checks.Add(Tls(discovered, AllowedPlainHttp(discovered)));
            await CheckKeysAsync(discovered, checks, cancellationToken);
            checks.Add(await CheckTokenAsync(discovered, cancellationToken));
            await CheckTimingAsync(discovered, checks, cancellationToken);
        }
        else
        {
            checks.Add(new DoctorCheck(
                "self.publicUrl", DoctorStatus.Fail, $"Our public URL {publicUrl} does not serve our discovery document.",
                "Check that 'ocm serve' runs, that Ocm:PublicUrl (or --public-url) is the URL others reach it at, and that a reverse proxy forwards /.well-known/ocm and /ocm/ to it.",
                []));
        }

        return new DoctorReport
        {
            Target = target,
            Self = true,
            DocumentUrl = discovered?.DocumentUrl.ToString(),
            Dialect = discovered?.Dialect.ToString(),
            CheckedAt = time.GetUtcNow(),
            Checks = checks,
        };
    }

    private async Task<DiscoveredServer?> DiscoverAsync(string target, List<DoctorCheck> checks, CancellationToken cancellationToken)
    {
        try
        {
            // The discovery client behind PeerClient (same guarded HttpClient), without PeerDirectory's record in the
            // database: a diagnosis, in particular of our own server, is no contact with a peer.
            var discovered = await discovery.DiscoverAsync(target, cancellationToken);
            checks.Add(new DoctorCheck(
                "discovery", DoctorStatus.Ok, $"{discovered.Authority} publishes an OCM discovery document at {discovered.DocumentUrl}.", null,
                [$"provider: {discovered.Document.Provider ?? "(not given)"}", $"apiVersion: {discovered.Document.ApiVersion}", $"endPoint: {discovered.Document.EndPoint}"]));
            return discovered;
        }
        catch (OcmDiscoveryException ex)
        {
            checks.Add(new DoctorCheck(
                "discovery", DoctorStatus.Fail, ex.Summary, DiscoveryFix(ex.Failure),
                [.. ex.Attempts.Select(a => $"{a.Url} → {a.Outcome}")]));
            return null;
        }
    }

    private static string DiscoveryFix(DiscoveryFailure failure) => failure switch
    {
        DiscoveryFailure.Blocked => "Our outbound policy refuses this address: for a test setup add --insecure, for the server allow the host with Ocm:Federation:InsecurePeers.",
        DiscoveryFailure.WebPage or DiscoveryFailure.NotDiscoveryDocument or DiscoveryFailure.NotFound or DiscoveryFailure.HttpError =>
            "The peer must answer GET /.well-known/ocm with its discovery document as application/json (OCM §OCM API Discovery); check that OCM is enabled there and that no web server or proxy answers that path instead.",
        DiscoveryFailure.Certificate => "The peer's TLS certificate must be valid for its host name and signed by a trusted authority (and not expired).",
        DiscoveryFailure.PlainHttpOnTlsPort or DiscoveryFailure.TlsOnPlainHttpPort => "Use the scheme the port speaks (https:// or http://) in the peer's address.",
        DiscoveryFailure.RedirectLoop => "Fix the peer's redirects so that /.well-known/ocm ends at the document in a few hops.",
        DiscoveryFailure.UnknownHost => "Check the spelling of the host name, and its DNS.",
        DiscoveryFailure.Refused => "The discovery document must be public: no authentication on /.well-known/ocm.",
        _ => "Try again later; if it persists, check that the peer is up and reachable from this machine (firewall, DNS, proxy).",
    };

    /// <summary>OCM §OCM API Discovery › Process: /.well-known/ocm first; /ocm-provider is what pre-1.4 peers ask.</summary>
    private async Task CheckUrlFormsAsync(DiscoveredServer discovered, List<DoctorCheck> checks, CancellationToken cancellationToken)
    {
        var root = new Uri(discovered.DocumentUrl.GetLeftPart(UriPartial.Authority) + "/");
        var details = new List<string>();
        var answered = new Dictionary<string, bool>(StringComparer.Ordinal);
        var redirected = new List<string>();
        foreach (var path in new[] { ".well-known/ocm", "ocm-provider" })
        {
            var url = new Uri(root, path);
            try
            {
                var response = await peers.GetDocumentAsync(url, peers.MaxResponseBytes, CallTimeout, cancellationToken);
                var json = response.IsSuccess && IsJsonObject(response.Body);
                answered[path] = json;
                var final = response.FinalUrl is { } f && f != url ? $" (redirected to {f.GetLeftPart(UriPartial.Path)})" : "";
                if (final.Length > 0)
                {
                    redirected.Add(path);
                }

                details.Add($"{url} → {response.Status}{final}, {(json ? "a JSON document" : Describe(response))}");
            }
            catch (PeerCallException ex)
            {
                answered[path] = false;
                details.Add($"{url} → {ex.Message}");
            }
        }

        if (!answered[".well-known/ocm"])
        {
            checks.Add(new DoctorCheck(
                "discovery.urls", DoctorStatus.Warn,
                "The peer does not serve its discovery document at /.well-known/ocm, where OCM 1.4 servers look first; only older peers find it.",
                "Serve the discovery document at /.well-known/ocm (RFC 8615), keeping /ocm-provider for older peers.", details));
        }
        else if (!answered["ocm-provider"])
        {
            checks.Add(new DoctorCheck(
                "discovery.urls", DoctorStatus.Ok,
                "The discovery document is at /.well-known/ocm; /ocm-provider (where Nextcloud and ownCloud before OCM 1.4 look) does not serve it.", null, details));
        }
        else
        {
            checks.Add(new DoctorCheck(
                "discovery.urls", DoctorStatus.Ok,
                redirected.Count == 0
                    ? "The discovery document answers at /.well-known/ocm and /ocm-provider."
                    : $"The discovery document answers at /.well-known/ocm and /ocm-provider, after redirects at {string.Join(", ", redirected.Select(p => "/" + p))}.",
                null, details));
        }
    }

    private void CheckSpec(DiscoveredServer discovered, List<DoctorCheck> checks)
    {
        // Two kinds of finding are reported where they belong rather than here: plain http (the 'tls' check, which knows
        // whether the operator allowed it for a test setup) and the legacy 'publicKey' (the 'keys.legacy' check: kept by
        // servers, Ocm included, for draft-cavage peers, and ignored by strict readers).
        var violations = discovered.Violations
            .Where(v => !(AllowedPlainHttp(discovered) && IsAboutPlainHttp(v)) && !v.StartsWith("'publicKey'", StringComparison.Ordinal))
            .ToList();
        checks.Add(violations.Count == 0
            ? new DoctorCheck("discovery.spec", DoctorStatus.Ok, "The discovery document follows the OCM 1.4 rules (OCM §OCM API Discovery › Fields).", null, [])
            : new DoctorCheck(
                "discovery.spec", DoctorStatus.Warn,
                $"The discovery document breaks {violations.Count} OCM 1.4 rule{(violations.Count == 1 ? "" : "s")}; Ocm reads it anyway, stricter peers may not.",
                "Correct the fields listed (OCM §OCM API Discovery › Fields); a newer release of the peer's software often does.", violations));
    }

    private static bool IsAboutPlainHttp(string violation) =>
        violation.Contains("must use https", StringComparison.Ordinal) || violation.Contains("plain http", StringComparison.Ordinal);

    /// <summary>The peer is on plain http and our policy allows that for it: a test setup the operator set up on purpose.</summary>
    private bool AllowedPlainHttp(DiscoveredServer discovered) =>
        discovered.Insecure && policy.IsInsecureAllowed(discovered.DocumentUrl.IdnHost, discovered.DocumentUrl.Port);

    private static DoctorCheck Dialect(DiscoveredServer discovered)
    {
        var (words, shape) = discovered.Dialect switch
        {
            OcmDialect.Ocm14 => ("a strict OCM 1.4 server", "OCM 1.4 shares (protocol object, RFC 9421 signatures)"),
            OcmDialect.RevaFamily => ("a Reva-family server (CERNBox, oCIS, OpenCloud: OCM 1.1–1.3)", "shares with the protocol object, the Reva way"),
            OcmDialect.NextcloudLegacy => ("Nextcloud (1.0-proposal1 with its own capability names)", "the legacy 'options' share shape, draft-cavage signatures"),
            OcmDialect.OwnCloud10 => ("ownCloud 10 (resources under 'shareTypes')", "the legacy 'options' share shape"),
            OcmDialect.Seafile => ("Seafile", "the legacy share shape"),
            _ => ("an unknown OCM implementation", "shares with the protocol object"),
        };
        var status = discovered.Dialect == OcmDialect.Unknown ? DoctorStatus.Warn : DoctorStatus.Ok;
        return new DoctorCheck(
            "dialect", status, $"The peer speaks like {words}; Ocm sends it {shape}.",
            status == DoctorStatus.Warn ? "Publish 'apiVersion' as a semantic version (1.4.0) so that peers know which OCM the server speaks." : null,
            [$"dialect: {discovered.Dialect}", $"apiVersion: {discovered.Document.ApiVersion}", $"capabilities: {string.Join(", ", discovered.Document.Capabilities)}"]);
    }

    private static DoctorCheck Tls(DiscoveredServer discovered, bool allowedPlainHttp)
    {
        var details = new List<string> { $"document: {discovered.DocumentUrl}" };
        var endPoint = discovered.Document.GetEndPointUri();
        if (endPoint is not null)
        {
            details.Add($"endPoint: {endPoint}");
        }

        if (allowedPlainHttp && endPoint?.Scheme != Uri.UriSchemeHttps)
        {
            return new DoctorCheck(
                "tls", DoctorStatus.Ok,
                "The peer is reached over plain http, which our outbound policy allows for it (--insecure, Ocm:Federation:InsecurePeers or AllowInsecurePeers): a test setup. Outside one, OCM requires https.",
                null, details);
        }

        if (discovered.Insecure || endPoint?.Scheme == Uri.UriSchemeHttp)
        {
            return new DoctorCheck(
                "tls", DoctorStatus.Warn, "The peer is reached over plain http: anyone on the way can read and change what is sent. Acceptable in a test setup only.",
                "Serve OCM over https with a certificate from a trusted authority (OCM §OCM API Discovery › Process).", details);
        }

        return new DoctorCheck(
            "tls", DoctorStatus.Ok, "The peer answers over https with a certificate this machine trusts for its name (checked on every connection, redirects included).", null, details);
    }

    private async Task CheckKeysAsync(DiscoveredServer discovered, List<DoctorCheck> checks, CancellationToken cancellationToken)
    {
        var document = discovered.Document;
        if (document.GetJwksUri() is not { } jwks)
        {
            var advertises = document.SupportsCapability(OcmCapabilities.HttpSig);
            checks.Add(new DoctorCheck(
                "keys.jwks", advertises ? DoctorStatus.Fail : document.PublicKey is null ? DoctorStatus.Warn : DoctorStatus.Ok,
                advertises ? "The peer advertises 'http-sig' but publishes no 'jwksUri': nobody can verify its signatures."
                    : document.PublicKey is null ? "The peer publishes no JWK Set and no legacy key: it cannot sign its requests, and its shares cannot be told from forged ones."
                    : "The peer publishes no JWK Set (RFC 9421 keys); it signs the older draft-cavage way with its legacy 'publicKey'.",
                advertises || document.PublicKey is null ? "Publish the signing keys as a JWK Set (RFC 7517) and name it 'jwksUri' in discovery (OCM §Signing Requirements)." : null,
                []));
        }
        else
        {
            checks.Add(await CheckJwksAsync(jwks, cancellationToken));
        }

        if (document.PublicKey is { } legacy)
        {
            checks.Add(LegacyKey(legacy));
        }
    }

    private async Task<DoctorCheck> CheckJwksAsync(Uri jwks, CancellationToken cancellationToken)
    {
        const string Publish = "Serve the JWK Set (RFC 7517: a JSON object with a 'keys' array) at the 'jwksUri' of discovery, with the current signing key in it.";
        PeerResponse response;
        try
        {
            response = await peers.GetDocumentAsync(jwks, peers.MaxResponseBytes, CallTimeout, cancellationToken);
        }
        catch (PeerCallException ex)
        {
            return new DoctorCheck("keys.jwks", DoctorStatus.Fail, $"The JWK Set at {jwks} cannot be fetched: {ex.Message}.", Publish, []);
        }

        if (!response.IsSuccess)
        {
            return new DoctorCheck("keys.jwks", DoctorStatus.Fail, $"The JWK Set at {jwks} answers {response.Status}: the peer's signatures cannot be verified.", Publish, []);
        }

        JsonElement keys;
        try
        {
            using var parsed = JsonDocument.Parse(response.Body);
            if (parsed.RootElement.ValueKind != JsonValueKind.Object || !parsed.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return new DoctorCheck("keys.jwks", DoctorStatus.Fail, $"{jwks} is JSON but no JWK Set (no 'keys' array).", Publish, []);
            }

            keys = list.Clone();
        }
        catch (JsonException)
        {
            return new DoctorCheck("keys.jwks", DoctorStatus.Fail, $"{jwks} answers {Describe(response)}, not a JWK Set.", Publish, []);
        }

        var now = time.GetUtcNow();
        var details = new List<string>();
        var usable = 0;
        var expired = new List<string>();
        var expiring = new List<string>();
        foreach (var key in keys.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.Object))
        {
            var kid = Text(key, "kid") ?? "(no kid)";
            var description = $"{kid}: kty {Text(key, "kty") ?? "?"}{(Text(key, "crv") is { } crv ? " " + crv : "")}, alg {Text(key, "alg") ?? "(not given)"}";
            // RFC 7517 gives a key no lifetime of its own; a certificate chain (x5c, §4.7) does.
            if (key.TryGetProperty("x5c", out var chain) && chain.ValueKind == JsonValueKind.Array && chain.GetArrayLength() > 0
                && CertificateNotAfter(chain[0].GetString()) is { } notAfter)
            {
                description += $", certificate valid until {notAfter:u}";
                if (notAfter < now)
                {
                    expired.Add(kid);
                    details.Add(description + " (EXPIRED)");
                    continue;
                }

                if (notAfter - now < ExpiryWarning)
                {
                    expiring.Add(kid);
                }
            }

            if (Text(key, "kty") is "RSA" or "EC" or "OKP")
            {
                usable++;
            }

            details.Add(description);
        }

        if (usable == 0)
        {
            return new DoctorCheck(
                "keys.jwks", DoctorStatus.Fail,
                expired.Count > 0
                    ? $"Every key in the JWK Set has expired ({string.Join(", ", expired)}): signatures made with them are not to be trusted."
                    : $"The JWK Set at {jwks} holds no usable public key.",
                "Publish a current key (Ed25519, ECDSA or RSA, OCM §Keys and Algorithms) and sign with it.", details);
        }

        if (expired.Count > 0 || expiring.Count > 0)
        {
            return new DoctorCheck(
                "keys.jwks", DoctorStatus.Warn,
                expired.Count > 0 ? $"The JWK Set still lists expired keys ({string.Join(", ", expired)})." : $"Keys in the JWK Set expire within {ExpiryWarning.TotalDays:0} days ({string.Join(", ", expiring)}).",
                "Rotate: publish the next key, sign with it, then remove the old one.", details);
        }

        return new DoctorCheck("keys.jwks", DoctorStatus.Ok, $"The JWK Set at {jwks} publishes {usable} key{(usable == 1 ? "" : "s")}.", null, details);
    }

    private static DoctorCheck LegacyKey(LegacyPublicKey legacy)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(legacy.PublicKeyPem);
            var details = new List<string> { $"keyId: {legacy.KeyId ?? "(none)"}", $"RSA {rsa.KeySize} bits" };
            return rsa.KeySize < 2048
                ? new DoctorCheck("keys.legacy", DoctorStatus.Warn, $"The legacy draft-cavage 'publicKey' is an RSA key of only {rsa.KeySize} bits.", "Use RSA keys of at least 2048 bits.", details)
                : new DoctorCheck(
                    "keys.legacy", DoctorStatus.Ok,
                    "The legacy 'publicKey' is a readable RSA key: draft-cavage signatures (Nextcloud before 35) can be verified. OCM 1.4 removed the field; strict peers ignore it.",
                    null, details);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return new DoctorCheck(
                "keys.legacy", DoctorStatus.Fail, "The legacy 'publicKey' cannot be read as an RSA public key in PEM: its draft-cavage signatures cannot be verified.",
                "Publish the key as '-----BEGIN PUBLIC KEY-----' PEM in 'publicKey.publicKeyPem'.", [$"keyId: {legacy.KeyId ?? "(none)"}"]);
        }
    }

    /// <summary>
    /// OCM §Verification Requirements: a request with a wrong signature must be refused, one with ours accepted. Three
    /// shares of <see cref="ProbeShareName"/> to the operator's test recipient: wrongly signed, unsigned, signed.
    /// </summary>
    private async Task<DoctorCheck> CheckSignaturesAsync(DiscoveredServer discovered, string? recipient, CancellationToken cancellationToken)
    {
        if (recipient is null)
        {
            return new DoctorCheck(
                "signatures", DoctorStatus.Skipped,
                "Skipped: whether the peer verifies our signatures is checked by sending shares, and that needs a test recipient on the peer.",
                "Name a test user on the peer with --recipient user@host; it receives up to three shares named " + ProbeShareName + ".", []);
        }

        if (discovered.Document.GetEndPointUri() is not { } endPoint)
        {
            return new DoctorCheck("signatures", DoctorStatus.Skipped, "Skipped: the peer's 'endPoint' is not a URL, so there is nowhere to send a share.", null, []);
        }

        var scheme = SignatureSchemes.For(discovered, alwaysSign: true);
        var shares = new Uri(endPoint, "shares");
        var details = new List<string> { $"signature scheme: {scheme.Label()}", $"target: {shares}" };
        try
        {
            var forged = await SendShareAsync(discovered, shares, recipient, scheme, BreakSignature, cancellationToken);
            details.Add($"wrong signature → {forged.Status} {Excerpt(forged)}");
            var unsigned = await SendShareAsync(discovered, shares, recipient, SignatureScheme.None, null, cancellationToken);
            details.Add($"no signature → {unsigned.Status} {Excerpt(unsigned)}");
            var signed = await SendShareAsync(discovered, shares, recipient, scheme, null, cancellationToken);
            details.Add($"our signature → {signed.Status} {Excerpt(signed)}");

            if (forged.IsSuccess)
            {
                return new DoctorCheck(
                    "signatures", DoctorStatus.Fail,
                    "The peer accepted a share whose signature is wrong: it does not verify signatures, so anyone can send shares in any server's name.",
                    "Verify every signed request against the sender's published key and refuse it with 401 when the signature does not match (OCM §Verification Requirements).",
                    details);
            }

            if (!signed.IsSuccess)
            {
                return new DoctorCheck(
                    "signatures", DoctorStatus.Fail,
                    signed.Status is 401 or 403
                        ? $"The peer refused our correctly signed share ({signed.Status}): it cannot verify our signatures."
                        : $"The peer did not accept our correctly signed share ({signed.Status}).",
                    signed.Status is 401 or 403
                        ? $"Check that the peer can reach our discovery and keys at {server.Url(".well-known/ocm")} and {server.Url("ocm/jwks")}, that both clocks are right, and that it trusts our server."
                        : "Check that the recipient exists on the peer and that the peer accepts shares from our server; the peer's answer is in the details.",
                    details);
            }

            if (forged.Status is not (401 or 403))
            {
                return new DoctorCheck(
                    "signatures", DoctorStatus.Warn,
                    $"The peer refused the wrongly signed share, but with {forged.Status} rather than 401: a sender cannot tell a bad signature from a bad request.",
                    "Answer a request whose signature does not verify with 401 Unauthorized (OCM §Verification Requirements).", details);
            }

            if (unsigned.IsSuccess)
            {
                var promised = discovered.Document.HasCriterion(OcmCriteria.MustUseHttpSig);
                return new DoctorCheck(
                    "signatures", promised ? DoctorStatus.Fail : DoctorStatus.Warn,
                    promised
                        ? "The peer advertises 'must-use-http-sig' but accepted an unsigned share."
                        : "The peer verifies signatures and accepts ours, but also accepts unsigned shares: a forged share that simply carries no signature gets in.",
                    "Refuse unsigned requests from peers that can sign (on Ocm: Ocm:Security:RequireSignatures=true).", details);
            }

            return new DoctorCheck(
                "signatures", DoctorStatus.Ok, "The peer refuses a wrong signature and a missing one with 401, and accepts our signed share.", null, details);
        }
        catch (PeerCallException ex)
        {
            details.Add(ex.Message);
            return new DoctorCheck("signatures", DoctorStatus.Fail, $"The peer's share endpoint did not answer: {ex.Message}.", "Check that the peer's 'endPoint' is reachable from this machine.", details);
        }
    }

    private Task<PeerResponse> SendShareAsync(
        DiscoveredServer discovered, Uri shares, string recipient, SignatureScheme scheme, Action<HttpRequestMessage>? afterSigning, CancellationToken cancellationToken)
    {
        var providerId = "ocm-doctor-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var doctor = OcmAddress.Parse("ocm-doctor@" + server.Authority);
        var share = new NewShare
        {
            ShareWith = OcmAddress.Parse(recipient),
            Name = ProbeShareName,
            Description = "A test share sent by 'ocm doctor' to check signature verification; it can be declined.",
            ProviderId = providerId,
            Owner = doctor,
            Sender = doctor,
            OwnerDisplayName = "ocm doctor",
            SenderDisplayName = "ocm doctor",
            ShareType = ShareTypes.User,
            ResourceType = ResourceTypes.File,
            Protocol = new ShareProtocol
            {
                WebDav = new WebDavProtocol { Uri = providerId, SharedSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) },
            },
        };
        var dialect = discovered.Dialect is OcmDialect.NextcloudLegacy or OcmDialect.OwnCloud10 or OcmDialect.Seafile
            ? ShareDialect.NextcloudLegacy
            : discovered.Dialect == OcmDialect.Ocm14 ? ShareDialect.Ocm14 : ShareDialect.RevaCompatible;
        var request = new HttpRequestMessage(HttpMethod.Post, shares) { Content = new ByteArrayContent(OcmJson.Write(share, dialect)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return SendAndDisposeAsync(discovered, request, scheme, afterSigning, cancellationToken);
    }

    private async Task<PeerResponse> SendAndDisposeAsync(
        DiscoveredServer discovered, HttpRequestMessage request, SignatureScheme scheme, Action<HttpRequestMessage>? afterSigning, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await peers.SendProbeAsync(discovered, request, scheme, afterSigning, CallTimeout, cancellationToken);
        }
    }

    /// <summary>Flips one bit of the signature value (RFC 9421 <c>label=:base64:</c>, draft-cavage <c>signature="base64"</c>).</summary>
    internal static void BreakSignature(HttpRequestMessage request)
    {
        if (!request.Headers.TryGetValues("Signature", out var values))
        {
            return;
        }

        var value = string.Join(", ", values);
        var match = SignatureValue().Match(value);
        if (!match.Success)
        {
            return;
        }

        var group = match.Groups["rfc"].Success ? match.Groups["rfc"] : match.Groups["cavage"];
        var bytes = Convert.FromBase64String(group.Value);
        bytes[bytes.Length / 2] ^= 0x01;
        var broken = value[..group.Index] + Convert.ToBase64String(bytes) + value[(group.Index + group.Length)..];
        request.Headers.Remove("Signature");
        request.Headers.TryAddWithoutValidation("Signature", broken);
    }

    /// <summary>
    /// OCM §Token Exchange: the token endpoint answers an invalid grant in the OAuth error format (RFC 6749 §5.2:
    /// 400 with <c>{"error": "invalid_grant"}</c>, or 401 <c>invalid_client</c> when it does not know us).
    /// </summary>
    private async Task<DoctorCheck> CheckTokenAsync(DiscoveredServer discovered, CancellationToken cancellationToken)
    {
        var document = discovered.Document;
        if (document.GetTokenEndPointUri() is not { } tokenEndPoint)
        {
            return document.SupportsCapability(OcmCapabilities.ExchangeToken)
                ? new DoctorCheck("token", DoctorStatus.Fail, "The peer advertises 'exchange-token' but no usable 'tokenEndPoint': shares that require token exchange cannot be opened.",
                    "Publish the token endpoint's absolute URL as 'tokenEndPoint' (OCM §OCM API Discovery › Fields).", [])
                : new DoctorCheck("token", DoctorStatus.Skipped, "Skipped: the peer offers no token exchange (no 'tokenEndPoint'); shares to and from it use the shared secret.", null, []);
        }

        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = server.Authority,
            ["code"] = "ocm-doctor-invalid-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndPoint) { Content = form };
        PeerResponse response;
        try
        {
            response = await peers.SendProbeAsync(discovered, request, SignatureSchemes.For(discovered, alwaysSign: true), null, CallTimeout, cancellationToken);
        }
        catch (PeerCallException ex)
        {
            return new DoctorCheck("token", DoctorStatus.Fail, $"The token endpoint {tokenEndPoint} did not answer: {ex.Message}.", "Check that the token endpoint is reachable.", []);
        }

        var details = new List<string> { $"POST {tokenEndPoint} with an invalid code → {response.Status} {Excerpt(response)}" };
        var error = OAuthError(response.Body);
        if (response.IsSuccess)
        {
            return new DoctorCheck("token", DoctorStatus.Fail, "The token endpoint answered an invalid code with success: it hands out tokens for codes it never issued.",
                "Refuse unknown or used codes with 400 invalid_grant (RFC 6749 §5.2).", details);
        }

        if (response.Status is 400 or 401 && error is not null)
        {
            return new DoctorCheck("token", DoctorStatus.Ok, $"The token endpoint refuses an invalid code in the OAuth error format ({response.Status} \"{error}\").", null, details);
        }

        if (response.Status is 404 or 405)
        {
            return new DoctorCheck("token", DoctorStatus.Fail, $"The token endpoint {tokenEndPoint} does not exist ({response.Status}).",
                "Point 'tokenEndPoint' at the endpoint that exchanges codes for tokens (OCM §Token Exchange).", details);
        }

        return new DoctorCheck("token", DoctorStatus.Warn,
            $"The token endpoint refuses an invalid code with {response.Status}{(error is null ? ", but not in the OAuth error format" : "")}: clients cannot tell why.",
            "Answer 400 with {\"error\": \"invalid_grant\"} (RFC 6749 §5.2).", details);
    }

    /// <summary>Round-trip time of discovery (three requests, the middle one counts) and the peer's clock (its <c>Date</c> header).</summary>
    private async Task CheckTimingAsync(DiscoveredServer discovered, List<DoctorCheck> checks, CancellationToken cancellationToken)
    {
        var times = new List<TimeSpan>();
        DateTimeOffset? peerDate = null;
        DateTimeOffset ourDate = default;
        for (var i = 0; i < 3; i++)
        {
            var start = time.GetTimestamp();
            try
            {
                var response = await peers.GetDocumentAsync(discovered.DocumentUrl, peers.MaxResponseBytes, CallTimeout, cancellationToken);
                times.Add(time.GetElapsedTime(start));
                if (response.Date is { } date)
                {
                    peerDate = date;
                    ourDate = time.GetUtcNow();
                }
            }
            catch (PeerCallException)
            {
                // Counted below as a request without an answer.
            }
        }

        if (times.Count == 0)
        {
            checks.Add(new DoctorCheck("rtt", DoctorStatus.Fail, "The peer stopped answering while it was checked.", "Check that the peer is up.", []));
            return;
        }

        var median = times.Order().ElementAt(times.Count / 2);
        var ms = median.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        var rttDetails = times.Select(t => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms").ToList();
        checks.Add(median > TimeSpan.FromSeconds(2)
            ? new DoctorCheck("rtt", DoctorStatus.Warn, $"The peer takes {ms} ms to answer discovery: shares and downloads will feel slow, and calls may time out.", "Check the peer's load and the network between the two servers.", rttDetails)
            : new DoctorCheck("rtt", DoctorStatus.Ok, $"The peer answers discovery in {ms} ms.", null, rttDetails));

        if (peerDate is not { } theirs)
        {
            checks.Add(new DoctorCheck("clock", DoctorStatus.Skipped, "Skipped: the peer sends no Date header to compare clocks with.", null, []));
            return;
        }

        // The Date header has whole seconds; a second either way is no skew.
        var skew = theirs - ourDate;
        var seconds = Math.Abs(skew.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
        var clockDetails = new List<string> { $"peer: {theirs:u}", $"here: {ourDate:u}" };
        var abs = skew.Duration();
        checks.Add(abs > SkewFailure
            ? new DoctorCheck("clock", DoctorStatus.Fail, $"The peer's clock is {seconds} s {(skew > TimeSpan.Zero ? "ahead of" : "behind")} ours: signatures from either side are refused as too old or from the future.",
                "Synchronize both servers' clocks with NTP.", clockDetails)
            : abs > SkewWarning
                ? new DoctorCheck("clock", DoctorStatus.Warn, $"The peer's clock is {seconds} s {(skew > TimeSpan.Zero ? "ahead of" : "behind")} ours: near the limit signatures allow.",
                    "Synchronize both servers' clocks with NTP.", clockDetails)
                : new DoctorCheck("clock", DoctorStatus.Ok, $"The peer's clock agrees with ours (within {Math.Max(1, abs.TotalSeconds):0} s).", null, clockDetails));
    }

    private static DoctorCheck PublicUrl(DiscoveredServer discovered, Uri publicUrl)
    {
        var endPoint = discovered.Document.GetEndPointUri();
        var expected = new Uri(publicUrl, "ocm/");
        return endPoint == expected
            ? new DoctorCheck("self.publicUrl", DoctorStatus.Ok, $"Our public URL {publicUrl} answers, and discovery names {expected} as our endPoint.", null, [])
            : new DoctorCheck(
                "self.publicUrl", DoctorStatus.Fail,
                $"Discovery at {publicUrl} names the endPoint {discovered.Document.EndPoint}, not {expected}: peers would send shares elsewhere.",
                "Set Ocm:PublicUrl to the URL peers reach this server at, and make the reverse proxy pass the original host (X-Forwarded-Host).", []);
    }

    private static bool IsJsonObject(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? OAuthError(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(PeerResponse response)
    {
        var text = Encoding.UTF8.GetString(response.Body.AsSpan(0, Math.Min(response.Body.Length, 200)));
        return response.ContentType is "text/html" || text.TrimStart().StartsWith('<') ? "an HTML page" : $"{response.ContentType ?? "no content type"}, not JSON";
    }

    private static string Excerpt(PeerResponse response)
    {
        var text = Encoding.UTF8.GetString(response.Body.AsSpan(0, Math.Min(response.Body.Length, 160))).ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "" : $"({text})";
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? CertificateNotAfter(string? base64)
    {
        if (base64 is null)
        {
            return null;
        }

        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64));
            return new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    [GeneratedRegex("""(?:=:(?<rfc>[A-Za-z0-9+/=]+):)|(?:signature="(?<cavage>[A-Za-z0-9+/=]+)")""", RegexOptions.CultureInvariant)]
    private static partial Regex SignatureValue();
}
