using System.Globalization;
using System.Text;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>draft-cavage-http-signatures-12: vectors/cavage (Appendix C and the Nextcloud-style request) and round trips.</summary>
public sealed class CavageTests
{
    private static readonly DateTimeOffset VectorDate = DateTimeOffset.Parse("Sun, 05 Jan 2014 21:31:40 GMT", CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset NextcloudDate = DateTimeOffset.Parse("Mon, 08 Jul 2024 14:16:20 GMT", CultureInfo.InvariantCulture);

    // One RSA key for the whole class: generating 2048-bit keys is slow and adds nothing here.
    private static readonly SigningKey Rsa = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, "rsa");

    // The Appendix C cases sign fewer headers than an OCM verifier demands.
    private static readonly CavageVerifierOptions VectorOptions = new() { RequiredHeaders = [], RequireBodyIntegrity = false };

    [VectorTheory]
    [InlineData("default", "signature-header.txt")]
    [InlineData("default", "authorization-header.txt")]
    [InlineData("basic", "signature-header.txt")]
    [InlineData("basic", "authorization-header.txt")]
    [InlineData("all-headers", "signature-header.txt")]
    [InlineData("all-headers", "authorization-header.txt")]
    [InlineData("all-headers-created-expires-COMPUTED", "signature-header.txt")]
    [InlineData("all-headers-created-expires-COMPUTED", "authorization-header.txt")]
    public void Verify_AppendixCVector_IsValidWithExactSigningString(string caseId, string headerFile)
    {
        var request = WithHeader(Request(), Cavage(caseId, headerFile));
        using var key = PublicKey();
        var result = Verifier(request).Verify(request, key);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(File.ReadAllText(Cavage(caseId, "signing-string.txt")), result.SigningString);
        Assert.Equal(HttpSignatureAlgorithm.RsaV15Sha256, result.Algorithm);
    }

    [VectorTheory]
    [InlineData("default")]
    [InlineData("basic")]
    [InlineData("all-headers")]
    [InlineData("all-headers-created-expires-COMPUTED")]
    public void Sign_AppendixCVector_ReproducesDeterministicSignature(string caseId)
    {
        var expected = CavageSignatureHeader.Parse(File.ReadAllText(Cavage(caseId, "signature-header.txt")).Trim()["Signature: ".Length..]);
        using var key = SigningKey.ImportPem(File.ReadAllText(Cavage("keys", "Test.priv.pem")), HttpSignatureAlgorithm.RsaV15Sha256, "Test");

        var signingString = CavageSigningString.Build(Request(), expected);
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingString));

        Assert.Equal(File.ReadAllText(Cavage(caseId, "signature.b64")).Trim(), Convert.ToBase64String(signature));
        Assert.Equal(File.ReadAllText(Cavage(caseId, "signature-header.txt")).Trim(), "Signature: " + expected.ToHeaderValue());
    }

    [VectorTheory]
    [InlineData("signature-header.as-printed.txt")]
    [InlineData("authorization-header.as-printed.txt")]
    public void Verify_AllHeadersAsPrintedInDraft_IsBadSignature(string headerFile)
    {
        // Erratum in -12: the printed headers list names (created) (expires) but the signature does not cover them.
        var request = WithHeader(Request(), Cavage("all-headers", headerFile));
        using var key = PublicKey();

        var result = Verifier(request).Verify(request, key);

        Assert.Equal(SignatureFailure.BadSignature, result.Failure);
    }

    [VectorFact]
    public void Verify_NextcloudStyleRequest_IsValidUnderOcmDefaults()
    {
        var request = HttpMessageParser.Parse(File.ReadAllBytes(Cavage("nextcloud-style-COMPUTED", "request.http")));
        using var key = PublicKey();

        var result = new CavageVerifier(timeProvider: new FixedTimeProvider(NextcloudDate.ToUnixTimeSeconds() + 100)).Verify(request, key);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("https://sender.example/ocm#signature", result.Signature!.KeyId);
        Assert.Equal(File.ReadAllText(Cavage("nextcloud-style-COMPUTED", "signing-string.txt")), result.SigningString);
    }

    [VectorFact]
    public void Sign_NextcloudStyleRequest_ReproducesVectorHeaders()
    {
        var expected = HttpMessageParser.Parse(File.ReadAllBytes(Cavage("nextcloud-style-COMPUTED", "request.http")));
        var request = HttpMessageParser.Parse(File.ReadAllBytes(Cavage("nextcloud-style-COMPUTED", "request.http")));
        request.Headers.Remove("Signature");
        request.Headers.Remove("Digest");
        using var key = SigningKey.ImportPem(File.ReadAllText(Cavage("keys", "Test.priv.pem")), HttpSignatureAlgorithm.RsaV15Sha256);

        new CavageSigner(key, "https://sender.example/ocm#signature", timeProvider: new FixedTimeProvider(NextcloudDate.ToUnixTimeSeconds())).Sign(request);

        Assert.Equal(expected.Headers.GetCombinedValue("Signature"), request.Headers.GetCombinedValue("Signature"));
        Assert.Equal(expected.Headers.GetCombinedValue("Digest"), request.Headers.GetCombinedValue("Digest"));
        Assert.Equal(
            File.ReadAllText(Cavage("nextcloud-style-COMPUTED", "signature-header.txt")).Trim(),
            "Signature: " + request.Headers.GetCombinedValue("Signature"));
    }

    [Theory]
    [InlineData(CavageAlgorithms.RsaSha256, HttpSignatureAlgorithm.RsaV15Sha256, false)]
    [InlineData(CavageAlgorithms.RsaSha512, HttpSignatureAlgorithm.RsaV15Sha512, false)]
    [InlineData(CavageAlgorithms.Hs2019, HttpSignatureAlgorithm.RsaPssSha512, false)]
    [InlineData(CavageAlgorithms.Hs2019, HttpSignatureAlgorithm.Ed25519, true)]
    public void Sign_FreshKey_VerifiesWithEitherHeaderForm(string algorithmName, HttpSignatureAlgorithm expected, bool ed25519)
    {
        var key = ed25519 ? SigningKey.Generate(HttpSignatureAlgorithm.Ed25519) : Rsa;
        using var publicKey = key.GetVerificationKey();
        foreach (var authorization in new[] { false, true })
        {
            var request = Share();
            var clock = new FixedTimeProvider(1_790_000_000);
            new CavageSigner(key, "https://sender.example/ocm#signature", new CavageSignerOptions { Algorithm = algorithmName, UseAuthorizationHeader = authorization }, clock).Sign(request);

            var result = new CavageVerifier(timeProvider: clock).Verify(request, publicKey);

            Assert.True(result.IsValid, result.ToString());
            Assert.Equal(expected, result.Algorithm);
            Assert.Equal(authorization, request.Headers.Contains("Authorization"));
        }
    }

    [Fact]
    public void Sign_NextcloudPreset_SendsRsaSha512AndSha512Digest()
    {
        var key = Rsa;
        var request = Share();
        var clock = new FixedTimeProvider(1_790_000_000);

        var signature = new CavageSigner(key, CavageSigner.NextcloudKeyId(new Uri("https://cloud.example.com/index.php/ocm")), CavageSignerOptions.Nextcloud, clock).Sign(request);

        Assert.Equal("https://cloud.example.com/ocm#signature", signature.KeyId);
        Assert.Equal("rsa-sha512", signature.Algorithm);
        Assert.Equal(["(request-target)", "content-length", "date", "digest", "host"], signature.Headers);
        Assert.StartsWith("SHA-512=", request.Headers.GetCombinedValue("Digest"), StringComparison.Ordinal);
        Assert.Equal("Mon, 21 Sep 2026 14:13:20 GMT", request.Headers.GetCombinedValue("Date"));
        Assert.True(new CavageVerifier(timeProvider: clock).Verify(request, key.GetVerificationKey()).IsValid);
    }

    [Fact]
    public void Sign_CreatedAndExpiresSigned_AddsParametersAndVerifies()
    {
        var key = Rsa;
        var request = Share();
        var clock = new FixedTimeProvider(1_790_000_000);
        var options = new CavageSignerOptions { Algorithm = CavageAlgorithms.Hs2019, Headers = ["(request-target)", "(created)", "(expires)", "host", "date", "digest", "content-length"] };

        var signature = new CavageSigner(key, "k", options, clock).Sign(request);
        clock.Now += TimeSpan.FromSeconds(301);
        var expired = new CavageVerifier(new CavageVerifierOptions { ValidateDate = false }, clock).Verify(request, key.GetVerificationKey());

        Assert.Equal(1_790_000_000, signature.Created);
        Assert.Equal(1_790_000_300, signature.Expires);
        Assert.Equal(SignatureFailure.Expired, expired.Failure);
    }

    [Fact]
    public void Verify_Hs2019SignedWithPkcs1Sha256_IsAcceptedOnlyWithFallback()
    {
        var key = Rsa;
        var clock = new FixedTimeProvider(1_790_000_000);
        var request = Share();
        new CavageSigner(key, "k", timeProvider: clock).Sign(request); // rsa-sha256
        var header = request.Headers.GetCombinedValue("Signature")!.Replace("rsa-sha256", "hs2019", StringComparison.Ordinal);
        request.Headers.Set("Signature", header);

        Assert.True(new CavageVerifier(timeProvider: clock).Verify(request, key.GetVerificationKey()).IsValid);
        Assert.Equal(
            SignatureFailure.BadSignature,
            new CavageVerifier(new CavageVerifierOptions { AllowHs2019Pkcs1Fallback = false }, clock).Verify(request, key.GetVerificationKey()).Failure);
    }

    [Fact]
    public void Verify_DateOlderThanWindow_IsDateOutOfRange()
    {
        var (request, key, clock) = SignedShare();
        clock.Now += TimeSpan.FromSeconds(301);

        Assert.Equal(SignatureFailure.DateOutOfRange, new CavageVerifier(timeProvider: clock).Verify(request, key).Failure);
    }

    [Fact]
    public void Verify_NoDate_IsDateMissing()
    {
        var (request, key, clock) = SignedShare();
        request.Headers.Remove("Date");

        Assert.Equal(SignatureFailure.DateMissing, new CavageVerifier(timeProvider: clock).Verify(request, key).Failure);
    }

    [Fact]
    public void Verify_BodyChanged_IsDigestMismatch()
    {
        var (request, key, clock) = SignedShare();
        request.Body = Encoding.UTF8.GetBytes(OcmRequestVerifierTests.ShareJson.ToUpperInvariant());

        Assert.Equal(SignatureFailure.DigestMismatch, new CavageVerifier(timeProvider: clock).Verify(request, key).Failure);
    }

    [Fact]
    public void Verify_ContentLengthWrong_IsContentLengthMismatch()
    {
        var (request, key, clock) = SignedShare();
        request.Headers.Set("Content-Length", "3");

        Assert.Equal(SignatureFailure.ContentLengthMismatch, new CavageVerifier(timeProvider: clock).Verify(request, key).Failure);
    }

    [Fact]
    public void Verify_SignatureWithoutDigestOverBody_IsRequiredComponentNotCovered()
    {
        var signing = Rsa;
        var clock = new FixedTimeProvider(1_790_000_000);
        var request = Share();
        new CavageSigner(signing, "k", new CavageSignerOptions { Headers = ["(request-target)", "host", "date"] }, clock).Sign(request);

        Assert.Equal(SignatureFailure.RequiredComponentNotCovered, new CavageVerifier(timeProvider: clock).Verify(request, signing.GetVerificationKey()).Failure);
    }

    [Fact]
    public void Verify_MethodChanged_IsBadSignature()
    {
        var (request, key, clock) = SignedShare();
        request.Method = "PUT";

        Assert.Equal(SignatureFailure.BadSignature, new CavageVerifier(timeProvider: clock).Verify(request, key).Failure);
    }

    [Fact]
    public void Verify_RsaAlgorithmWithEd25519Key_IsAlgorithmMismatch()
    {
        var (request, _, clock) = SignedShare();
        using var ed = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519);

        Assert.Equal(SignatureFailure.AlgorithmMismatch, new CavageVerifier(timeProvider: clock).Verify(request, ed.GetVerificationKey()).Failure);
    }

    [Theory]
    [InlineData("keyId=\"a\",keyId=\"b\",signature=\"AAAA\"")]
    [InlineData("algorithm=\"rsa-sha256\",signature=\"AAAA\"")]
    [InlineData("keyId=\"a\",headers=\"date\"")]
    [InlineData("keyId=\"a\",signature=\"not base64!\"")]
    [InlineData("keyId=\"a,signature=\"AAAA\"")]
    [InlineData("keyId=\"a\",created=yesterday,signature=\"AAAA\"")]
    public void Verify_MalformedHeader_IsMalformedHeader(string header)
    {
        var request = Share();
        request.Headers.Add("Signature", header);

        var result = new CavageVerifier().Verify(request, VerificationKey.FromSharedSecret([1]));

        Assert.Equal(SignatureFailure.MalformedHeader, result.Failure);
    }

    [Fact]
    public void Verify_Unsigned_IsNotSigned()
    {
        Assert.Equal(SignatureFailure.NotSigned, new CavageVerifier().Verify(Share(), VerificationKey.FromSharedSecret([1])).Failure);
    }

    [Fact]
    public async Task VerifyAsync_UnknownKeyId_IsUnknownKey()
    {
        var (request, _, clock) = SignedShare();

        var result = await new CavageVerifier(timeProvider: clock).VerifyAsync(request, (_, _) => ValueTask.FromResult<VerificationKey?>(null));

        Assert.Equal(SignatureFailure.UnknownKey, result.Failure);
    }

    // The -12 example's created (June 2014) is later than its Date (January 2014): check such cases at "created".
    private static CavageVerifier Verifier(HttpMessage request) => CavageSignatureHeader.Read(request)!.Created is { } created
        ? new CavageVerifier(VectorOptions with { ValidateDate = false }, new FixedTimeProvider(created))
        : new CavageVerifier(VectorOptions, new FixedTimeProvider(VectorDate.ToUnixTimeSeconds()));

    private static string Cavage(params string[] parts) => TestPaths.Vector(["cavage", .. parts]);

    private static HttpMessage Request() => HttpMessageParser.Parse(File.ReadAllBytes(Cavage("request.http")));

    private static VerificationKey PublicKey() =>
        VerificationKey.ImportPem(File.ReadAllText(Cavage("keys", "Test.pub.pem")), HttpSignatureAlgorithm.RsaV15Sha256, "Test");

    private static HttpMessage WithHeader(HttpMessage request, string headerFile)
    {
        var line = File.ReadAllText(headerFile).Trim();
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        request.Headers.Add(line[..colon], line[(colon + 2)..]);
        return request;
    }

    private static HttpMessage Share()
    {
        var request = HttpMessage.CreateRequest("POST", new Uri("https://receiver.example/ocm/shares"));
        request.Headers.Add("Content-Type", "application/json");
        request.Body = Encoding.UTF8.GetBytes(OcmRequestVerifierTests.ShareJson);
        return request;
    }

    private static (HttpMessage Request, VerificationKey Key, FixedTimeProvider Clock) SignedShare()
    {
        var clock = new FixedTimeProvider(1_790_000_000);
        var request = Share();
        new CavageSigner(Rsa, "https://sender.example/ocm#signature", timeProvider: clock).Sign(request);
        return (request, Rsa.GetVerificationKey(), clock);
    }
}
