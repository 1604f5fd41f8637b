using System.Globalization;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures;

/// <summary>Settings for <see cref="OcmRequestVerifier"/>; defaults follow OCM §Verification Requirements and opencloudmesh-go (60 s skew, 300 s age).</summary>
public sealed record OcmVerifierOptions
{
    /// <summary>How far in the future <c>created</c> may be (default 60 s).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How old <c>created</c> may be (default 300 s).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Accept a signature labelled <c>ocm</c> without <c>tag="ocm"</c> from any signer when no signature is tagged.
    /// Default false: OCM §Verification Requirements forbids using signatures without the tag; such a signature is
    /// rejected (<see cref="SignatureFailure.UntaggedOcmSignature"/>) unless its signer is one of
    /// <see cref="UntaggedOcmLabelPeers"/>.
    /// </summary>
    public bool AcceptUntaggedOcmLabel { get; init; }

    /// <summary>
    /// Compatibility exceptions: signer hosts (<c>host</c> or <c>host:port</c>, compared without regard to case) whose
    /// untagged signature labelled <c>ocm</c> is accepted as their OCM signature — draft -05 peers and Nextcloud before
    /// 35 sign that way. The signer is the claimed sender's host, else the host named by the key id. Default none.
    /// </summary>
    public IReadOnlyCollection<string> UntaggedOcmLabelPeers { get; init; } = [];

    /// <summary>
    /// Accept a covered legacy <c>digest</c> header (RFC 3230) instead of <c>content-digest</c> (-05 style peers).
    /// Default true.
    /// </summary>
    public bool AcceptLegacyDigest { get; init; } = true;

    /// <summary>Require the <c>alg</c> parameter (optional in OCM; default false).</summary>
    public bool RequireAlgorithmParameter { get; init; }

    /// <summary>Components required on every request (default <c>@method @target-uri</c>).</summary>
    public IReadOnlyList<ComponentIdentifier> RequiredComponents { get; init; } = OcmSignatureProfile.RequiredComponents;

    /// <summary>Options for rebuilding the signature base.</summary>
    public SignatureBaseOptions BaseOptions { get; init; } = SignatureBaseOptions.Default;
}

/// <summary>Outcome of <see cref="OcmRequestVerifier.VerifyAsync"/>.</summary>
public enum OcmVerificationStatus
{
    /// <summary>Exactly one OCM signature, and it is valid.</summary>
    Verified,

    /// <summary>No OCM signature: apply OCM §HTTP Message Signatures › Applicability (reject if we advertise <c>must-use-http-sig</c>).</summary>
    NotSigned,

    /// <summary>A signature is present but must not be trusted; see <see cref="OcmVerificationResult.Failure"/>.</summary>
    Rejected,
}

/// <summary>The result of verifying an incoming OCM request.</summary>
public sealed class OcmVerificationResult
{
    internal OcmVerificationResult(OcmVerificationStatus status, SignatureFailure failure, string message)
    {
        Status = status;
        Failure = failure;
        Message = message;
    }

    /// <summary>Verified, unsigned or rejected.</summary>
    public OcmVerificationStatus Status { get; }

    /// <summary>Machine-readable reason (<see cref="SignatureFailure.None"/> when verified, <see cref="SignatureFailure.NotSigned"/> when unsigned).</summary>
    public SignatureFailure Failure { get; }

    /// <summary>Human-readable explanation for operators.</summary>
    public string Message { get; }

    /// <summary>True when <see cref="Status"/> is <see cref="OcmVerificationStatus.Verified"/>.</summary>
    public bool IsVerified => Status == OcmVerificationStatus.Verified;

    /// <summary>The OCM signature that was examined.</summary>
    public MessageSignature? Signature { get; init; }

    /// <summary>The <c>keyid</c> parameter of the OCM signature; null when the request carried none.</summary>
    public string? KeyId => Signature?.KeyId;

    /// <summary>The <c>created</c> parameter of the OCM signature, in Unix seconds; null when the request carried none.</summary>
    public long? Created => Signature?.Parameters.Created;

    /// <summary>The signer host used to resolve the key.</summary>
    public string? SignerHost { get; init; }

    /// <summary>The algorithm of the key that verified the signature.</summary>
    public HttpSignatureAlgorithm? Algorithm { get; init; }

    /// <summary>The reconstructed signature base, when it was built.</summary>
    public SignatureBase? Base { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Status} ({Failure}): {Message}";
}

/// <summary>
/// Verifies incoming OCM requests per OCM §Verification Requirements: selects the one signature tagged <c>ocm</c> (two → reject), requires
/// <c>created</c>, <c>keyid</c> and the covered components (<c>content-digest</c>/<c>content-length</c> when there is
/// a body), checks the freshness window, the body digest and length, resolves the key through
/// <see cref="IOcmKeyResolver"/> (asymmetric only; the JWK's algorithm, which an <c>alg</c> parameter must match),
/// verifies the signature and rejects replays. Every rejection names a <see cref="SignatureFailure"/>. Thread-safe.
/// </summary>
public sealed class OcmRequestVerifier
{
    private static readonly ComponentIdentifier LegacyDigestComponent = ComponentIdentifier.Field(LegacyDigest.FieldName);

    private readonly IOcmKeyResolver _keys;
    private readonly OcmVerifierOptions _options;
    private readonly ISignatureReplayCache _replay;
    private readonly TimeProvider _time;
    private readonly HttpMessageVerifier _verifier;

    /// <summary>A verifier of the OCM profile: one <c>tag="ocm"</c> signature, the required components, <c>created</c> and <c>keyid</c>, asymmetric keys only.</summary>
    /// <param name="keyResolver">Finds signers' keys.</param>
    /// <param name="options">Profile settings.</param>
    /// <param name="replayCache">Seen signatures; an in-memory cache when null.</param>
    /// <param name="timeProvider">The clock.</param>
    public OcmRequestVerifier(IOcmKeyResolver keyResolver, OcmVerifierOptions? options = null, ISignatureReplayCache? replayCache = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(keyResolver);
        _keys = keyResolver;
        _options = options ?? new OcmVerifierOptions();
        _time = timeProvider ?? TimeProvider.System;
        _replay = replayCache ?? new MemorySignatureReplayCache(_time);
        _verifier = new HttpMessageVerifier(
            new HttpMessageVerifierOptions
            {
                ValidateTimestamps = true,
                MaxAge = _options.MaxAge,
                MaxFutureSkew = _options.MaxFutureSkew,
                RequireCreated = true,
                RequireKeyId = true,
                RequiredComponents = _options.RequiredComponents,
                AllowSymmetricKeys = false,
                BaseOptions = _options.BaseOptions,
            },
            _time);
    }

    /// <summary>
    /// Verifies a received request: <see cref="OcmVerificationStatus.NotSigned"/> when no signature carries
    /// <c>tag="ocm"</c> (policy then decides), otherwise verified or rejected with the reason.
    /// </summary>
    /// <param name="request">The request as received; <c>@target-uri</c> must be the URI the client used (behind a
    /// reverse proxy, rebuild scheme and authority from the configured public base URL).</param>
    /// <param name="signerHost">The claimed signer from the payload (OCM Appendix B, "Verifying a Signature", step 1); when null, the host named by
    /// the key id is used.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async ValueTask<OcmVerificationResult> VerifyAsync(HttpMessage request, string? signerHost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Steps 1–2: parse, select exactly one OCM signature.
        IReadOnlyList<MessageSignature> all;
        try
        {
            all = MessageSignature.ReadAll(request);
        }
        catch (HttpSignatureException ex)
        {
            return Reject(ex.Failure, ex.Message);
        }

        MessageSignature? signature = null;
        foreach (var candidate in all)
        {
            if (!string.Equals(candidate.Tag, OcmSignatureProfile.Tag, StringComparison.Ordinal))
            {
                continue;
            }

            if (signature is not null)
            {
                return Reject(
                    SignatureFailure.MultipleOcmSignatures,
                    $"Signatures '{signature.Label}' and '{candidate.Label}' both carry tag=\"ocm\"; exactly one is allowed (OCM §Verification Requirements).");
            }

            signature = candidate;
        }

        if (signature is null && all.FirstOrDefault(s => s.Label == OcmSignatureProfile.DefaultLabel && s.Tag is null) is { } untagged)
        {
            var claimed = signerHost ?? (OcmSignatureProfile.TryGetKeyIdHost(untagged.KeyId, out var untaggedHost) ? untaggedHost : null);
            if (!_options.AcceptUntaggedOcmLabel
                && (claimed is null || !_options.UntaggedOcmLabelPeers.Contains(claimed, StringComparer.OrdinalIgnoreCase)))
            {
                return Reject(
                    SignatureFailure.UntaggedOcmSignature,
                    $"Signature '{untagged.Label}' of {claimed ?? "the signer"} lacks tag=\"ocm\"; OCM §Verification Requirements forbids using signatures without it (sign with tag=\"ocm\").",
                    untagged,
                    claimed);
            }

            signature = untagged;
        }

        if (signature is null)
        {
            return new OcmVerificationResult(
                OcmVerificationStatus.NotSigned,
                SignatureFailure.NotSigned,
                all.Count == 0 ? "The request carries no HTTP message signature." : $"None of the signatures ({string.Join(", ", all.Select(s => s.Label))}) carries tag=\"ocm\".");
        }

        // Step 3–4: structure, parameters, covered components, time window.
        if (CheckProfile(request, signature) is { } profileFailure)
        {
            return profileFailure;
        }

        if (_verifier.CheckSignature(request, signature) is { } failure)
        {
            return Reject(failure.Failure, failure.Message, signature);
        }

        // Step 5: the body.
        if (CheckBody(request, signature) is { } bodyFailure)
        {
            return bodyFailure;
        }

        // Steps 6–8: the key.
        var keyId = signature.KeyId!;
        var host = signerHost ?? (OcmSignatureProfile.TryGetKeyIdHost(keyId, out var keyHost) ? keyHost : null);
        VerificationKey? key;
        try
        {
            key = await _keys.ResolveKeyAsync(host, keyId, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpSignatureException ex)
        {
            return Reject(ex.Failure, ex.Message, signature, host);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Reject(SignatureFailure.KeyResolutionFailed, $"The key '{keyId}' of {host ?? "the signer"} could not be resolved: {ex.Message}", signature, host);
        }

        if (key is null)
        {
            var other = host is not null && OcmSignatureProfile.TryGetKeyIdHost(keyId, out var named) && !string.Equals(named, host, StringComparison.OrdinalIgnoreCase)
                ? $" The key id names {named}: a signature by another server than the one the request comes from is not accepted (OCM §Verification Requirements)."
                : "";
            return Reject(SignatureFailure.UnknownKey, $"{host ?? "The signer"} publishes no key with kid '{keyId}'.{other}", signature, host);
        }

        if (_verifier.CheckKey(signature, key) is { } keyFailure)
        {
            return Reject(keyFailure.Failure, keyFailure.Message, signature, host);
        }

        // Steps 9–10: rebuild the base and verify.
        var verified = _verifier.VerifyCryptographically(request, signature, key);
        if (!verified.IsValid)
        {
            return new OcmVerificationResult(OcmVerificationStatus.Rejected, verified.Failure, verified.Message)
            {
                Signature = signature,
                SignerHost = host,
                Algorithm = key.Algorithm,
                Base = verified.Base,
            };
        }

        // Replay: the same signature accepted twice within the window.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(signature.Parameters.Created!.Value) + _options.MaxAge + TimeSpan.FromSeconds(1);
        if (!await _replay.TryAddAsync(signature.Value, expiresAt, cancellationToken))
        {
            return Reject(SignatureFailure.Replay, $"Signature '{signature.Label}' (keyid '{keyId}', created {signature.Parameters.Created}) was already accepted: replay.", signature, host);
        }

        return new OcmVerificationResult(OcmVerificationStatus.Verified, SignatureFailure.None, $"Valid OCM signature '{signature.Label}' by '{keyId}' ({key.Algorithm}).")
        {
            Signature = signature,
            SignerHost = host,
            Algorithm = key.Algorithm,
            Base = verified.Base,
        };
    }

    private static bool HasBody(HttpMessage request) =>
        request.Body is { Length: > 0 }
        || (request.Headers.TryGetCombinedValue("Content-Length", out var length) && length != "0");

    private OcmVerificationResult? CheckProfile(HttpMessage request, MessageSignature signature)
    {
        if (signature.Error is { } error)
        {
            return Reject(error.Failure, error.Message, signature);
        }

        var parameters = signature.Parameters;
        if (parameters.Created is null || parameters.KeyId is null)
        {
            return Reject(SignatureFailure.MissingParameter, $"OCM signature '{signature.Label}' lacks {(parameters.Created is null ? "'created'" : "'keyid'")} (OCM §Signing Requirements).", signature);
        }

        if (parameters.Algorithm is { } alg)
        {
            if (!HttpSignatureAlgorithms.TryParseRfc9421Name(alg, out var named))
            {
                return Reject(SignatureFailure.UnsupportedAlgorithm, $"OCM signature '{signature.Label}' names unknown algorithm '{alg}'.", signature);
            }

            if (named.IsSymmetric())
            {
                return Reject(SignatureFailure.SymmetricAlgorithmRefused, $"OCM signature '{signature.Label}' uses the symmetric algorithm '{alg}' (forbidden by OCM §Keys and Algorithms).", signature);
            }
        }
        else if (_options.RequireAlgorithmParameter)
        {
            return Reject(SignatureFailure.MissingParameter, $"OCM signature '{signature.Label}' lacks 'alg'.", signature);
        }

        if (HasBody(request))
        {
            var coversDigest = signature.Components.Contains(ComponentIdentifier.ContentDigest)
                || (_options.AcceptLegacyDigest && signature.Components.Contains(LegacyDigestComponent));
            if (!coversDigest)
            {
                return Reject(SignatureFailure.RequiredComponentNotCovered, $"OCM signature '{signature.Label}' does not cover \"content-digest\" although the request has a body.", signature);
            }

            if (!signature.Components.Contains(ComponentIdentifier.ContentLength))
            {
                return Reject(SignatureFailure.RequiredComponentNotCovered, $"OCM signature '{signature.Label}' does not cover \"content-length\" although the request has a body.", signature);
            }
        }

        return null;
    }

    private static OcmVerificationResult? CheckBody(HttpMessage request, MessageSignature signature)
    {
        if (!HasBody(request))
        {
            return null;
        }

        var body = request.Body ?? ReadOnlyMemory<byte>.Empty;
        if (!request.Headers.TryGetCombinedValue("Content-Length", out var lengthText)
            || !long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return Reject(SignatureFailure.ContentLengthMismatch, $"Content-Length '{lengthText}' is missing or not a number.", signature);
        }

        if (length != body.Length)
        {
            return Reject(SignatureFailure.ContentLengthMismatch, $"Content-Length is {length} but the body has {body.Length} bytes.", signature);
        }

        DigestVerificationResult digest;
        if (request.Headers.TryGetCombinedValue(ContentDigest.FieldName, out var contentDigest) && signature.Components.Contains(ComponentIdentifier.ContentDigest))
        {
            digest = ContentDigest.Verify(contentDigest, body.Span);
        }
        else if (request.Headers.TryGetCombinedValue(LegacyDigest.FieldName, out var legacy) && signature.Components.Contains(LegacyDigestComponent))
        {
            digest = LegacyDigest.Verify(legacy, body.Span);
        }
        else
        {
            return Reject(SignatureFailure.DigestMissing, "The request has a body but no Content-Digest header.", signature);
        }

        return digest.Status switch
        {
            DigestVerificationStatus.Match => null,
            DigestVerificationStatus.Mismatch => Reject(SignatureFailure.DigestMismatch, digest.Message, signature),
            _ => Reject(SignatureFailure.DigestInvalid, digest.Message, signature),
        };
    }

    private static OcmVerificationResult Reject(SignatureFailure failure, string message, MessageSignature? signature = null, string? host = null) =>
        new(OcmVerificationStatus.Rejected, failure, message) { Signature = signature, SignerHost = host };
}
