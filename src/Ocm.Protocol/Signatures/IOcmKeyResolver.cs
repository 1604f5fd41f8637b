using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Protocol.Signatures;

/// <summary>
/// Finds the verification key of an OCM signer (OCM Appendix B, "Verifying a Signature", steps 1–4): discover the signer host, fetch its JWK Set
/// (e.g. through a <see cref="JwksCache"/>) and return the JWK whose <c>kid</c> equals the <c>keyid</c>, with the
/// JWK's algorithm.
/// </summary>
public interface IOcmKeyResolver
{
    /// <summary>Finds the public key a signature claims to be made with, or says that the signer has none with that id.</summary>
    /// <param name="signerHost">The claimed signer (from the payload, e.g. the host of <c>sender</c>), or the host named by the key id.</param>
    /// <param name="keyId">The <c>keyid</c> signature parameter.</param>
    /// <param name="cancellationToken">Aborts the lookup (the request is being dropped).</param>
    /// <returns>The key, or null when the signer has no key with this id (<see cref="SignatureFailure.UnknownKey"/>).
    /// Throw an <see cref="HttpSignatureException"/> to reject with a specific reason (e.g.
    /// <see cref="SignatureFailure.KeyRejected"/>); any other exception is reported as
    /// <see cref="SignatureFailure.KeyResolutionFailed"/>.</returns>
    ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken);
}
