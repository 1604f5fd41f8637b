using System.Diagnostics.CodeAnalysis;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>Signature algorithms (RFC 9421 §3.3 and the JWS algorithms OCM keys may carry, RFC 7518/9864).</summary>
public enum HttpSignatureAlgorithm
{
    /// <summary>EdDSA over Ed25519 (<c>ed25519</c>, JWK <c>Ed25519</c> or legacy <c>EdDSA</c>); recommended by OCM.</summary>
    Ed25519,

    /// <summary>ECDSA P-256 with SHA-256, r‖s (<c>ecdsa-p256-sha256</c>, JWK <c>ES256</c>).</summary>
    EcdsaP256Sha256,

    /// <summary>ECDSA P-384 with SHA-384, r‖s (<c>ecdsa-p384-sha384</c>, JWK <c>ES384</c>).</summary>
    EcdsaP384Sha384,

    /// <summary>RSASSA-PSS with SHA-512, salt 64 bytes (<c>rsa-pss-sha512</c>, JWK <c>PS512</c>).</summary>
    RsaPssSha512,

    /// <summary>RSASSA-PSS with SHA-384 (JWK <c>PS384</c>; no RFC 9421 name, so <c>alg</c> is omitted).</summary>
    RsaPssSha384,

    /// <summary>RSASSA-PSS with SHA-256 (JWK <c>PS256</c>; no RFC 9421 name).</summary>
    RsaPssSha256,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256 (<c>rsa-v1_5-sha256</c>, JWK <c>RS256</c>; draft-cavage <c>rsa-sha256</c>).</summary>
    RsaV15Sha256,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-384 (JWK <c>RS384</c>; no RFC 9421 name).</summary>
    RsaV15Sha384,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-512 (JWK <c>RS512</c>; draft-cavage <c>rsa-sha512</c>).</summary>
    RsaV15Sha512,

    /// <summary>HMAC with SHA-256 (<c>hmac-sha256</c>, JWK <c>HS256</c>). Symmetric: refused by the OCM profile.</summary>
    HmacSha256,
}

/// <summary>The kind of key an algorithm needs.</summary>
public enum SignatureKeyType
{
    /// <summary>An Ed25519 key pair (JWK kty OKP, crv Ed25519).</summary>
    Ed25519,

    /// <summary>An elliptic-curve key pair on P-256 or P-384 (JWK kty EC).</summary>
    EllipticCurve,

    /// <summary>An RSA key pair (JWK kty RSA).</summary>
    Rsa,

    /// <summary>A shared secret (JWK kty oct).</summary>
    Symmetric,
}

/// <summary>Names of <see cref="HttpSignatureAlgorithm"/> values in RFC 9421, JWA and draft-cavage.</summary>
public static class HttpSignatureAlgorithms
{
    /// <summary>
    /// The RFC 9421 "HTTP Signature Algorithms" registry name (the <c>alg</c> signature parameter), or null when the
    /// algorithm has no registry entry (then <c>alg</c> must be omitted, OCM §Keys and Algorithms).
    /// </summary>
    public static string? GetRfc9421Name(this HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.Ed25519 => "ed25519",
        HttpSignatureAlgorithm.EcdsaP256Sha256 => "ecdsa-p256-sha256",
        HttpSignatureAlgorithm.EcdsaP384Sha384 => "ecdsa-p384-sha384",
        HttpSignatureAlgorithm.RsaPssSha512 => "rsa-pss-sha512",
        HttpSignatureAlgorithm.RsaV15Sha256 => "rsa-v1_5-sha256",
        HttpSignatureAlgorithm.HmacSha256 => "hmac-sha256",
        _ => null,
    };

    /// <summary>Parses an RFC 9421 registry name (exact, lowercase).</summary>
    public static bool TryParseRfc9421Name(string? name, out HttpSignatureAlgorithm algorithm)
    {
        algorithm = default;
        switch (name)
        {
            case "ed25519":
                algorithm = HttpSignatureAlgorithm.Ed25519;
                return true;
            case "ecdsa-p256-sha256":
                algorithm = HttpSignatureAlgorithm.EcdsaP256Sha256;
                return true;
            case "ecdsa-p384-sha384":
                algorithm = HttpSignatureAlgorithm.EcdsaP384Sha384;
                return true;
            case "rsa-pss-sha512":
                algorithm = HttpSignatureAlgorithm.RsaPssSha512;
                return true;
            case "rsa-v1_5-sha256":
                algorithm = HttpSignatureAlgorithm.RsaV15Sha256;
                return true;
            case "hmac-sha256":
                algorithm = HttpSignatureAlgorithm.HmacSha256;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The JWA / RFC 9864 algorithm name for a JWK <c>alg</c> member (fully specified <c>Ed25519</c>).</summary>
    public static string GetJwkName(this HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.Ed25519 => "Ed25519",
        HttpSignatureAlgorithm.EcdsaP256Sha256 => "ES256",
        HttpSignatureAlgorithm.EcdsaP384Sha384 => "ES384",
        HttpSignatureAlgorithm.RsaPssSha512 => "PS512",
        HttpSignatureAlgorithm.RsaPssSha384 => "PS384",
        HttpSignatureAlgorithm.RsaPssSha256 => "PS256",
        HttpSignatureAlgorithm.RsaV15Sha256 => "RS256",
        HttpSignatureAlgorithm.RsaV15Sha384 => "RS384",
        HttpSignatureAlgorithm.RsaV15Sha512 => "RS512",
        HttpSignatureAlgorithm.HmacSha256 => "HS256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>
    /// Parses a JWK <c>alg</c> value. <c>EdDSA</c> (polymorphic, RFC 8037) maps to Ed25519 only for an Ed25519
    /// key, which the JWK reader checks.
    /// </summary>
    public static bool TryParseJwkName(string? name, out HttpSignatureAlgorithm algorithm)
    {
        (var ok, algorithm) = name switch
        {
            "Ed25519" or "EdDSA" => (true, HttpSignatureAlgorithm.Ed25519),
            "ES256" => (true, HttpSignatureAlgorithm.EcdsaP256Sha256),
            "ES384" => (true, HttpSignatureAlgorithm.EcdsaP384Sha384),
            "PS512" => (true, HttpSignatureAlgorithm.RsaPssSha512),
            "PS384" => (true, HttpSignatureAlgorithm.RsaPssSha384),
            "PS256" => (true, HttpSignatureAlgorithm.RsaPssSha256),
            "RS256" => (true, HttpSignatureAlgorithm.RsaV15Sha256),
            "RS384" => (true, HttpSignatureAlgorithm.RsaV15Sha384),
            "RS512" => (true, HttpSignatureAlgorithm.RsaV15Sha512),
            "HS256" => (true, HttpSignatureAlgorithm.HmacSha256),
            _ => (false, default(HttpSignatureAlgorithm)),
        };
        return ok;
    }

    /// <summary>Parses an algorithm given by name in any of the RFC 9421, JWA or draft-cavage spellings.</summary>
    public static bool TryParse(string? name, out HttpSignatureAlgorithm algorithm)
    {
        if (TryParseRfc9421Name(name, out algorithm) || TryParseJwkName(name, out algorithm))
        {
            return true;
        }

        (var ok, algorithm) = name?.ToUpperInvariant() switch
        {
            "RSA-SHA256" => (true, HttpSignatureAlgorithm.RsaV15Sha256),
            "RSA-SHA512" => (true, HttpSignatureAlgorithm.RsaV15Sha512),
            "ED25519" => (true, HttpSignatureAlgorithm.Ed25519),
            _ => (false, default(HttpSignatureAlgorithm)),
        };
        return ok;
    }

    /// <summary>True for MAC algorithms (shared secrets), which the OCM profile refuses.</summary>
    public static bool IsSymmetric(this HttpSignatureAlgorithm algorithm) => algorithm == HttpSignatureAlgorithm.HmacSha256;

    /// <summary>The kind of key the algorithm uses.</summary>
    public static SignatureKeyType GetKeyType(this HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.Ed25519 => SignatureKeyType.Ed25519,
        HttpSignatureAlgorithm.EcdsaP256Sha256 or HttpSignatureAlgorithm.EcdsaP384Sha384 => SignatureKeyType.EllipticCurve,
        HttpSignatureAlgorithm.HmacSha256 => SignatureKeyType.Symmetric,
        _ => SignatureKeyType.Rsa,
    };

    [SuppressMessage("Style", "IDE0072:Add missing cases", Justification = "Only the elliptic-curve algorithms have a curve.")]
    internal static string? GetCurveName(this HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.EcdsaP256Sha256 => "P-256",
        HttpSignatureAlgorithm.EcdsaP384Sha384 => "P-384",
        _ => null,
    };
}
