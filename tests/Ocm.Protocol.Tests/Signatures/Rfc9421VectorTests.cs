using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Messages;
using static Ocm.Protocol.Tests.Signatures.SignatureVectors;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>Every case of vectors/rfc9421/cases (RFC 9421 §2.4, 3.1, 4.3, B.2.1–B.2.6, B.3, B.4).</summary>
public sealed class Rfc9421VectorTests
{
    private static readonly HttpMessageVerifier Verifier = new(new HttpMessageVerifierOptions { ValidateTimestamps = false });

    public static TheoryData<string> Cases() => [.. CaseIds()];

    [VectorTheory]
    [MemberData(nameof(Cases))]
    public void SignatureBase_RfcCase_IsByteIdentical(string caseId)
    {
        var meta = Meta(caseId);
        var message = SignedMessage(caseId);
        var signature = MessageSignature.Read(message, meta.GetProperty("label").GetString()!);

        Assert.NotNull(signature);
        var signatureBase = SignatureBase.Create(message, signature);
        Assert.Equal(Text(Rfc9421("cases", caseId, "base.txt")), signatureBase.Text);
    }

    [VectorTheory]
    [MemberData(nameof(Cases))]
    public void Verify_RfcCase_IsValid(string caseId)
    {
        var meta = Meta(caseId);
        var alg = Algorithm(meta.GetProperty("alg").GetString()!);
        using var key = PublicKey(meta.GetProperty("keyid").GetString()!, alg);

        var result = Verifier.Verify(SignedMessage(caseId), meta.GetProperty("label").GetString()!, key);

        Assert.True(result.IsValid, result.ToString());
    }

    [VectorTheory]
    [MemberData(nameof(Cases))]
    public void Sign_DeterministicRfcCase_ReproducesSignatureAndInput(string caseId)
    {
        var meta = Meta(caseId);
        if (!meta.GetProperty("deterministic").GetBoolean())
        {
            return; // ECDSA and RSA-PSS are randomized: covered by Verify_RfcCase_IsValid and the round trips.
        }

        var label = meta.GetProperty("label").GetString()!;
        var alg = Algorithm(meta.GetProperty("alg").GetString()!);
        using var key = PrivateKey(meta.GetProperty("keyid").GetString()!, alg);
        var received = SignedMessage(caseId);
        var parsed = MessageSignature.Read(received, label)!;

        var result = HttpMessageSigner.CreateSignature(received, label, parsed.Components, parsed.Parameters, key);

        Assert.Equal(TrimmedText(Rfc9421("cases", caseId, "signature.b64")), Convert.ToBase64String(result.Signature.Span));
        Assert.Equal(label + "=" + parsed.SignatureParamsValue, result.SignatureInputMember);
        Assert.Contains(result.SignatureInputMember, TrimmedText(Rfc9421("cases", caseId, "signature-input.txt")), StringComparison.Ordinal);
        Assert.Contains(result.SignatureMember, TrimmedText(Rfc9421("cases", caseId, "signature.txt")), StringComparison.Ordinal);
    }

    [VectorTheory]
    [MemberData(nameof(Cases))]
    public void Verify_RfcCaseWithSignatureFlipped_IsBadSignature(string caseId)
    {
        var meta = Meta(caseId);
        var label = meta.GetProperty("label").GetString()!;
        var alg = Algorithm(meta.GetProperty("alg").GetString()!);
        using var key = PublicKey(meta.GetProperty("keyid").GetString()!, alg);
        var message = SignedMessage(caseId);
        var signature = MessageSignature.Read(message, label)!;
        var bytes = signature.Value.ToArray();
        bytes[^1] ^= 0x01;
        var tampered = SignedMessage(caseId);
        tampered.Headers.Set("Signature", $"{label}=:{Convert.ToBase64String(bytes)}:");

        var result = Verifier.Verify(tampered, label, key);

        Assert.Equal(SignatureFailure.BadSignature, result.Failure);
    }

    [VectorTheory]
    [InlineData("variant-1-valid.http", true)]
    [InlineData("variant-2-valid.http", true)]
    [InlineData("variant-3-valid.http", true)]
    [InlineData("variant-4-INVALID.http", false)]
    [InlineData("variant-5-INVALID.http", false)]
    public void Verify_B4TransformedMessage_MatchesExpectation(string file, bool expectValid)
    {
        using var key = PublicKey("test-key-ed25519", Ocm.Protocol.Signatures.Keys.HttpSignatureAlgorithm.Ed25519);
        var message = Message(Rfc9421("cases", "b4-transform-ed25519", file));

        var result = Verifier.Verify(message, "transform", key);

        Assert.Equal(expectValid, result.IsValid);
        if (!expectValid)
        {
            Assert.Equal(SignatureFailure.BadSignature, result.Failure);
        }
    }

    [VectorFact]
    public void Verify_ProxySignatureAtItsCreationTime_IsValidAndExpiresLater()
    {
        using var key = PublicKey("test-key-rsa", Ocm.Protocol.Signatures.Keys.HttpSignatureAlgorithm.RsaV15Sha256);
        var message = SignedMessage("s4.3-proxy_sig-rsa-v1_5-sha256");
        var atCreation = new HttpMessageVerifier(timeProvider: new FixedTimeProvider(1618884480));
        var afterExpiry = new HttpMessageVerifier(timeProvider: new FixedTimeProvider(1618884541));

        Assert.True(atCreation.Verify(message, "proxy_sig", key).IsValid);
        Assert.Equal(SignatureFailure.Expired, afterExpiry.Verify(message, "proxy_sig", key).Failure);
    }

    [VectorFact]
    public void Verify_ResponseWithoutRelatedRequest_IsMissingComponent()
    {
        using var key = PublicKey("test-key-ecc-p256", Ocm.Protocol.Signatures.Keys.HttpSignatureAlgorithm.EcdsaP256Sha256);
        var message = SignedMessage("s2.4-reqres-ecdsa-p256-sha256");
        message.RelatedRequest = null;

        var result = Verifier.Verify(message, "reqres", key);

        Assert.Equal(SignatureFailure.MissingComponent, result.Failure);
    }

    [VectorFact]
    public void Verify_WrongAlgParameter_IsAlgorithmMismatch()
    {
        using var key = PublicKey("test-key-ed25519", Ocm.Protocol.Signatures.Keys.HttpSignatureAlgorithm.Ed25519);
        var message = SignedMessage("b2.6-ed25519");
        message.Headers.Set("Signature-Input", TrimmedText(Rfc9421("cases", "b2.6-ed25519", "signature-input.txt")) + ";alg=\"rsa-pss-sha512\"");

        var result = Verifier.Verify(message, "sig-b26", key);

        Assert.Equal(SignatureFailure.AlgorithmMismatch, result.Failure);
    }

    [VectorFact]
    public void ReadAll_MessageWithTwoSignatures_ReturnsBothLabelsInOrder()
    {
        var message = SignedMessage("s4.3-proxy_sig-rsa-v1_5-sha256");

        var signatures = MessageSignature.ReadAll(message);

        Assert.Equal(["sig1", "proxy_sig"], signatures.Select(s => s.Label));
        Assert.All(signatures, s => Assert.Null(s.Error));
    }
}

internal sealed class FixedTimeProvider(long unixSeconds) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

    public override DateTimeOffset GetUtcNow() => Now;
}
