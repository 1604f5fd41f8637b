namespace Ocm.Protocol.Signatures.Digest;

/// <summary>Outcome of checking a digest field against content.</summary>
public enum DigestVerificationStatus
{
    /// <summary>Every recognized algorithm in the field matches the content.</summary>
    Match,

    /// <summary>At least one recognized algorithm does not match (one mismatch fails the whole field, OCM §Verification Requirements).</summary>
    Mismatch,

    /// <summary>The field names no algorithm this implementation supports.</summary>
    NoSupportedAlgorithm,

    /// <summary>The field is not syntactically valid.</summary>
    Malformed,
}

/// <summary>The result of a digest check, with a message for operators.</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Message">Human-readable detail, e.g. which algorithm mismatched.</param>
public readonly record struct DigestVerificationResult(DigestVerificationStatus Status, string Message)
{
    /// <summary>True when <see cref="Status"/> is <see cref="DigestVerificationStatus.Match"/>.</summary>
    public bool IsMatch => Status == DigestVerificationStatus.Match;
}
