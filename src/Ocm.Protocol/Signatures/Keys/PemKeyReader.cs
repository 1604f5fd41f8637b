using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>
/// Reads keys from PEM: SPKI (<c>PUBLIC KEY</c>), PKCS#1 (<c>RSA PUBLIC KEY</c>, <c>RSA PRIVATE KEY</c>),
/// PKCS#8 (<c>PRIVATE KEY</c>) and SEC1 (<c>EC PRIVATE KEY</c>). Keys whose algorithm identifier is
/// id-RSASSA-PSS (which .NET refuses to import) are unwrapped to their PKCS#1 content.
/// </summary>
internal static class PemKeyReader
{
    private const string Ed25519Oid = "1.3.101.112";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string RsaPssOid = "1.2.840.113549.1.1.10";

    public static KeyMaterial Read(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new CryptographicException("No PEM block found.");
        }

        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return label switch
        {
            "PUBLIC KEY" => ReadSubjectPublicKeyInfo(der),
            "PRIVATE KEY" => ReadPkcs8(der),
            "RSA PUBLIC KEY" => Rsa(r => r.ImportRSAPublicKey(der, out _), false),
            "RSA PRIVATE KEY" => Rsa(r => r.ImportRSAPrivateKey(der, out _), true),
            "EC PRIVATE KEY" => Ec(e => e.ImportECPrivateKey(der, out _), true),
            "ENCRYPTED PRIVATE KEY" => throw new CryptographicException("Encrypted private keys are not supported; decrypt the key first."),
            _ => throw new CryptographicException($"Unsupported PEM label '{label}'."),
        };
    }

    private static KeyMaterial ReadSubjectPublicKeyInfo(byte[] der)
    {
        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var spki = reader.ReadSequence();
        var oid = spki.ReadSequence().ReadObjectIdentifier();
        var publicKey = spki.ReadBitString(out _);
        return oid switch
        {
            Ed25519Oid => Ed25519KeyMaterial.FromPublicKey(publicKey),
            EcPublicKeyOid => Ec(e => e.ImportSubjectPublicKeyInfo(der, out _), false),
            RsaEncryptionOid => Rsa(r => r.ImportSubjectPublicKeyInfo(der, out _), false),
            RsaPssOid => Rsa(r => r.ImportRSAPublicKey(publicKey, out _), false),
            _ => throw new CryptographicException($"Unsupported public key algorithm {oid}."),
        };
    }

    private static KeyMaterial ReadPkcs8(byte[] der)
    {
        // PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }
        var reader = new AsnReader(der, AsnEncodingRules.BER);
        var info = reader.ReadSequence();
        _ = info.ReadInteger();
        var oid = info.ReadSequence().ReadObjectIdentifier();
        var privateKey = info.ReadOctetString();
        switch (oid)
        {
            case Ed25519Oid:
                // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the 32-byte seed)
                var seed = new AsnReader(privateKey, AsnEncodingRules.BER).ReadOctetString();
                return Ed25519KeyMaterial.FromPrivateSeed(seed);
            case EcPublicKeyOid:
                return Ec(e => e.ImportPkcs8PrivateKey(der, out _), true);
            case RsaEncryptionOid:
                return Rsa(r => r.ImportPkcs8PrivateKey(der, out _), true);
            case RsaPssOid:
                return Rsa(r => r.ImportRSAPrivateKey(privateKey, out _), true);
            default:
                throw new CryptographicException($"Unsupported private key algorithm {oid}.");
        }
    }

    private static RsaKeyMaterial Rsa(Action<RSA> import, bool hasPrivateKey)
    {
        var rsa = RSA.Create();
        try
        {
            import(rsa);
            return new RsaKeyMaterial(rsa, hasPrivateKey);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static EcdsaKeyMaterial Ec(Action<ECDsa> import, bool hasPrivateKey)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            import(ecdsa);
            return new EcdsaKeyMaterial(ecdsa, hasPrivateKey);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }
}
