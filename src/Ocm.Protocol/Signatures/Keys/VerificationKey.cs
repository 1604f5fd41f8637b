using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>
/// A public key (or an HMAC secret) bound to one algorithm and a key id, used to verify signatures. The algorithm
/// comes from the key's metadata (JWK <c>alg</c> or the caller), never from the signed message.
/// Thread-safe for concurrent verification.
/// </summary>
public sealed class VerificationKey : IDisposable
{
    private readonly KeyMaterial _material;

    internal VerificationKey(KeyMaterial material, HttpSignatureAlgorithm algorithm, string? keyId)
    {
        material.EnsureCompatible(algorithm);
        _material = material;
        Algorithm = algorithm;
        KeyId = keyId;
    }

    /// <summary>The key id (JWK <c>kid</c>).</summary>
    public string? KeyId { get; }

    /// <summary>The only algorithm this key verifies.</summary>
    public HttpSignatureAlgorithm Algorithm { get; }

    /// <summary>The kind of key.</summary>
    public SignatureKeyType KeyType => _material.KeyType;

    /// <summary>True for a shared secret (HMAC).</summary>
    public bool IsSymmetric => _material.KeyType == SignatureKeyType.Symmetric;

    /// <summary>
    /// Imports a public key from PEM (SubjectPublicKeyInfo incl. Ed25519 and id-RSASSA-PSS, PKCS#1
    /// <c>RSA PUBLIC KEY</c>); a private-key PEM is accepted and only its public part kept.
    /// </summary>
    /// <exception cref="CryptographicException">Unsupported PEM or a key that does not fit the algorithm.</exception>
    public static VerificationKey ImportPem(string pem, HttpSignatureAlgorithm algorithm, string? keyId = null)
    {
        var material = PemKeyReader.Read(pem);
        try
        {
            if (material.HasPrivateKey)
            {
                var publicPart = material.ToPublic();
                material.Dispose();
                material = publicPart;
            }

            return new VerificationKey(material, algorithm, keyId);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    /// <summary>An HMAC-SHA256 verification key from a shared secret.</summary>
    public static VerificationKey FromSharedSecret(ReadOnlySpan<byte> secret, string? keyId = null) =>
        new(new HmacKeyMaterial(secret), HttpSignatureAlgorithm.HmacSha256, keyId);

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="data"/> with <see cref="Algorithm"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => _material.Verify(Algorithm, data, signature);

    /// <summary>Verifies with another algorithm of the same key type (draft-cavage names the hash in the message).</summary>
    internal bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        _material.EnsureCompatible(algorithm);
        return _material.Verify(algorithm, data, signature);
    }

    /// <summary>The public JWK (with <c>kid</c>, <c>use: sig</c>, <c>alg</c>).</summary>
    /// <exception cref="CryptographicException">The key is symmetric.</exception>
    public JsonWebKey ExportJwk() => JsonWebKey.FromMaterial(_material, Algorithm, KeyId, includePrivate: false);

    /// <summary>The public key as SubjectPublicKeyInfo PEM.</summary>
    public string ExportPem() => _material.ExportPublicPem();

    /// <summary>The same key with another key id.</summary>
    public VerificationKey WithKeyId(string? keyId) => new(_material.ToPublic(), Algorithm, keyId);

    /// <inheritdoc />
    public void Dispose() => _material.Dispose();
}
