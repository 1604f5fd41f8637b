using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ocm.Federation;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Http;

namespace Ocm.Invites;

/// <summary>One OCM server offered by a directory service.</summary>
internal sealed record DirectoryServer(string Url, string DisplayName, string Authority);

/// <summary>A verified directory list: the federation's name and its servers (OCM Appendix C: Directory Service).</summary>
internal sealed record DirectoryListing(string Federation, IReadOnlyList<DirectoryServer> Servers);

/// <summary>The ES256 key a directory service signs its list with, read from configuration.</summary>
internal static class DirectoryServiceKey
{
    /// <summary>Reads a P-256 public key given as PEM, base64 DER (SubjectPublicKeyInfo) or a JWK (<c>kty: EC</c>).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ECDsa? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty";
            return false;
        }

        var candidate = ECDsa.Create();
        try
        {
            var trimmed = text.Trim();
            if (trimmed.StartsWith('{'))
            {
                using var jwk = JsonDocument.Parse(trimmed);
                var root = jwk.RootElement;
                if (root.GetProperty("kty").GetString() != "EC" || root.GetProperty("crv").GetString() != "P-256")
                {
                    error = "the JWK is not an EC key on P-256";
                    candidate.Dispose();
                    return false;
                }

                candidate.ImportParameters(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint
                    {
                        X = Base64Url.DecodeFromChars(root.GetProperty("x").GetString()),
                        Y = Base64Url.DecodeFromChars(root.GetProperty("y").GetString()),
                    },
                });
            }
            else if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                candidate.ImportFromPem(trimmed);
            }
            else
            {
                candidate.ImportSubjectPublicKeyInfo(Convert.FromBase64String(trimmed), out _);
            }

            if (candidate.KeySize != 256)
            {
                error = $"the key is on a {candidate.KeySize}-bit curve; ES256 needs P-256";
                candidate.Dispose();
                return false;
            }

            key = candidate;
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException or JsonException
            or KeyNotFoundException or InvalidOperationException)
        {
            candidate.Dispose();
            error = "it cannot be read (" + ex.GetType().Name + ")";
            return false;
        }
    }
}

/// <summary>
/// Verifies a directory service's JWS (RFC 7515) with its ES256 key and reads the list inside (OCM Appendix C).
/// Accepted serializations: compact (<c>h.p.s</c>), flattened and general JSON, and the form of the spec's example
/// where <c>payload</c> and <c>protected</c> are JSON objects (the shape of the example in OCM Appendix C, not a standard JWS serialization) — there the signature must verify over the
/// base64url of the objects' bytes exactly as sent. Nothing unverified is ever returned.
/// </summary>
internal static class DirectoryJws
{
    public static bool TryVerify(
        ReadOnlySpan<byte> document,
        ECDsa key,
        [NotNullWhen(true)] out DirectoryListing? listing,
        [NotNullWhen(false)] out string? error,
        List<string>? skipped = null)
    {
        listing = null;
        byte[]? payload;
        try
        {
            payload = VerifiedPayload(document, key, out error);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            error = "the document is not a JWS (" + ex.GetType().Name + ")";
            return false;
        }

        if (payload is null)
        {
            error ??= "the signature could not be checked";
            return false;
        }

        try
        {
            return TryReadListing(payload, out listing, out error, skipped);
        }
        catch (JsonException)
        {
            error = "the signed payload is not JSON";
            return false;
        }
    }

    private static byte[]? VerifiedPayload(ReadOnlySpan<byte> document, ECDsa key, out string? error)
    {
        var jws = Parse(document, out error);
        if (jws is null)
        {
            return null;
        }

        error = "no signature verifies with the configured key";
        foreach (var (protectedPart, signaturePart) in jws.Signatures)
        {
            if (Check(protectedPart, jws.PayloadPart, signaturePart, key, out var reason))
            {
                error = null;
                return Base64Url.DecodeFromChars(jws.PayloadPart);
            }

            error = reason;
        }

        return null;
    }

    /// <summary>
    /// Reads the directory list inside a JWS <em>without</em> checking its signature: for a server that publishes a
    /// list it cannot verify (it never holds the signing key) and only makes sure WAYF pages will find a list inside.
    /// The same parser as <see cref="TryVerify"/>, so whatever is published here is read alike by verifiers.
    /// </summary>
    public static bool TryReadUnverified(ReadOnlySpan<byte> document, [NotNullWhen(false)] out string? error)
    {
        try
        {
            var jws = Parse(document, out error);
            if (jws is null)
            {
                error ??= "the document is not a JWS";
                return false;
            }

            return TryReadListing(Base64Url.DecodeFromChars(jws.PayloadPart), out _, out error);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException or DecoderFallbackException)
        {
            error = "the document is not a JWS (" + ex.GetType().Name + ")";
            return false;
        }
    }

    /// <summary>The base64url parts a JWS signature covers, exactly as sent; nothing in it is verified.</summary>
    private sealed record Parsed(string PayloadPart, List<(string Protected, string Signature)> Signatures);

    /// <summary>Splits a compact JWS or a JSON serialization (flattened or general, RFC 7515 §7.2) into its parts.</summary>
    private static Parsed? Parse(ReadOnlySpan<byte> document, out string? error)
    {
        var text = Encoding.UTF8.GetString(document).Trim();
        if (!text.StartsWith('{'))
        {
            var parts = text.Split('.');
            if (parts.Length != 3)
            {
                error = "the document is neither JSON nor a compact JWS";
                return null;
            }

            error = null;
            return new Parsed(parts[1], [(parts[0], parts[2])]);
        }

        using var json = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("payload", out var payloadElement))
        {
            error = "the JWS has no payload";
            return null;
        }

        // The spec's example carries the payload (and header) as JSON objects instead of base64url text.
        string payloadPart;
        if (payloadElement.ValueKind == JsonValueKind.String)
        {
            payloadPart = payloadElement.GetString()!;
        }
        else if (payloadElement.ValueKind == JsonValueKind.Object)
        {
            payloadPart = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadElement.GetRawText()));
        }
        else
        {
            error = "the JWS payload is neither text nor an object";
            return null;
        }

        var entries = new List<(JsonElement Protected, JsonElement Signature)>();
        if (root.TryGetProperty("signatures", out var signatures) && signatures.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in signatures.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("protected", out var p) && entry.TryGetProperty("signature", out var s))
                {
                    entries.Add((p, s));
                }
            }
        }
        else if (root.TryGetProperty("protected", out var p) && root.TryGetProperty("signature", out var s))
        {
            entries.Add((p, s));
        }

        var signed = new List<(string Protected, string Signature)>();
        foreach (var (protectedElement, signatureElement) in entries)
        {
            var protectedPart = protectedElement.ValueKind switch
            {
                JsonValueKind.String => protectedElement.GetString()!,
                JsonValueKind.Object => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(protectedElement.GetRawText())),
                _ => null,
            };
            if (protectedPart is not null && signatureElement.ValueKind == JsonValueKind.String)
            {
                signed.Add((protectedPart, signatureElement.GetString()!));
            }
        }

        if (signed.Count == 0)
        {
            error = "the JWS carries no protected header and signature";
            return null;
        }

        error = null;
        return new Parsed(payloadPart, signed);
    }

    /// <summary>Checks the header (<c>alg</c> ES256, no <c>crit</c>) and the signature over <c>protected.payload</c>.</summary>
    private static bool Check(string protectedPart, string payloadPart, string signaturePart, ECDsa key, out string? error)
    {
        using (var header = JsonDocument.Parse(Base64Url.DecodeFromChars(protectedPart)))
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object
                || !header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
            {
                error = "the protected header names no algorithm";
                return false;
            }

            if (alg.GetString() != "ES256")
            {
                error = $"the list is signed with '{alg.GetString()}'; only ES256 is accepted";
                return false;
            }

            // RFC 7515 §4.1.11: extensions we do not understand must make the JWS invalid.
            if (header.RootElement.TryGetProperty("crit", out _))
            {
                error = "the protected header has critical extensions this server does not understand";
                return false;
            }
        }

        var signingInput = Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart);
        var signature = Base64Url.DecodeFromChars(signaturePart);

        // JWS ES256 signatures are r‖s (64 bytes, RFC 7518 §3.4); some implementations emit DER, which is accepted too.
        var valid = signature.Length == 64
            ? key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        error = valid ? null : "the signature does not verify with the configured key (the list was altered or signed by someone else)";
        return valid;
    }

    /// <summary>
    /// Reads <c>{ "federation", "servers": [{ "url", "displayName" }] }</c>. A server whose <c>url</c> breaks the
    /// Appendix C rules (scheme http/https, a host, optional port, no path, userinfo, query or fragment) is skipped.
    /// </summary>
    internal static bool TryReadListing(
        byte[] payload,
        [NotNullWhen(true)] out DirectoryListing? listing,
        [NotNullWhen(false)] out string? error,
        List<string>? skipped = null)
    {
        listing = null;
        using var json = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 32 });
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("federation", out var federation) || federation.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("servers", out var servers) || servers.ValueKind != JsonValueKind.Array)
        {
            error = "the payload lacks 'federation' or 'servers'";
            return false;
        }

        var result = new List<DirectoryServer>();
        foreach (var server in servers.EnumerateArray())
        {
            if (server.ValueKind != JsonValueKind.Object
                || !server.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
            {
                skipped?.Add("an entry without 'url'");
                continue;
            }

            var url = urlElement.GetString()!;
            if (!TryCheckServerUrl(url, out var authority))
            {
                skipped?.Add($"'{url}' (the url must be scheme://host[:port] only)");
                continue;
            }

            var displayName = server.TryGetProperty("displayName", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()!
                : authority;
            result.Add(new DirectoryServer(url, displayName, authority));
        }

        listing = new DirectoryListing(federation.GetString()!, result);
        error = null;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="url"/> is a server URL Appendix C allows: scheme https (or http, for tests) and a host,
    /// an optional port, and no base path, userinfo, query or fragment.
    /// </summary>
    internal static bool TryCheckServerUrl(string url, [NotNullWhen(true)] out string? authority)
    {
        authority = null;
        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0
            && uri.AbsolutePath == "/"
            && OcmAddress.TryNormalizeAuthority(uri.Authority, out authority, out _);
    }
}

/// <summary>
/// Fetches the configured directory services' lists for the WAYF page: anonymous GETs through the guarded outbound
/// path, each list verified with its own key, cached (<c>DirectoryCacheSeconds</c>). A refresh that fails keeps the
/// last good list and is retried after a minute; every failure is logged with its reason.
/// </summary>
internal sealed partial class DirectoryServiceClient : IDisposable
{
    private static readonly TimeSpan RetryFailedAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    private const int MaxDocumentBytes = 1024 * 1024;

    private readonly PeerClient _peers;
    private readonly TimeProvider _time;
    private readonly ILogger<DirectoryServiceClient> _logger;
    private readonly TimeSpan _cacheFor;
    private readonly List<Source> _sources = [];

    public DirectoryServiceClient(InvitesOptions options, PeerClient peers, TimeProvider time, ILogger<DirectoryServiceClient> logger)
    {
        _peers = peers;
        _time = time;
        _logger = logger;
        _cacheFor = TimeSpan.FromSeconds(options.DirectoryCacheSeconds);
        foreach (var service in options.DirectoryServices)
        {
            // Options were validated at start-up; a key that does not parse never gets here.
            if (DirectoryServiceKey.TryParse(service.PublicKey, out var key, out _))
            {
                _sources.Add(new Source(new Uri(service.Url), key));
            }
        }
    }

    public bool IsConfigured => _sources.Count > 0;

    /// <summary>Every configured directory's verified list (those that could not be fetched or verified are left out).</summary>
    public async Task<IReadOnlyList<DirectoryListing>> GetListingsAsync(CancellationToken cancellationToken)
    {
        var listings = await Task.WhenAll(_sources.Select(source => GetAsync(source, cancellationToken)));
        return listings.OfType<DirectoryListing>().ToList();
    }

    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.Key.Dispose();
            source.Gate.Dispose();
        }
    }

    private async Task<DirectoryListing?> GetAsync(Source source, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (source.NextRefresh > now)
        {
            return source.Listing;
        }

        await source.Gate.WaitAsync(cancellationToken);
        try
        {
            if (source.NextRefresh > _time.GetUtcNow())
            {
                return source.Listing; // another caller refreshed it meanwhile
            }

            var (listing, error) = await FetchAsync(source, cancellationToken);
            if (listing is not null)
            {
                source.Listing = listing;
                source.NextRefresh = _time.GetUtcNow() + _cacheFor;
                Log.Refreshed(_logger, source.Url.GetLeftPart(UriPartial.Path), listing.Federation, listing.Servers.Count);
            }
            else
            {
                source.NextRefresh = _time.GetUtcNow() + RetryFailedAfter;
                Log.Failed(_logger, source.Url.GetLeftPart(UriPartial.Path), error!, source.Listing is not null);
            }

            return source.Listing;
        }
        finally
        {
            source.Gate.Release();
        }
    }

    private async Task<(DirectoryListing? Listing, string? Error)> FetchAsync(Source source, CancellationToken cancellationToken)
    {
        byte[] document;
        try
        {
            var response = await _peers.GetDocumentAsync(source.Url, MaxDocumentBytes, FetchTimeout, cancellationToken);
            if (!response.IsSuccess)
            {
                return (null, $"it answered {response.Status} {response.ReasonPhrase}");
            }

            if (response.TooLarge is { } limit)
            {
                return (null, $"The response is larger than the allowed {limit} bytes.");
            }

            document = response.Body;
        }
        catch (PeerCallException ex) when (ex.Failure == PeerFailure.Timeout)
        {
            return (null, $"no answer within {FetchTimeout.TotalSeconds} s");
        }
        catch (PeerCallException ex)
        {
            // Also a refusal by the SSRF guard (the address is not public).
            return (null, ex.Detail);
        }

        var skipped = new List<string>();
        if (!DirectoryJws.TryVerify(document, source.Key, out var listing, out var error, skipped))
        {
            return (null, "the list was rejected: " + error);
        }

        foreach (var entry in skipped)
        {
            Log.SkippedEntry(_logger, source.Url.GetLeftPart(UriPartial.Path), entry);
        }

        return (listing, null);
    }

    private sealed class Source(Uri url, ECDsa key)
    {
        public Uri Url { get; } = url;

        public ECDsa Key { get; } = key;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public DirectoryListing? Listing { get; set; }

        public DateTimeOffset NextRefresh { get; set; } = DateTimeOffset.MinValue;
    }

    private static partial class Log
    {
        [LoggerMessage(1500, LogLevel.Information, "Directory service {Url}: verified list '{Federation}' with {Count} servers")]
        public static partial void Refreshed(ILogger logger, string url, string federation, int count);

        [LoggerMessage(1501, LogLevel.Warning, "Directory service {Url} not used: {Reason} (keeping the previous list: {KeptPrevious})")]
        public static partial void Failed(ILogger logger, string url, string reason, bool keptPrevious);

        [LoggerMessage(1502, LogLevel.Warning, "Directory service {Url}: skipped server entry {Entry}")]
        public static partial void SkippedEntry(ILogger logger, string url, string entry);
    }
}
