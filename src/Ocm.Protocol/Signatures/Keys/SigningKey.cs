using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>
/// A private key bound to one algorithm and (optionally) a key id, used to sign signature bases. Create with
/// <see cref="Generate"/>, <see cref="ImportPem"/>, <see cref="JsonWebKey.ToSigningKey"/> or
/// <see cref="FromSharedSecret"/>. Thread-safe for concurrent signing.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly KeyMaterial _material;

    internal SigningKey(KeyMaterial material, HttpSignatureAlgorithm algorithm, string? keyId)
    {
        if (!material.HasPrivateKey)
        {
            throw new CryptographicException("A signing key needs a private key.");
        }

        material.EnsureCompatible(algorithm);
        _material = material;
        Algorithm = algorithm;
        KeyId = keyId;
    }

    /// <summary>The key id (JWK <c>kid</c>, signature parameter <c>keyid</c>).</summary>
    public string? KeyId { get; }

    /// <summary>The algorithm this key signs with.</summary>
    public HttpSignatureAlgorithm Algorithm { get; }

    /// <summary>The kind of key.</summary>
    public SignatureKeyType KeyType => _material.KeyType;

    /// <summary>Generates a new key: Ed25519, ECDSA P-256/P-384, RSA 2048 bits, or a 256-bit HMAC secret.</summary>
    public static SigningKey Generate(HttpSignatureAlgorithm algorithm, string? keyId = null)
    {
        KeyMaterial material = algorithm.GetKeyType() switch
        {
            SignatureKeyType.Ed25519 => Ed25519KeyMaterial.Generate(),
            SignatureKeyType.EllipticCurve => EcdsaKeyMaterial.Generate(algorithm),
            SignatureKeyType.Rsa => RsaKeyMaterial.Generate(),
            _ => new HmacKeyMaterial(RandomNumberGenerator.GetBytes(32)),
        };
        return new SigningKey(material, algorithm, keyId);
    }

    /// <summary>
    /// Imports a private key from PEM (PKCS#8 including id-RSASSA-PSS, PKCS#1 <c>RSA PRIVATE KEY</c>, SEC1
    /// <c>EC PRIVATE KEY</c>). The algorithm is the caller's choice and must fit the key.
    /// </summary>
    /// <exception cref="CryptographicException">The PEM is not a supported private key or does not fit the algorithm.</exception>
    public static SigningKey ImportPem(string pem, HttpSignatureAlgorithm algorithm, string? keyId = null)
    {
        var material = PemKeyReader.Read(pem);
        try
        {
            return new SigningKey(material, algorithm, keyId);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    /// <summary>An HMAC-SHA256 key from a shared secret (RFC 9421 test vectors; the OCM profile refuses symmetric keys).</summary>
    public static SigningKey FromSharedSecret(ReadOnlySpan<byte> secret, string? keyId = null) =>
        new(new HmacKeyMaterial(secret), HttpSignatureAlgorithm.HmacSha256, keyId);

    /// <summary>Signs <paramref name="data"/> (a signature base) with <see cref="Algorithm"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => _material.Sign(Algorithm, data);

    /// <summary>Signs with another algorithm of the same key type (draft-cavage names the hash in the message).</summary>
    internal byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        _material.EnsureCompatible(algorithm);
        return _material.Sign(algorithm, data);
    }

    /// <summary>A new verification key for the public part (the same secret for HMAC), with the same key id.</summary>
    public VerificationKey GetVerificationKey() => new(_material.ToPublic(), Algorithm, KeyId);

    /// <summary>The public JWK to publish in a JWK Set (with <c>kid</c>, <c>use: sig</c> and <c>alg</c>).</summary>
    /// <exception cref="CryptographicException">The key is symmetric.</exception>
    public JsonWebKey ExportPublicJwk() => JsonWebKey.FromMaterial(_material, Algorithm, KeyId, includePrivate: false);

    /// <summary>The private JWK, for storage by the server.</summary>
    public JsonWebKey ExportPrivateJwk() => JsonWebKey.FromMaterial(_material, Algorithm, KeyId, includePrivate: true);

    /// <summary>The private key as PKCS#8 PEM (<c>PRIVATE KEY</c>).</summary>
    public string ExportPrivateKeyPem() => _material.ExportPrivatePem();

    /// <summary>The public key as SubjectPublicKeyInfo PEM (<c>PUBLIC KEY</c>).</summary>
    public string ExportPublicKeyPem() => _material.ExportPublicPem();

    /// <inheritdoc />
    public void Dispose() => _material.Dispose();
}
