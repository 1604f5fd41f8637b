using System.Globalization;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures.Cavage;

/// <summary>Settings for <see cref="CavageSigner"/>.</summary>
public sealed record CavageSignerOptions
{
    /// <summary>The <c>algorithm</c> parameter: <c>rsa-sha256</c>, <c>rsa-sha512</c>, <c>hs2019</c> or <c>hmac-sha256</c>.</summary>
    public string Algorithm { get; init; } = CavageAlgorithms.RsaSha256;

    /// <summary>The signed headers in order; <c>(request-target)</c> first for Nextcloud compatibility.</summary>
    public IReadOnlyList<string> Headers { get; init; } = ["(request-target)", "content-length", "date", "digest", "host"];

    /// <summary>The hash of the <c>Digest</c> header added for a body.</summary>
    public DigestAlgorithm DigestAlgorithm { get; init; } = DigestAlgorithm.Sha256;

    /// <summary>Send <c>Authorization: Signature …</c> instead of the <c>Signature</c> header.</summary>
    public bool UseAuthorizationHeader { get; init; }

    /// <summary>When set, adds <c>expires</c> = <c>created</c> + this (only used if <c>(expires)</c> is signed).</summary>
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// What Nextcloud 31–34 sends: <c>rsa-sha512</c>, <c>Digest: SHA-512=</c>, headers
    /// <c>(request-target) content-length date digest host</c>, <c>Signature</c> header.
    /// </summary>
    public static CavageSignerOptions Nextcloud { get; } = new()
    {
        Algorithm = CavageAlgorithms.RsaSha512,
        DigestAlgorithm = DigestAlgorithm.Sha512,
    };
}

/// <summary>
/// Signs requests per draft-cavage-http-signatures-12 for peers that do not speak RFC 9421 (Nextcloud 31–34 towards
/// receivers without <c>http-sig</c>). Adds <c>Date</c> (when missing), <c>Host</c>, <c>Content-Length</c> and
/// <c>Digest</c> for a body, then the signature header.
/// </summary>
public sealed class CavageSigner
{
    private readonly SigningKey _key;
    private readonly string _keyId;
    private readonly CavageSignerOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpSignatureAlgorithm _algorithm;

    /// <summary>Creates a signer.</summary>
    /// <param name="key">The private key (RSA for <c>rsa-*</c>).</param>
    /// <param name="keyId">The <c>keyId</c>; Nextcloud expects <c>https://host/ocm#signature</c> (see <see cref="NextcloudKeyId"/>).</param>
    /// <param name="options">Settings.</param>
    /// <param name="timeProvider">The clock for <c>Date</c> and <c>created</c>.</param>
    /// <exception cref="ArgumentException">The algorithm name is unknown or does not fit the key.</exception>
    public CavageSigner(SigningKey key, string keyId, CavageSignerOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        _key = key;
        _keyId = keyId;
        _options = options ?? new CavageSignerOptions();
        _time = timeProvider ?? TimeProvider.System;
        if (!CavageAlgorithms.TryResolve(_options.Algorithm, key.KeyType, key.Algorithm, out _algorithm))
        {
            throw new ArgumentException($"Algorithm '{_options.Algorithm}' cannot be used with a {key.KeyType} key.", nameof(options));
        }
    }

    /// <summary>
    /// The key id Nextcloud uses and expects for an OCM endpoint: <c>https://</c> + host + path of the endpoint + <c>#signature</c>,
    /// with a leading <c>/index.php</c> removed (as Nextcloud computes it).
    /// </summary>
    public static string NextcloudKeyId(Uri ocmEndpoint)
    {
        ArgumentNullException.ThrowIfNull(ocmEndpoint);
        var path = ocmEndpoint.AbsolutePath.TrimEnd('/');
        if (path.StartsWith("/index.php/", StringComparison.Ordinal))
        {
            path = path["/index.php".Length..];
        }

        return "https://" + ocmEndpoint.Authority + path + "#signature";
    }

    /// <summary>Signs a request in place and returns the signature parameters that were added.</summary>
    /// <exception cref="HttpSignatureException">A signed header is missing from the request.</exception>
    public CavageSignatureHeader Sign(HttpMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        var headers = _options.Headers.Select(AsciiCase.Lower).ToList();
        if (headers.Contains("date") && !request.Headers.Contains("Date"))
        {
            request.Headers.Add("Date", now.ToString("r", CultureInfo.InvariantCulture));
        }

        if (headers.Contains("host") && !request.Headers.Contains("Host") && request.EffectiveAuthority is { } authority)
        {
            request.Headers.Add("Host", authority);
        }

        var body = request.Body ?? ReadOnlyMemory<byte>.Empty;
        if (request.Body is not null || headers.Contains("content-length"))
        {
            request.Headers.Set("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        }

        if (request.Body is not null || headers.Contains("digest"))
        {
            request.Headers.Set(LegacyDigest.FieldName, LegacyDigest.Create(body.Span, _options.DigestAlgorithm));
        }

        var created = headers.Contains("(created)") ? now.ToUnixTimeSeconds() : (long?)null;
        var expires = headers.Contains("(expires)") ? now.ToUnixTimeSeconds() + (long)_options.ExpiresAfter.TotalSeconds : (long?)null;
        var signingString = CavageSigningString.Build(request, headers, _keyId, _options.Algorithm, created, expires);
        var signature = new CavageSignatureHeader
        {
            KeyId = _keyId,
            Algorithm = _options.Algorithm,
            Created = created,
            Expires = expires,
            Headers = headers,
            HasExplicitHeaders = true,
            Signature = _key.Sign(_algorithm, System.Text.Encoding.Latin1.GetBytes(signingString)),
            InAuthorizationHeader = _options.UseAuthorizationHeader,
        };

        if (_options.UseAuthorizationHeader)
        {
            request.Headers.Set("Authorization", "Signature " + signature.ToHeaderValue());
        }
        else
        {
            request.Headers.Set("Signature", signature.ToHeaderValue());
        }

        return signature;
    }
}
