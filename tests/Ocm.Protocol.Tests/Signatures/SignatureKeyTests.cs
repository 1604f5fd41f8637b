using System.Security.Cryptography;
using System.Text;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using static Ocm.Protocol.Tests.Signatures.SignatureVectors;

namespace Ocm.Protocol.Tests.Signatures;

public sealed class SignatureKeyTests
{
    private static readonly byte[] Data = "signature base"u8.ToArray();

    [VectorTheory]
    [InlineData("test-key-rsa.priv.pem", HttpSignatureAlgorithm.RsaV15Sha256)]
    [InlineData("derived/test-key-rsa.priv.pkcs8.pem", HttpSignatureAlgorithm.RsaV15Sha256)]
    [InlineData("test-key-rsa-pss.priv.pem", HttpSignatureAlgorithm.RsaPssSha512)]
    [InlineData("derived/test-key-rsa-pss.priv.pkcs1.pem", HttpSignatureAlgorithm.RsaPssSha512)]
    [InlineData("derived/test-key-rsa-pss.priv.pkcs8-rsaEncryption.pem", HttpSignatureAlgorithm.RsaPssSha512)]
    [InlineData("test-key-ecc-p256.priv.pem", HttpSignatureAlgorithm.EcdsaP256Sha256)]
    [InlineData("derived/test-key-ecc-p256.priv.pkcs8.pem", HttpSignatureAlgorithm.EcdsaP256Sha256)]
    [InlineData("test-key-ed25519.priv.pem", HttpSignatureAlgorithm.Ed25519)]
    public void ImportPem_EveryVectorPrivateKeyForm_SignsVerifiablyWithThePublicPem(string file, HttpSignatureAlgorithm algorithm)
    {
        using var key = SigningKey.ImportPem(Text(Rfc9421("keys", file)), algorithm, "k");
        var publicFile = Path.GetFileName(file).Split('.')[0] + ".pub.pem";
        using var publicKey = VerificationKey.ImportPem(Text(Rfc9421("keys", publicFile)), algorithm, "k");

        Assert.True(publicKey.Verify(Data, key.Sign(Data)));
        Assert.False(publicKey.Verify("other"u8, key.Sign(Data)));
    }

    [VectorFact]
    public void ImportPem_RsaPublicKeyAsSpkiAndPkcs1_AreTheSameKey()
    {
        using var pkcs1 = VerificationKey.ImportPem(Text(Rfc9421("keys", "test-key-rsa.pub.pem")), HttpSignatureAlgorithm.RsaV15Sha256);
        using var spki = VerificationKey.ImportPem(Text(Rfc9421("keys", "derived", "test-key-rsa.pub.spki.pem")), HttpSignatureAlgorithm.RsaV15Sha256);

        Assert.Equal(pkcs1.ExportJwk().N, spki.ExportJwk().N);
        Assert.Equal(Text(Rfc9421("keys", "derived", "test-key-rsa.pub.spki.pem")).Trim(), spki.ExportPem().Trim());
    }

    [VectorTheory]
    [InlineData("test-key-ed25519", HttpSignatureAlgorithm.Ed25519)]
    [InlineData("test-key-ecc-p256", HttpSignatureAlgorithm.EcdsaP256Sha256)]
    [InlineData("test-key-rsa-pss", HttpSignatureAlgorithm.RsaPssSha512)]
    [InlineData("test-key-rsa", HttpSignatureAlgorithm.RsaV15Sha256)]
    public void ToSigningKey_VectorJwkWithAlgorithmFromCaller_MatchesPem(string keyId, HttpSignatureAlgorithm algorithm)
    {
        var jwk = JsonWebKey.Parse(Text(Rfc9421("keys", keyId + ".jwk.json")));
        using var fromJwk = jwk.ToSigningKey(algorithm);
        using var fromPem = VerificationKey.ImportPem(Text(Rfc9421("keys", keyId + ".pub.pem")), algorithm);

        Assert.Equal(keyId, fromJwk.KeyId);
        Assert.True(fromPem.Verify(Data, fromJwk.Sign(Data)));
        Assert.Throws<CryptographicException>(() => jwk.ToVerificationKey()); // no "alg" and none given
    }

    [VectorFact]
    public void ToSigningKey_Ed25519VectorJwk_ReproducesRfcB26Signature()
    {
        using var key = JsonWebKey.Parse(Text(Rfc9421("keys", "test-key-ed25519.jwk.json"))).ToSigningKey(HttpSignatureAlgorithm.Ed25519);

        var signature = key.Sign(Encoding.ASCII.GetBytes(Text(Rfc9421("cases", "b2.6-ed25519", "base.txt"))));

        Assert.Equal(TrimmedText(Rfc9421("cases", "b2.6-ed25519", "signature.b64")), Convert.ToBase64String(signature));
    }

    [Theory]
    [InlineData(HttpSignatureAlgorithm.Ed25519, "OKP")]
    [InlineData(HttpSignatureAlgorithm.EcdsaP256Sha256, "EC")]
    [InlineData(HttpSignatureAlgorithm.EcdsaP384Sha384, "EC")]
    [InlineData(HttpSignatureAlgorithm.RsaPssSha512, "RSA")]
    [InlineData(HttpSignatureAlgorithm.RsaV15Sha256, "RSA")]
    public void Generate_EveryAlgorithm_ExportsAndReimportsThroughPemAndJwk(HttpSignatureAlgorithm algorithm, string kty)
    {
        using var key = SigningKey.Generate(algorithm, "host#" + algorithm);
        var signature = key.Sign(Data);

        var publicJwk = key.ExportPublicJwk();
        var privateJwk = JsonWebKey.Parse(key.ExportPrivateJwk().ToJson());
        using var fromPublicJwk = JsonWebKey.Parse(publicJwk.ToJson()).ToVerificationKey();
        using var fromPrivateJwk = privateJwk.ToSigningKey();
        using var fromPrivatePem = SigningKey.ImportPem(key.ExportPrivateKeyPem(), algorithm);
        using var fromPublicPem = VerificationKey.ImportPem(key.ExportPublicKeyPem(), algorithm);

        Assert.Equal(kty, publicJwk.Kty);
        Assert.Equal(algorithm.GetJwkName(), publicJwk.Alg);
        Assert.Equal("sig", publicJwk.Use);
        Assert.Null(publicJwk.D);
        Assert.False(publicJwk.HasPrivateKey);
        Assert.True(privateJwk.HasPrivateKey);
        Assert.True(fromPublicJwk.Verify(Data, signature));
        Assert.True(fromPublicPem.Verify(Data, fromPrivateJwk.Sign(Data)));
        Assert.True(fromPublicJwk.Verify(Data, fromPrivatePem.Sign(Data)));
        Assert.Equal(key.KeyId, fromPrivateJwk.KeyId);
    }

    [Fact]
    public void RsaJwk_WithZeroPaddedValues_IsImported_AndOursUseMinimalOctets()
    {
        // .NET pads CRT values to half the modulus length; about one key in 128 has a leading zero byte there.
        using var key = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, "host#rsa");
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(key.ExportPrivateJwk().ToJson())!.AsObject();
        foreach (var name in new[] { "n", "e", "d", "p", "q", "dp", "dq", "qi" })
        {
            Assert.NotEqual(0, System.Buffers.Text.Base64Url.DecodeFromChars(jwk[name]!.GetValue<string>())[0]);
        }

        foreach (var name in new[] { "dp", "dq", "qi" })
        {
            var value = System.Buffers.Text.Base64Url.DecodeFromChars(jwk[name]!.GetValue<string>());
            jwk[name] = System.Buffers.Text.Base64Url.EncodeToString([0, 0, .. value]);
        }

        using var padded = JsonWebKey.Parse(jwk.ToJsonString()).ToSigningKey();
        Assert.True(key.ExportPublicJwk().ToVerificationKey().Verify(Data, padded.Sign(Data)));
    }

    [Fact]
    public void Generate_Rsa_Is2048Bits()
    {
        using var key = SigningKey.Generate(HttpSignatureAlgorithm.RsaPssSha512, "k");

        Assert.Equal(256, Convert.FromBase64String(Base64UrlToBase64(key.ExportPublicJwk().N!)).Length);
    }

    [VectorFact]
    public void ImportPem_KeyOfOtherType_Throws()
    {
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportPem(Text(Rfc9421("keys", "test-key-ed25519.pub.pem")), HttpSignatureAlgorithm.EcdsaP256Sha256));
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportPem(Text(Rfc9421("keys", "test-key-ecc-p256.pub.pem")), HttpSignatureAlgorithm.EcdsaP384Sha384));
        Assert.Throws<CryptographicException>(() => SigningKey.ImportPem(Text(Rfc9421("keys", "test-key-rsa.pub.pem")), HttpSignatureAlgorithm.RsaV15Sha256));
        Assert.Throws<CryptographicException>(() => VerificationKey.ImportPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", HttpSignatureAlgorithm.RsaV15Sha256));
    }

    [Fact]
    public void ToVerificationKey_JwkAlgConflictsWithCaller_Throws()
    {
        using var key = SigningKey.Generate(HttpSignatureAlgorithm.EcdsaP256Sha256, "k");
        var jwk = key.ExportPublicJwk();

        Assert.Throws<CryptographicException>(() => jwk.ToVerificationKey(HttpSignatureAlgorithm.Ed25519));
        Assert.Equal(HttpSignatureAlgorithm.EcdsaP256Sha256, jwk.ToVerificationKey(HttpSignatureAlgorithm.EcdsaP256Sha256).Algorithm);
    }

    [Fact]
    public void ToVerificationKey_LegacyEdDsaAlg_IsEd25519()
    {
        var jwk = JsonWebKey.Parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"kid\":\"k\",\"x\":\"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs\"}");

        using var key = jwk.ToVerificationKey();

        Assert.Equal(HttpSignatureAlgorithm.Ed25519, key.Algorithm);
    }

    [Theory]
    [InlineData("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"alg\":\"EdDSA\",\"x\":\"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs\"}")]
    [InlineData("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"Ed25519\",\"x\":\"AAAA\"}")]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-521\",\"alg\":\"ES512\",\"x\":\"AA\",\"y\":\"AA\"}")]
    [InlineData("{\"kty\":\"RSA\",\"alg\":\"RS256\",\"e\":\"AQAB\"}")]
    [InlineData("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA\",\"y\":\"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA\"}")]
    public void ToVerificationKey_InvalidJwk_Throws(string json)
    {
        Assert.ThrowsAny<CryptographicException>(() => JsonWebKey.Parse(json).ToVerificationKey());
    }

    [Fact]
    public void JsonWebKeySet_Parse_SkipsUnreadableMembersAndFindsByKid()
    {
        var set = JsonWebKeySet.Parse("{\"keys\":[42,{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"Ed25519\",\"kid\":\"a\",\"x\":\"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs\"},{\"kid\":\"no-kty\"}]}");

        Assert.Single(set.Keys);
        Assert.Equal(2, set.SkippedKeys);
        Assert.NotNull(set.Find("a"));
        Assert.Null(set.Find("b"));
        Assert.Equal(set.Keys[0].X, JsonWebKeySet.Parse(set.ToJson()).Find("a")!.X);
        Assert.Throws<FormatException>(() => JsonWebKeySet.Parse("{\"nokeys\":[]}"));
        Assert.Throws<FormatException>(() => JsonWebKeySet.Parse("not json"));
    }

    [Fact]
    public void Verify_RsaPssWithMaximumSaltLength_IsAccepted()
    {
        // Node's crypto (and so http-message-signatures) signs PSS with the maximum salt length by default.
        using var rsa = RSA.Create(2048);
        using var key = VerificationKey.ImportPem(rsa.ExportSubjectPublicKeyInfoPem(), HttpSignatureAlgorithm.RsaPssSha512);
        var signature = PssSignWithSalt(rsa, Data, saltLength: 256 - 64 - 2);

        Assert.True(key.Verify(Data, signature));
        Assert.False(key.Verify("other"u8, signature));
    }

    [Fact]
    public void Verify_EcdsaDerSignature_IsRejected()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = VerificationKey.ImportPem(ecdsa.ExportSubjectPublicKeyInfoPem(), HttpSignatureAlgorithm.EcdsaP256Sha256);
        var der = ecdsa.SignData(Data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        Assert.False(key.Verify(Data, der)); // RFC 9421 §3.3.4: r‖s, never DER
        Assert.True(key.Verify(Data, ecdsa.SignData(Data, HashAlgorithmName.SHA256)));
    }

    [Theory]
    [InlineData("ed25519", HttpSignatureAlgorithm.Ed25519)]
    [InlineData("ecdsa-p384-sha384", HttpSignatureAlgorithm.EcdsaP384Sha384)]
    [InlineData("hmac-sha256", HttpSignatureAlgorithm.HmacSha256)]
    public void Algorithms_Rfc9421Names_RoundTrip(string name, HttpSignatureAlgorithm algorithm)
    {
        Assert.True(HttpSignatureAlgorithms.TryParseRfc9421Name(name, out var parsed));
        Assert.Equal(algorithm, parsed);
        Assert.Equal(name, algorithm.GetRfc9421Name());
        Assert.False(HttpSignatureAlgorithms.TryParseRfc9421Name(name.ToUpperInvariant(), out _));
    }

    private static string Base64UrlToBase64(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }

    // EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with an explicit salt length, then the raw private-key operation.
    private static byte[] PssSignWithSalt(RSA rsa, byte[] message, int saltLength)
    {
        var p = rsa.ExportParameters(true);
        var n = new System.Numerics.BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
        var d = new System.Numerics.BigInteger(p.D, isUnsigned: true, isBigEndian: true);
        var emBits = (int)n.GetBitLength() - 1;
        var emLen = (emBits + 7) / 8;
        var mHash = SHA512.HashData(message);
        var salt = RandomNumberGenerator.GetBytes(saltLength);
        var h = SHA512.HashData([.. new byte[8], .. mHash, .. salt]);
        var db = new byte[emLen - 64 - 1];
        db[db.Length - saltLength - 1] = 0x01;
        salt.CopyTo(db, db.Length - saltLength);
        var mask = new List<byte>();
        for (uint c = 0; mask.Count < db.Length; c++)
        {
            mask.AddRange(SHA512.HashData([.. h, (byte)(c >> 24), (byte)(c >> 16), (byte)(c >> 8), (byte)c]));
        }

        for (var i = 0; i < db.Length; i++)
        {
            db[i] ^= mask[i];
        }

        db[0] &= (byte)(0xFF >> ((8 * emLen) - emBits));
        byte[] em = [.. db, .. h, 0xBC];
        var s = System.Numerics.BigInteger.ModPow(new System.Numerics.BigInteger(em, isUnsigned: true, isBigEndian: true), d, n);
        var bytes = s.ToByteArray(isUnsigned: true, isBigEndian: true);
        var signature = new byte[p.Modulus!.Length];
        bytes.CopyTo(signature, signature.Length - bytes.Length);
        return signature;
    }
}
