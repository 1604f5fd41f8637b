using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures;

/// <summary>Settings for <see cref="HttpMessageVerifier"/>.</summary>
public sealed record HttpMessageVerifierOptions
{
    /// <summary>Check <c>created</c> and <c>expires</c> against the clock (default true).</summary>
    public bool ValidateTimestamps { get; init; } = true;

    /// <summary>Reject signatures whose <c>created</c> is older than this; null for no limit (default).</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>How far in the future <c>created</c> may be (clock skew), default 60 s.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Require the <c>created</c> parameter (default false).</summary>
    public bool RequireCreated { get; init; }

    /// <summary>Require the <c>keyid</c> parameter (default false).</summary>
    public bool RequireKeyId { get; init; }

    /// <summary>Components every accepted signature must cover (default none).</summary>
    public IReadOnlyList<ComponentIdentifier> RequiredComponents { get; init; } = [];

    /// <summary>Accept HMAC keys (default true; the OCM profile sets false).</summary>
    public bool AllowSymmetricKeys { get; init; } = true;

    /// <summary>Options for rebuilding the signature base.</summary>
    public SignatureBaseOptions BaseOptions { get; init; } = SignatureBaseOptions.Default;
}

/// <summary>
/// General-purpose RFC 9421 verifier (§3.2): checks parameters, time window, algorithm/key agreement, rebuilds the
/// signature base from the received message and verifies it with a key chosen by the caller. The algorithm is
/// always the key's; an <c>alg</c> parameter must agree with it. Thread-safe.
/// </summary>
public sealed class HttpMessageVerifier
{
    private readonly HttpMessageVerifierOptions _options;
    private readonly TimeProvider _time;

    /// <summary>A verifier with the given rules (defaults when null) and clock (the system clock when null).</summary>
    public HttpMessageVerifier(HttpMessageVerifierOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new HttpMessageVerifierOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies the signature labelled <paramref name="label"/> with <paramref name="key"/>.</summary>
    public SignatureVerificationResult Verify(HttpMessage message, string label, VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(key);
        MessageSignature? signature;
        try
        {
            signature = MessageSignature.Read(message, label);
        }
        catch (HttpSignatureException ex)
        {
            return SignatureVerificationResult.Invalid(ex.Failure, ex.Message);
        }

        return signature is null
            ? SignatureVerificationResult.Invalid(
                message.Headers.Contains(MessageSignature.SignatureInputField) ? SignatureFailure.SignatureNotFound : SignatureFailure.NotSigned,
                $"The message has no signature labelled '{label}'.")
            : Verify(message, signature, key);
    }

    /// <summary>Verifies one signature read from the message with <paramref name="key"/>.</summary>
    public SignatureVerificationResult Verify(HttpMessage message, MessageSignature signature, VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(key);
        return CheckSignature(message, signature) ?? CheckKey(signature, key) ?? VerifyCryptographically(message, signature, key);
    }

    /// <summary>
    /// Verifies the signature labelled <paramref name="label"/>, asking <paramref name="resolveKey"/> for the key
    /// once the signature is known to be well-formed (null from the resolver means an unknown key).
    /// </summary>
    public async ValueTask<SignatureVerificationResult> VerifyAsync(
        HttpMessage message,
        string label,
        Func<MessageSignature, CancellationToken, ValueTask<VerificationKey?>> resolveKey,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(resolveKey);
        MessageSignature? signature;
        try
        {
            signature = MessageSignature.Read(message, label);
        }
        catch (HttpSignatureException ex)
        {
            return SignatureVerificationResult.Invalid(ex.Failure, ex.Message);
        }

        if (signature is null)
        {
            return SignatureVerificationResult.Invalid(SignatureFailure.SignatureNotFound, $"The message has no signature labelled '{label}'.");
        }

        if (CheckSignature(message, signature) is { } failure)
        {
            return failure;
        }

        var key = await resolveKey(signature, cancellationToken).ConfigureAwait(false);
        return key is null
            ? SignatureVerificationResult.Invalid(SignatureFailure.UnknownKey, $"No key is known for keyid '{signature.KeyId}'.", signature)
            : CheckKey(signature, key) ?? VerifyCryptographically(message, signature, key);
    }

    /// <summary>Structure, required parameters and components, and the time window — everything before the key.</summary>
    internal SignatureVerificationResult? CheckSignature(HttpMessage message, MessageSignature signature)
    {
        if (signature.Error is { } error)
        {
            return SignatureVerificationResult.Invalid(error.Failure, error.Message, signature);
        }

        var parameters = signature.Parameters;
        if (_options.RequireCreated && parameters.Created is null)
        {
            return SignatureVerificationResult.Invalid(SignatureFailure.MissingParameter, $"Signature '{signature.Label}' has no 'created' parameter.", signature);
        }

        if (_options.RequireKeyId && parameters.KeyId is null)
        {
            return SignatureVerificationResult.Invalid(SignatureFailure.MissingParameter, $"Signature '{signature.Label}' has no 'keyid' parameter.", signature);
        }

        foreach (var required in _options.RequiredComponents)
        {
            if (!signature.Components.Contains(required))
            {
                return SignatureVerificationResult.Invalid(
                    SignatureFailure.RequiredComponentNotCovered,
                    $"Signature '{signature.Label}' does not cover the required component {required} (covers {string.Join(" ", signature.Components)}).",
                    signature);
            }
        }

        if (parameters.Algorithm is { } alg && !HttpSignatureAlgorithms.TryParseRfc9421Name(alg, out _))
        {
            return SignatureVerificationResult.Invalid(SignatureFailure.UnsupportedAlgorithm, $"Signature '{signature.Label}' names unknown algorithm '{alg}'.", signature);
        }

        return _options.ValidateTimestamps ? CheckTime(signature) : null;
    }

    internal SignatureVerificationResult? CheckKey(MessageSignature signature, VerificationKey key)
    {
        if (key.IsSymmetric && !_options.AllowSymmetricKeys)
        {
            return SignatureVerificationResult.Invalid(
                SignatureFailure.SymmetricAlgorithmRefused,
                $"Key '{key.KeyId}' is a shared secret ({key.Algorithm}); only asymmetric keys are accepted.",
                signature);
        }

        if (signature.Parameters.Algorithm is { } alg
            && (!HttpSignatureAlgorithms.TryParseRfc9421Name(alg, out var named) || named != key.Algorithm))
        {
            return SignatureVerificationResult.Invalid(
                SignatureFailure.AlgorithmMismatch,
                $"Signature '{signature.Label}' says alg=\"{alg}\" but key '{key.KeyId}' is {key.Algorithm.GetRfc9421Name() ?? key.Algorithm.GetJwkName()}.",
                signature);
        }

        return null;
    }

    internal SignatureVerificationResult VerifyCryptographically(HttpMessage message, MessageSignature signature, VerificationKey key)
    {
        SignatureBase signatureBase;
        try
        {
            signatureBase = SignatureBase.Create(message, signature, _options.BaseOptions);
        }
        catch (HttpSignatureException ex)
        {
            return SignatureVerificationResult.Invalid(ex.Failure, ex.Message, signature);
        }

        return key.Verify(signatureBase.GetBytes(), signature.Value.Span)
            ? SignatureVerificationResult.Valid(signature, signatureBase)
            : SignatureVerificationResult.Invalid(
                SignatureFailure.BadSignature,
                $"Signature '{signature.Label}' does not verify with key '{key.KeyId}' ({key.Algorithm}) over the reconstructed signature base.",
                signature,
                signatureBase);
    }

    private SignatureVerificationResult? CheckTime(MessageSignature signature)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var parameters = signature.Parameters;
        if (parameters.Expires is { } expires && now > expires)
        {
            return SignatureVerificationResult.Invalid(SignatureFailure.Expired, $"Signature '{signature.Label}' expired at {expires} (now {now}).", signature);
        }

        if (parameters.Created is { } created)
        {
            if (created - now > (long)_options.MaxFutureSkew.TotalSeconds)
            {
                return SignatureVerificationResult.Invalid(
                    SignatureFailure.CreatedInFuture,
                    $"Signature '{signature.Label}' was created {created - now} s in the future (created={created}, now={now}, allowed skew {_options.MaxFutureSkew.TotalSeconds} s).",
                    signature);
            }

            if (_options.MaxAge is { } maxAge && now - created > (long)maxAge.TotalSeconds)
            {
                return SignatureVerificationResult.Invalid(
                    SignatureFailure.CreatedTooOld,
                    $"Signature '{signature.Label}' is {now - created} s old (created={created}, now={now}, max age {maxAge.TotalSeconds} s).",
                    signature);
            }
        }

        return null;
    }
}
