using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using NSec.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>The cryptographic key behind a <see cref="SigningKey"/> or <see cref="VerificationKey"/>.</summary>
internal abstract class KeyMaterial : IDisposable
{
    public abstract SignatureKeyType KeyType { get; }

    public abstract bool HasPrivateKey { get; }

    /// <summary>The JWK <c>crv</c> (Ed25519, P-256, P-384), or null.</summary>
    public virtual string? Curve => null;

    public abstract byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data);

    public abstract bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>A new, independent instance holding only the public part (a copy of the secret for HMAC).</summary>
    public abstract KeyMaterial ToPublic();

    public abstract void WriteJwkMembers(Utf8JsonWriter writer, bool includePrivate);

    public abstract string ExportPublicPem();

    public abstract string ExportPrivatePem();

    public abstract void Dispose();

    /// <summary>Throws unless the key can be used with <paramref name="algorithm"/>.</summary>
    public void EnsureCompatible(HttpSignatureAlgorithm algorithm)
    {
        var expected = algorithm.GetKeyType();
        if (expected != KeyType)
        {
            throw new CryptographicException($"A {KeyType} key cannot be used with {algorithm}.");
        }

        var curve = algorithm.GetCurveName();
        if (curve is not null && !string.Equals(curve, Curve, StringComparison.Ordinal))
        {
            throw new CryptographicException($"Algorithm {algorithm} needs a {curve} key, not {Curve}.");
        }
    }

    protected static void WriteBase64Url(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> value) =>
        writer.WriteString(name, Base64Url.EncodeToString(value));

    /// <summary>An RSA integer with the minimum number of octets (RFC 7518 §6.3): no leading zero bytes.</summary>
    protected static void WriteUnsignedBase64Url(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> value)
    {
        var first = value.IndexOfAnyExcept((byte)0);
        WriteBase64Url(writer, name, first <= 0 ? value : value[first..]);
    }

    protected static string ToPem(string label, ReadOnlySpan<byte> der) => new(PemEncoding.Write(label, der));
}

internal sealed class Ed25519KeyMaterial : KeyMaterial
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key? _privateKey;
    private readonly PublicKey _publicKey;

    private Ed25519KeyMaterial(Key? privateKey, PublicKey publicKey)
    {
        _privateKey = privateKey;
        _publicKey = publicKey;
    }

    public override SignatureKeyType KeyType => SignatureKeyType.Ed25519;

    public override bool HasPrivateKey => _privateKey is not null;

    public override string Curve => "Ed25519";

    public static Ed25519KeyMaterial Generate()
    {
        var key = Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new Ed25519KeyMaterial(key, key.PublicKey);
    }

    public static Ed25519KeyMaterial FromPrivateSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new CryptographicException("An Ed25519 private key has 32 bytes.");
        }

        var key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new Ed25519KeyMaterial(key, key.PublicKey);
    }

    public static Ed25519KeyMaterial FromPublicKey(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != 32 || !PublicKey.TryImport(Algorithm, raw, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            throw new CryptographicException("An Ed25519 public key has 32 bytes.");
        }

        return new Ed25519KeyMaterial(null, publicKey);
    }

    public byte[] PublicKeyBytes => _publicKey.Export(KeyBlobFormat.RawPublicKey);

    public override byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data) =>
        Algorithm.Sign(_privateKey ?? throw new CryptographicException("This key has no private part."), data);

    public override bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == Algorithm.SignatureSize && Algorithm.Verify(_publicKey, data, signature);

    public override KeyMaterial ToPublic() => FromPublicKey(PublicKeyBytes);

    public override void WriteJwkMembers(Utf8JsonWriter writer, bool includePrivate)
    {
        writer.WriteString("crv", "Ed25519");
        WriteBase64Url(writer, "x", PublicKeyBytes);
        if (includePrivate && _privateKey is not null)
        {
            WriteBase64Url(writer, "d", _privateKey.Export(KeyBlobFormat.RawPrivateKey));
        }
    }

    public override string ExportPublicPem() => ToPem("PUBLIC KEY", _publicKey.Export(KeyBlobFormat.PkixPublicKey));

    public override string ExportPrivatePem() =>
        ToPem("PRIVATE KEY", (_privateKey ?? throw new CryptographicException("This key has no private part.")).Export(KeyBlobFormat.PkixPrivateKey));

    public override void Dispose() => _privateKey?.Dispose();
}

internal sealed class EcdsaKeyMaterial : KeyMaterial
{
    private readonly ECDsa _key;

    public EcdsaKeyMaterial(ECDsa key, bool hasPrivateKey)
    {
        _key = key;
        HasPrivateKey = hasPrivateKey;
        Curve = key.KeySize switch
        {
            256 => "P-256",
            384 => "P-384",
            _ => throw new CryptographicException($"Unsupported elliptic curve ({key.KeySize} bits); use P-256 or P-384."),
        };
    }

    public override SignatureKeyType KeyType => SignatureKeyType.EllipticCurve;

    public override bool HasPrivateKey { get; }

    public override string Curve { get; }

    public static EcdsaKeyMaterial Generate(HttpSignatureAlgorithm algorithm) =>
        new(ECDsa.Create(algorithm == HttpSignatureAlgorithm.EcdsaP384Sha384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256), true);

    public override byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data) =>
        _key.SignData(data, Hash(algorithm), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    // RFC 9421 §3.3.4/3.3.5: the signature is r‖s in fixed-size fields (IEEE P1363), not DER.
    public override bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == 2 * ((_key.KeySize + 7) / 8)
        && _key.VerifyData(data, signature, Hash(algorithm), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public override KeyMaterial ToPublic()
    {
        var copy = ECDsa.Create();
        copy.ImportParameters(_key.ExportParameters(false));
        return new EcdsaKeyMaterial(copy, false);
    }

    public override void WriteJwkMembers(Utf8JsonWriter writer, bool includePrivate)
    {
        var p = _key.ExportParameters(includePrivate && HasPrivateKey);
        writer.WriteString("crv", Curve);
        WriteBase64Url(writer, "x", p.Q.X);
        WriteBase64Url(writer, "y", p.Q.Y);
        if (p.D is not null)
        {
            WriteUnsignedBase64Url(writer, "d", p.D);
        }
    }

    public override string ExportPublicPem() => _key.ExportSubjectPublicKeyInfoPem();

    public override string ExportPrivatePem() => HasPrivateKey
        ? _key.ExportPkcs8PrivateKeyPem()
        : throw new CryptographicException("This key has no private part.");

    public override void Dispose() => _key.Dispose();

    private static HashAlgorithmName Hash(HttpSignatureAlgorithm algorithm) =>
        algorithm == HttpSignatureAlgorithm.EcdsaP384Sha384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
}

internal sealed class RsaKeyMaterial : KeyMaterial
{
    private readonly RSA _key;

    public RsaKeyMaterial(RSA key, bool hasPrivateKey)
    {
        _key = key;
        HasPrivateKey = hasPrivateKey;
    }

    public override SignatureKeyType KeyType => SignatureKeyType.Rsa;

    public override bool HasPrivateKey { get; }

    public int KeySize => _key.KeySize;

    public static RsaKeyMaterial Generate(int bits = 2048) => new(RSA.Create(bits), true);

    public override byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        var (hash, padding) = Scheme(algorithm);
        return _key.SignData(data, hash, padding);
    }

    public override bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var (hash, padding) = Scheme(algorithm);
        if (_key.VerifyData(data, signature, hash, padding))
        {
            return true;
        }

        // .NET verifies PSS only with a salt as long as the hash (RFC 9421 §3.3.1 asks for 64 bytes with SHA-512).
        // Signers such as Node's crypto default to the maximum salt length; EMSA-PSS-VERIFY (RFC 8017 §9.1.2)
        // recovers any salt length, so accept those too. Verification uses only the public key.
        return padding == RSASignaturePadding.Pss && RsaPss.VerifyAnySaltLength(_key.ExportParameters(false), hash, data, signature);
    }

    public override KeyMaterial ToPublic()
    {
        var copy = RSA.Create();
        copy.ImportParameters(_key.ExportParameters(false));
        return new RsaKeyMaterial(copy, false);
    }

    public override void WriteJwkMembers(Utf8JsonWriter writer, bool includePrivate)
    {
        var p = _key.ExportParameters(includePrivate && HasPrivateKey);
        WriteUnsignedBase64Url(writer, "n", p.Modulus);
        WriteUnsignedBase64Url(writer, "e", p.Exponent);
        if (p.D is not null)
        {
            WriteUnsignedBase64Url(writer, "d", p.D);
            WriteUnsignedBase64Url(writer, "p", p.P);
            WriteUnsignedBase64Url(writer, "q", p.Q);
            WriteUnsignedBase64Url(writer, "dp", p.DP);
            WriteUnsignedBase64Url(writer, "dq", p.DQ);
            WriteUnsignedBase64Url(writer, "qi", p.InverseQ);
        }
    }

    public override string ExportPublicPem() => _key.ExportSubjectPublicKeyInfoPem();

    public override string ExportPrivatePem() => HasPrivateKey
        ? _key.ExportPkcs8PrivateKeyPem()
        : throw new CryptographicException("This key has no private part.");

    public override void Dispose() => _key.Dispose();

    internal static (HashAlgorithmName Hash, RSASignaturePadding Padding) Scheme(HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.RsaPssSha512 => (HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
        HttpSignatureAlgorithm.RsaPssSha384 => (HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
        HttpSignatureAlgorithm.RsaPssSha256 => (HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        HttpSignatureAlgorithm.RsaV15Sha256 => (HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        HttpSignatureAlgorithm.RsaV15Sha384 => (HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
        HttpSignatureAlgorithm.RsaV15Sha512 => (HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
        _ => throw new CryptographicException($"{algorithm} is not an RSA algorithm."),
    };
}

internal sealed class HmacKeyMaterial : KeyMaterial
{
    private readonly byte[] _secret;

    public HmacKeyMaterial(ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty)
        {
            throw new CryptographicException("An HMAC secret must not be empty.");
        }

        _secret = secret.ToArray();
    }

    public override SignatureKeyType KeyType => SignatureKeyType.Symmetric;

    public override bool HasPrivateKey => true;

    public override byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data) => HMACSHA256.HashData(_secret, data);

    public override bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_secret, data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    public override KeyMaterial ToPublic() => new HmacKeyMaterial(_secret);

    public override void WriteJwkMembers(Utf8JsonWriter writer, bool includePrivate)
    {
        if (!includePrivate)
        {
            throw new CryptographicException("A shared secret has no public part to publish.");
        }

        WriteBase64Url(writer, "k", _secret);
    }

    public override string ExportPublicPem() => throw new CryptographicException("A shared secret has no PEM form.");

    public override string ExportPrivatePem() => throw new CryptographicException("A shared secret has no PEM form.");

    public override void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
