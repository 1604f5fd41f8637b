using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Protocol.Signatures.Cavage;

/// <summary>
/// draft-cavage-12 algorithm names (§2.1.3 and its registry): <c>rsa-sha256</c> and <c>rsa-sha512</c> (RSASSA-PKCS1-v1_5),
/// <c>hmac-sha256</c>, and <c>hs2019</c>, whose algorithm "is derived from metadata associated with keyId": for an RSA
/// key RSASSA-PSS with SHA-512, otherwise the algorithm of the key (Ed25519, ECDSA).
/// </summary>
public static class CavageAlgorithms
{
    /// <summary><c>rsa-sha256</c> (deprecated by -12 but what most peers send).</summary>
    public const string RsaSha256 = "rsa-sha256";

    /// <summary><c>rsa-sha512</c> (Nextcloud 31+).</summary>
    public const string RsaSha512 = "rsa-sha512";

    /// <summary><c>hs2019</c>.</summary>
    public const string Hs2019 = "hs2019";

    /// <summary><c>hmac-sha256</c>.</summary>
    public const string HmacSha256 = "hmac-sha256";

    /// <summary>
    /// The concrete algorithm for a cavage name and a key type; false when the name is unknown or does not fit the key.
    /// </summary>
    public static bool TryResolve(string? name, SignatureKeyType keyType, HttpSignatureAlgorithm keyAlgorithm, out HttpSignatureAlgorithm algorithm)
    {
        algorithm = keyAlgorithm;
        switch (name?.ToUpperInvariant())
        {
            case null:
                return true; // no algorithm parameter: the key's own (§2.1.3 "derived from keyId")
            case "RSA-SHA256":
                algorithm = HttpSignatureAlgorithm.RsaV15Sha256;
                return keyType == SignatureKeyType.Rsa;
            case "RSA-SHA512":
                algorithm = HttpSignatureAlgorithm.RsaV15Sha512;
                return keyType == SignatureKeyType.Rsa;
            case "HMAC-SHA256":
                algorithm = HttpSignatureAlgorithm.HmacSha256;
                return keyType == SignatureKeyType.Symmetric;
            case "HS2019":
                algorithm = keyType == SignatureKeyType.Rsa ? HttpSignatureAlgorithm.RsaPssSha512 : keyAlgorithm;
                return keyType != SignatureKeyType.Symmetric;
            default:
                return false;
        }
    }
}
