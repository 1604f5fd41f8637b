namespace Ocm.Protocol.Signatures;

/// <summary>The outcome of verifying one signature: valid, or a <see cref="SignatureFailure"/> with a message.</summary>
public sealed class SignatureVerificationResult
{
    private SignatureVerificationResult(SignatureFailure failure, string message, MessageSignature? signature, SignatureBase? signatureBase)
    {
        Failure = failure;
        Message = message;
        Signature = signature;
        Base = signatureBase;
    }

    /// <summary>True when the signature verified.</summary>
    public bool IsValid => Failure == SignatureFailure.None;

    /// <summary>Why verification failed (<see cref="SignatureFailure.None"/> when valid).</summary>
    public SignatureFailure Failure { get; }

    /// <summary>A human-readable explanation for operators.</summary>
    public string Message { get; }

    /// <summary>The signature that was checked, when one was found.</summary>
    public MessageSignature? Signature { get; }

    /// <summary>The reconstructed signature base, when it could be built (useful for debugging interop).</summary>
    public SignatureBase? Base { get; }

    /// <summary>The signature verified: <see cref="SignatureFailure.None"/>, with the signature and the base it covered.</summary>
    public static SignatureVerificationResult Valid(MessageSignature signature, SignatureBase signatureBase) =>
        new(SignatureFailure.None, $"Signature '{signature?.Label}' is valid.", signature, signatureBase);

    /// <summary>The signature did not verify: <paramref name="failure"/> says why for code, <paramref name="message"/> for people.</summary>
    public static SignatureVerificationResult Invalid(SignatureFailure failure, string message, MessageSignature? signature = null, SignatureBase? signatureBase = null)
    {
        if (failure == SignatureFailure.None)
        {
            throw new ArgumentException("A failed result needs a failure reason.", nameof(failure));
        }

        return new(failure, message, signature, signatureBase);
    }

    /// <inheritdoc />
    public override string ToString() => IsValid ? Message : $"{Failure}: {Message}";
}
