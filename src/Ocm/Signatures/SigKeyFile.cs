using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Signatures;

/// <summary>
/// A key file given to <c>ocm sig</c>: PEM (public or private), a JWK, a JWK Set (a peer's <c>jwksUri</c> document)
/// or, for <c>hmac-sha256</c> only, a base64 shared secret. The format is detected from the content, not the name.
/// </summary>
internal sealed class SigKeyFile
{
    private readonly string _path;
    private readonly string? _pem;
    private readonly IReadOnlyList<JsonWebKey> _jwks;
    private readonly string _text;

    private SigKeyFile(string path, string text, string? pem, IReadOnlyList<JsonWebKey> jwks)
    {
        _path = path;
        _text = text;
        _pem = pem;
        _jwks = jwks;
    }

    /// <summary>Reads and classifies a key file.</summary>
    /// <exception cref="SigUsageException">The file cannot be read or is not JSON/PEM/base64.</exception>
    public static async Task<SigKeyFile> ReadAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SigUsageException($"cannot read key file '{path}': {ex.Message}");
        }

        var trimmed = text.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                // A JWK Set has "keys"; anything else must be a single JWK.
                if (trimmed.Contains("\"keys\"", StringComparison.Ordinal))
                {
                    var set = JsonWebKeySet.Parse(Encoding.UTF8.GetBytes(trimmed));
                    if (set.Keys.Count == 0)
                    {
                        throw new SigUsageException($"key file '{path}' is a JWK Set without usable keys.");
                    }

                    return new SigKeyFile(path, text, null, set.Keys);
                }

                return new SigKeyFile(path, text, null, [JsonWebKey.Parse(trimmed)]);
            }
            catch (FormatException ex)
            {
                throw new SigUsageException($"key file '{path}' is not a valid JWK or JWK Set: {ex.Message}");
            }
        }

        return trimmed.Contains("-----BEGIN ", StringComparison.Ordinal)
            ? new SigKeyFile(path, text, trimmed, [])
            : new SigKeyFile(path, text, null, []);
    }

    /// <summary>
    /// The key id the file itself names (the JWK <c>kid</c>), choosing from a JWK Set by <paramref name="keyId"/>.
    /// </summary>
    public string? KeyIdFor(string? keyId) => _jwks.Count == 0 ? null : SelectJwk(keyId).Kid;

    /// <summary>The private key for signing.</summary>
    /// <param name="algorithm">The algorithm given on the command line, if any.</param>
    /// <param name="keyId">Selects the key of a JWK Set.</param>
    public SigningKey ToSigningKey(HttpSignatureAlgorithm? algorithm, string? keyId)
    {
        try
        {
            if (_jwks.Count > 0)
            {
                var jwk = SelectJwk(keyId);
                if (!jwk.HasPrivateKey)
                {
                    throw new SigUsageException($"key file '{_path}' holds a public key ('{jwk.Kid}'); signing needs the private key.");
                }

                return jwk.ToSigningKey(algorithm ?? InferFromJwk(jwk, null));
            }

            if (_pem is not null)
            {
                if (!_pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    throw new SigUsageException($"key file '{_path}' holds a public key; signing needs the private key.");
                }

                return SigningKey.ImportPem(_pem, algorithm ?? InferFromPem(null), keyId);
            }

            return SigningKey.FromSharedSecret(SharedSecret(algorithm), keyId);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or AsnContentException)
        {
            throw new SigUsageException($"key file '{_path}': {ex.Message}");
        }
    }

    /// <summary>The key for verification (a private key works too: its public part is used).</summary>
    /// <param name="algorithm">The algorithm given on the command line, if any.</param>
    /// <param name="keyId">The signature's key id: selects the key of a JWK Set.</param>
    /// <param name="messageAlgorithm">
    /// The algorithm the signature claims (RFC 9421 <c>alg</c>), used only when neither the key nor the command line
    /// says which RSA scheme to use; the verifier still checks it against the key.
    /// </param>
    public VerificationKey ToVerificationKey(HttpSignatureAlgorithm? algorithm, string? keyId, HttpSignatureAlgorithm? messageAlgorithm)
    {
        try
        {
            if (_jwks.Count > 0)
            {
                var jwk = SelectJwk(keyId);
                return jwk.ToVerificationKey(algorithm ?? InferFromJwk(jwk, messageAlgorithm));
            }

            if (_pem is not null)
            {
                return VerificationKey.ImportPem(_pem, algorithm ?? InferFromPem(messageAlgorithm), keyId);
            }

            return VerificationKey.FromSharedSecret(SharedSecret(algorithm ?? messageAlgorithm), keyId);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or AsnContentException)
        {
            throw new SigUsageException($"key file '{_path}': {ex.Message}");
        }
    }

    /// <summary>
    /// The kind of key in the file, for draft-cavage where the message names the hash and the key only has to fit
    /// (any RSA algorithm opens an RSA key).
    /// </summary>
    public HttpSignatureAlgorithm KeyAlgorithmForCavage(string? keyId)
    {
        try
        {
            if (_jwks.Count > 0)
            {
                var jwk = SelectJwk(keyId);
                return jwk.Alg is not null ? jwk.ResolveAlgorithm() : InferFromJwk(jwk, HttpSignatureAlgorithm.RsaV15Sha256);
            }

            return _pem is not null ? InferFromPem(HttpSignatureAlgorithm.RsaV15Sha256) : HttpSignatureAlgorithm.HmacSha256;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or AsnContentException)
        {
            throw new SigUsageException($"key file '{_path}': {ex.Message}");
        }
    }

    private JsonWebKey SelectJwk(string? keyId)
    {
        if (_jwks.Count == 1)
        {
            return _jwks[0];
        }

        var kids = string.Join(", ", _jwks.Select(k => k.Kid ?? "(no kid)"));
        if (keyId is null)
        {
            throw new SigUsageException($"key file '{_path}' is a JWK Set with {_jwks.Count} keys ({kids}); choose one with --keyid.");
        }

        return _jwks.FirstOrDefault(k => string.Equals(k.Kid, keyId, StringComparison.Ordinal))
            ?? throw new SigUsageException($"key file '{_path}' has no key with kid '{keyId}' (kids: {kids}).");
    }

    // The key type decides when it leaves no choice; RSA has two RFC 9421 schemes, so it needs --alg (or the
    // signature's own alg parameter when verifying).
    private HttpSignatureAlgorithm InferFromJwk(JsonWebKey jwk, HttpSignatureAlgorithm? rsaFallback)
    {
        if (jwk.Alg is not null)
        {
            return jwk.ResolveAlgorithm();
        }

        return (jwk.Kty, jwk.Crv) switch
        {
            ("OKP", "Ed25519") => HttpSignatureAlgorithm.Ed25519,
            ("EC", "P-256") => HttpSignatureAlgorithm.EcdsaP256Sha256,
            ("EC", "P-384") => HttpSignatureAlgorithm.EcdsaP384Sha384,
            ("oct", _) => HttpSignatureAlgorithm.HmacSha256,
            ("RSA", _) when rsaFallback is { } fallback && fallback.GetKeyType() == SignatureKeyType.Rsa => fallback,
            ("RSA", _) => throw RsaNeedsAlgorithm(),
            _ => throw new SigUsageException($"key file '{_path}': unsupported JWK (kty {jwk.Kty}, crv {jwk.Crv ?? "-"})."),
        };
    }

    private HttpSignatureAlgorithm InferFromPem(HttpSignatureAlgorithm? rsaFallback)
    {
        using var material = PemKeyReader.Read(_pem!);
        return material.KeyType switch
        {
            SignatureKeyType.Ed25519 => HttpSignatureAlgorithm.Ed25519,
            SignatureKeyType.EllipticCurve => material.Curve == "P-384" ? HttpSignatureAlgorithm.EcdsaP384Sha384 : HttpSignatureAlgorithm.EcdsaP256Sha256,
            SignatureKeyType.Rsa when rsaFallback is { } fallback && fallback.GetKeyType() == SignatureKeyType.Rsa => fallback,
            SignatureKeyType.Rsa => throw RsaNeedsAlgorithm(),
            _ => HttpSignatureAlgorithm.HmacSha256,
        };
    }

    private SigUsageException RsaNeedsAlgorithm() =>
        new($"key file '{_path}' holds an RSA key and does not say which scheme to use: give --alg rsa-pss-sha512 or --alg rsa-v1_5-sha256.");

    private byte[] SharedSecret(HttpSignatureAlgorithm? algorithm)
    {
        if (algorithm != HttpSignatureAlgorithm.HmacSha256)
        {
            throw new SigUsageException(
                $"key file '{_path}' is neither PEM nor a JWK (a raw shared secret in base64 is accepted only with --alg hmac-sha256).");
        }

        var trimmed = _text.Trim();
        var buffer = new byte[trimmed.Length];
        return Convert.TryFromBase64String(trimmed, buffer, out var written) && written > 0
            ? buffer[..written]
            : throw new SigUsageException($"key file '{_path}' is not a base64 shared secret.");
    }
}
