using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures;

/// <summary>Settings for <see cref="OcmRequestSigner"/>.</summary>
public sealed record OcmSignerOptions
{
    /// <summary>The signature label (free in OCM; Nextcloud uses <c>ocm</c>, spec examples <c>sig1</c>).</summary>
    public string Label { get; init; } = OcmSignatureProfile.DefaultLabel;

    /// <summary>The <c>tag</c> parameter; <c>ocm</c> (required by OCM 1.4). Null only to imitate -05 style peers.</summary>
    public string? Tag { get; init; } = OcmSignatureProfile.Tag;

    /// <summary>
    /// Send the <c>alg</c> parameter (OPTIONAL in OCM §Keys and Algorithms); it is omitted anyway for algorithms without an
    /// RFC 9421 registry name (PS256, RS512…).
    /// </summary>
    public bool IncludeAlgorithm { get; init; } = true;

    /// <summary>Components covered after the required ones, e.g. <c>date</c> for -05 style peers.</summary>
    public IReadOnlyList<ComponentIdentifier> AdditionalComponents { get; init; } = [];

    /// <summary>Digest algorithms for <c>Content-Digest</c> (sha-256 is required by OCM).</summary>
    public IReadOnlyList<DigestAlgorithm> DigestAlgorithms { get; init; } = [DigestAlgorithm.Sha256];

    /// <summary>When set, adds <c>expires</c> = <c>created</c> + this.</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>
    /// Adds a random <c>nonce</c> (RFC 9421 §2.3; allowed, not required by OCM §9.2). Without it two identical requests
    /// signed within the same second carry the same signature (Ed25519 and RSA v1.5 are deterministic), and the
    /// receiver's replay cache rightly refuses the second one.
    /// </summary>
    public bool IncludeNonce { get; init; } = true;
}

/// <summary>
/// Signs outgoing OCM requests per OCM §Signing Requirements: sets <c>Content-Length</c> and <c>Content-Digest</c> for the body,
/// covers <c>@method @target-uri content-digest content-length</c> (no body: <c>@method @target-uri</c>), and adds
/// <c>Signature-Input: ocm=(…);created=…;keyid="…";alg="…";tag="ocm"</c> and <c>Signature</c>. Thread-safe.
/// </summary>
public sealed class OcmRequestSigner
{
    private readonly SigningKey _key;
    private readonly OcmSignerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer for one of our keys.</summary>
    /// <exception cref="ArgumentException">The key has no key id or is symmetric (OCM §Keys and Algorithms).</exception>
    public OcmRequestSigner(SigningKey key, OcmSignerOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(key.KeyId))
        {
            throw new ArgumentException("An OCM signing key needs a key id (the kid published in our JWK Set).", nameof(key));
        }

        if (key.Algorithm.IsSymmetric())
        {
            throw new ArgumentException("OCM forbids symmetric signature algorithms (OCM §Keys and Algorithms).", nameof(key));
        }

        _key = key;
        _options = options ?? new OcmSignerOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The key id put into <c>keyid</c>.</summary>
    public string KeyId => _key.KeyId!;

    /// <summary>Signs a request in place: adds Content-Length, Content-Digest (with a body), Signature-Input and Signature.</summary>
    /// <exception cref="HttpSignatureException">A covered component is missing from the request.</exception>
    public SignatureResult Sign(HttpMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsRequest)
        {
            throw new ArgumentException("OCM signs requests only; responses are not signed.", nameof(request));
        }

        var components = new List<ComponentIdentifier>(OcmSignatureProfile.RequiredComponents);
        if (request.Body is { Length: > 0 } body)
        {
            request.Headers.Set("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
            request.Headers.Set(ContentDigest.FieldName, ContentDigest.Create(body.Span, [.. _options.DigestAlgorithms]));
            components.Add(ComponentIdentifier.ContentDigest);
            components.Add(ComponentIdentifier.ContentLength);
        }

        foreach (var extra in _options.AdditionalComponents)
        {
            if (!components.Contains(extra))
            {
                components.Add(extra);
            }
        }

        // Parameter order as in the examples of OCM Appendix B: created, keyid, alg, tag (then our nonce).
        var created = _time.GetUtcNow().ToUnixTimeSeconds();
        var parameters = new SignatureParameters { Created = created, KeyId = _key.KeyId };
        if (_options.Lifetime is { } lifetime)
        {
            parameters.Expires = created + (long)lifetime.TotalSeconds;
        }

        if (_options.IncludeAlgorithm && _key.Algorithm.GetRfc9421Name() is { } alg)
        {
            parameters.Algorithm = alg;
        }

        if (_options.Tag is not null)
        {
            parameters.Tag = _options.Tag;
        }

        if (_options.IncludeNonce)
        {
            parameters.Nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        }

        return HttpMessageSigner.Sign(request, _options.Label, components, parameters, _key);
    }

    /// <summary>
    /// Signs an <see cref="HttpRequestMessage"/>: buffers its content (replacing it with a <see cref="ByteArrayContent"/>
    /// so that Content-Length is explicit and the digest matches the bytes sent) and sets the signature headers.
    /// </summary>
    public async Task<SignatureResult> SignAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = await HttpMessageAdapters.FromRequestAsync(request, cancellationToken).ConfigureAwait(false);
        var result = Sign(message);
        HttpMessageAdapters.CopyFieldsTo(message, request, ContentDigest.FieldName, MessageSignature.SignatureInputField, MessageSignature.SignatureField);
        return result;
    }
}
