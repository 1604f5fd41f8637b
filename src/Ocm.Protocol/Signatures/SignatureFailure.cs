namespace Ocm.Protocol.Signatures;

/// <summary>
/// Why a signature was rejected — a stable, machine-readable reason for logs, metrics and error bodies, so that
/// operators of two servers can debug interop. Each result also carries a human-readable message.
/// </summary>
public enum SignatureFailure
{
    /// <summary>No failure: the signature is valid.</summary>
    None,

    /// <summary>The message carries no signature (no <c>Signature-Input</c>/<c>Signature</c>, or no OCM-tagged one).</summary>
    NotSigned,

    /// <summary><c>Signature-Input</c>, <c>Signature</c> or a signature parameter is syntactically invalid.</summary>
    MalformedHeader,

    /// <summary>The requested label is absent, or <c>Signature-Input</c> and <c>Signature</c> do not pair up.</summary>
    SignatureNotFound,

    /// <summary>A covered component identifier is invalid (unknown derived component, bad or conflicting parameters, duplicate).</summary>
    InvalidComponent,

    /// <summary>A covered component is absent from the message (e.g. a header that was not sent).</summary>
    MissingComponent,

    /// <summary>The profile requires a component that the signature does not cover.</summary>
    RequiredComponentNotCovered,

    /// <summary>A required signature parameter (<c>created</c>, <c>keyid</c>) is missing.</summary>
    MissingParameter,

    /// <summary><c>created</c> is further in the future than the allowed clock skew.</summary>
    CreatedInFuture,

    /// <summary><c>created</c> is older than the freshness window (stale signature).</summary>
    CreatedTooOld,

    /// <summary><c>expires</c> has passed.</summary>
    Expired,

    /// <summary>The <c>alg</c> parameter (or draft-cavage <c>algorithm</c>) names an unknown algorithm.</summary>
    UnsupportedAlgorithm,

    /// <summary>The <c>alg</c> parameter does not match the algorithm of the key.</summary>
    AlgorithmMismatch,

    /// <summary>A symmetric (HMAC) algorithm or key was used where only asymmetric keys are allowed (OCM §Keys and Algorithms).</summary>
    SymmetricAlgorithmRefused,

    /// <summary>No key with this key id is known for the signer (unknown <c>kid</c>).</summary>
    UnknownKey,

    /// <summary>The key could not be obtained (e.g. the peer's JWK Set could not be fetched).</summary>
    KeyResolutionFailed,

    /// <summary>The key is not acceptable (missing or unsupported <c>alg</c>, wrong key type).</summary>
    KeyRejected,

    /// <summary>The body is not covered by a digest field although it must be.</summary>
    DigestMissing,

    /// <summary>The digest field does not match the body.</summary>
    DigestMismatch,

    /// <summary>The digest field uses only unsupported algorithms, or is malformed.</summary>
    DigestInvalid,

    /// <summary><c>Content-Length</c> does not equal the length of the body.</summary>
    ContentLengthMismatch,

    /// <summary>More than one signature carries <c>tag="ocm"</c> (OCM §Verification Requirements: the whole message is rejected).</summary>
    MultipleOcmSignatures,

    /// <summary>The same signature was already accepted within the freshness window (replay).</summary>
    Replay,

    /// <summary>
    /// The only OCM-looking signature is labelled <c>ocm</c> but lacks <c>tag="ocm"</c>, from a signer not named as a
    /// compatibility exception (OCM §Verification Requirements: signatures without the tag are not used).
    /// </summary>
    UntaggedOcmSignature,

    /// <summary>The <c>Date</c> header is missing or unparsable (draft-cavage).</summary>
    DateMissing,

    /// <summary>The <c>Date</c> header is outside the allowed window (draft-cavage, 300 s).</summary>
    DateOutOfRange,

    /// <summary>The cryptographic signature does not verify over the reconstructed signature base.</summary>
    BadSignature,
}
