using System.Globalization;
using System.Text;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures.Cavage;

/// <summary>Settings for <see cref="CavageVerifier"/>; defaults follow Nextcloud's verifier.</summary>
public sealed record CavageVerifierOptions
{
    /// <summary>Require a <c>Date</c> header within <see cref="DateWindow"/> of now (default true).</summary>
    public bool ValidateDate { get; init; } = true;

    /// <summary>Maximum distance between <c>Date</c> and now, either direction (default 300 s).</summary>
    public TimeSpan DateWindow { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How far in the future <c>created</c> may be (default 60 s).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Headers the signature must cover (default <c>(request-target) date host</c>).</summary>
    public IReadOnlyList<string> RequiredHeaders { get; init; } = ["(request-target)", "date", "host"];

    /// <summary>With a body, require <c>digest</c> and <c>content-length</c> to be signed and to match (default true).</summary>
    public bool RequireBodyIntegrity { get; init; } = true;

    /// <summary>For <c>hs2019</c> with an RSA key, also accept RSASSA-PKCS1-v1_5/SHA-256 (fediverse practice; default true).</summary>
    public bool AllowHs2019Pkcs1Fallback { get; init; } = true;
}

/// <summary>The result of verifying a draft-cavage signature.</summary>
public sealed class CavageVerificationResult
{
    internal CavageVerificationResult(SignatureFailure failure, string message, CavageSignatureHeader? signature, string? signingString, HttpSignatureAlgorithm? algorithm)
    {
        Failure = failure;
        Message = message;
        Signature = signature;
        SigningString = signingString;
        Algorithm = algorithm;
    }

    /// <summary>True when the signature verified.</summary>
    public bool IsValid => Failure == SignatureFailure.None;

    /// <summary>Why verification failed (<see cref="SignatureFailure.None"/> when valid).</summary>
    public SignatureFailure Failure { get; }

    /// <summary>Human-readable explanation.</summary>
    public string Message { get; }

    /// <summary>The parsed signature parameters.</summary>
    public CavageSignatureHeader? Signature { get; }

    /// <summary>The reconstructed signing string, when built.</summary>
    public string? SigningString { get; }

    /// <summary>The concrete algorithm used to verify.</summary>
    public HttpSignatureAlgorithm? Algorithm { get; }

    /// <inheritdoc />
    public override string ToString() => IsValid ? Message : $"{Failure}: {Message}";
}

/// <summary>
/// Verifies draft-cavage-http-signatures-12 request signatures (<c>rsa-sha256</c>, <c>rsa-sha512</c>, <c>hs2019</c>),
/// from the <c>Signature</c> or <c>Authorization: Signature</c> header: <c>Date</c> window, <c>(created)</c>/<c>(expires)</c>,
/// <c>Digest: SHA-256=</c>/<c>SHA-512=</c> and <c>Content-Length</c> against the body, then the signature with the
/// caller's key. Thread-safe.
/// </summary>
public sealed class CavageVerifier
{
    private readonly CavageVerifierOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier.</summary>
    public CavageVerifier(CavageVerifierOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new CavageVerifierOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies with a known key (e.g. from the peer's discovery <c>publicKey.publicKeyPem</c>).</summary>
    public CavageVerificationResult Verify(HttpMessage request, VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (signature, failure) = Check(request);
        return failure ?? VerifyWithKey(request, signature!, key);
    }

    /// <summary>Verifies, resolving the key from the <c>keyId</c> once the request passed the cheap checks.</summary>
    public async ValueTask<CavageVerificationResult> VerifyAsync(
        HttpMessage request,
        Func<string, CancellationToken, ValueTask<VerificationKey?>> resolveKey,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resolveKey);
        var (signature, failure) = Check(request);
        if (failure is not null)
        {
            return failure;
        }

        var key = await resolveKey(signature!.KeyId, cancellationToken).ConfigureAwait(false);
        return key is null
            ? Fail(SignatureFailure.UnknownKey, $"No key is known for keyId '{signature.KeyId}'.", signature)
            : VerifyWithKey(request, signature, key);
    }

    private (CavageSignatureHeader? Signature, CavageVerificationResult? Failure) Check(HttpMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CavageSignatureHeader? signature;
        try
        {
            signature = CavageSignatureHeader.Read(request);
        }
        catch (HttpSignatureException ex)
        {
            return (null, Fail(ex.Failure, ex.Message, null));
        }

        if (signature is null)
        {
            return (null, Fail(SignatureFailure.NotSigned, "The request has no Signature or Authorization: Signature header.", null));
        }

        foreach (var required in _options.RequiredHeaders)
        {
            if (!signature.Headers.Contains(AsciiCase.Lower(required)))
            {
                return (signature, Fail(SignatureFailure.RequiredComponentNotCovered, $"The signature does not cover '{required}' (headers=\"{string.Join(' ', signature.Headers)}\").", signature));
            }
        }

        var now = _time.GetUtcNow();
        if (_options.ValidateDate)
        {
            if (!request.Headers.TryGetCombinedValue("Date", out var dateText) || !TryParseHttpDate(dateText, out var date))
            {
                return (signature, Fail(SignatureFailure.DateMissing, "The Date header is missing or not an HTTP date.", signature));
            }

            if ((now - date).Duration() > _options.DateWindow)
            {
                return (signature, Fail(SignatureFailure.DateOutOfRange, $"Date '{dateText}' is {(long)(now - date).TotalSeconds} s from now (allowed ±{_options.DateWindow.TotalSeconds} s).", signature));
            }
        }

        if (signature.Created is { } created && created - now.ToUnixTimeSeconds() > (long)_options.MaxFutureSkew.TotalSeconds)
        {
            return (signature, Fail(SignatureFailure.CreatedInFuture, $"created={created} is in the future.", signature));
        }

        if (signature.Expires is { } expires && now.ToUnixTimeSeconds() > expires)
        {
            return (signature, Fail(SignatureFailure.Expired, $"The signature expired at {expires}.", signature));
        }

        return (signature, CheckBody(request, signature));
    }

    private CavageVerificationResult? CheckBody(HttpMessage request, CavageSignatureHeader signature)
    {
        var body = request.Body ?? ReadOnlyMemory<byte>.Empty;
        var hasBody = body.Length > 0;
        if (hasBody && _options.RequireBodyIntegrity)
        {
            foreach (var header in new[] { "digest", "content-length" })
            {
                if (!signature.Headers.Contains(header))
                {
                    return Fail(SignatureFailure.RequiredComponentNotCovered, $"The request has a body but '{header}' is not signed.", signature);
                }
            }
        }

        if (request.Headers.TryGetCombinedValue("Content-Length", out var lengthText) && (hasBody || signature.Headers.Contains("content-length")))
        {
            if (!long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length != body.Length)
            {
                return Fail(SignatureFailure.ContentLengthMismatch, $"Content-Length '{lengthText}' does not match the body ({body.Length} bytes).", signature);
            }
        }

        if (request.Headers.TryGetCombinedValue(LegacyDigest.FieldName, out var digestValue))
        {
            var digest = LegacyDigest.Verify(digestValue, body.Span);
            if (digest.Status != DigestVerificationStatus.Match)
            {
                return Fail(digest.Status == DigestVerificationStatus.Mismatch ? SignatureFailure.DigestMismatch : SignatureFailure.DigestInvalid, digest.Message, signature);
            }
        }
        else if (hasBody && _options.RequireBodyIntegrity)
        {
            return Fail(SignatureFailure.DigestMissing, "The request has a body but no Digest header.", signature);
        }

        return null;
    }

    private CavageVerificationResult VerifyWithKey(HttpMessage request, CavageSignatureHeader signature, VerificationKey key)
    {
        if (!CavageAlgorithms.TryResolve(signature.Algorithm, key.KeyType, key.Algorithm, out var algorithm))
        {
            return Fail(
                signature.Algorithm is "rsa-sha256" or "rsa-sha512" or "hs2019" or "hmac-sha256" ? SignatureFailure.AlgorithmMismatch : SignatureFailure.UnsupportedAlgorithm,
                $"algorithm=\"{signature.Algorithm}\" cannot be verified with key '{signature.KeyId}' ({key.KeyType}).",
                signature);
        }

        string signingString;
        try
        {
            signingString = CavageSigningString.Build(request, signature);
        }
        catch (HttpSignatureException ex)
        {
            return Fail(ex.Failure, ex.Message, signature);
        }

        var data = Encoding.Latin1.GetBytes(signingString);
        if (key.Verify(algorithm, data, signature.Signature.Span))
        {
            return new CavageVerificationResult(SignatureFailure.None, $"Valid cavage signature by '{signature.KeyId}' ({algorithm}).", signature, signingString, algorithm);
        }

        if (algorithm == HttpSignatureAlgorithm.RsaPssSha512 && _options.AllowHs2019Pkcs1Fallback
            && key.Verify(HttpSignatureAlgorithm.RsaV15Sha256, data, signature.Signature.Span))
        {
            return new CavageVerificationResult(SignatureFailure.None, $"Valid cavage hs2019 signature by '{signature.KeyId}' (RSASSA-PKCS1-v1_5 SHA-256).", signature, signingString, HttpSignatureAlgorithm.RsaV15Sha256);
        }

        return new CavageVerificationResult(SignatureFailure.BadSignature, $"The cavage signature by '{signature.KeyId}' ({algorithm}) does not verify over the signing string.", signature, signingString, algorithm);
    }

    private static bool TryParseHttpDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date)
        || DateTimeOffset.TryParseExact(
            text,
            ["ddd, d MMM yyyy HH:mm:ss 'GMT'", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd, dd MMM yyyy HH:mm:ss zzz"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces,
            out date);

    private static CavageVerificationResult Fail(SignatureFailure failure, string message, CavageSignatureHeader? signature) =>
        new(failure, message, signature, null, null);
}
