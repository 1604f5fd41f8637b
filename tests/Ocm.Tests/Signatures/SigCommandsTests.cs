using System.Globalization;
using System.Text;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// <c>ocm sig sign|verify|base</c> run as the real executable against the RFC 9421, draft-cavage and OCM vectors:
/// what an operator types and reads when two servers disagree about a signature.
/// </summary>
public sealed class SigCommandsTests : IDisposable
{
    private const long VectorCreated = 1618884473;
    private readonly string _dir = TempDirectory.Create("ocm-sig");

    public void Dispose() => TempDirectory.Delete(_dir);

    private static string Rfc9421(params string[] parts) => TestPaths.Vector(["rfc9421", .. parts]);

    private static string Case(string id, string file) => Rfc9421("cases", id, file);

    private static string Key(string file) => Rfc9421("keys", file);

    private static string Cavage(params string[] parts) => TestPaths.Vector(["cavage", .. parts]);

    private static string ReadVector(string path) => File.ReadAllText(path, Encoding.Latin1);

    private static Task<RunResult> Sig(params string[] args) => OcmProcess.RunAsync(["sig", .. args]);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, Encoding.Latin1);
        return path;
    }

    /// <summary>A vector message with header lines added just before the empty line (the body stays byte-identical).</summary>
    private static string WithHeaders(string message, params string[] headerLines)
    {
        var end = message.IndexOf("\n\n", StringComparison.Ordinal);
        return message[..(end + 1)] + string.Concat(headerLines.Select(h => h + "\n")) + message[(end + 1)..];
    }

    private static string WithoutHeaders(string message, params string[] names)
    {
        var end = message.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = message[..end].Split('\n').Where(l => !names.Any(n => l.StartsWith(n + ":", StringComparison.OrdinalIgnoreCase)));
        return string.Join('\n', lines) + message[end..];
    }

    /// <summary>The B.2.x messages are printed unsigned; the signature fields come from the case files.</summary>
    private string SignedVector(string id) => Write(
        id + ".http",
        WithHeaders(
            ReadVector(Case(id, "message.http")),
            "Signature-Input: " + ReadVector(Case(id, "signature-input.txt")).Trim(),
            "Signature: " + ReadVector(Case(id, "signature.txt")).Trim()));

    private static string LastLine(string output) => output.TrimEnd('\n').Split('\n')[^1];

    private static string HeaderValue(string message, string name) =>
        message.Split('\n').First(l => l.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase))[(name.Length + 2)..].TrimEnd('\r');

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private const string B26Components = "\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\"";

    // ---- base ------------------------------------------------------------------------------------------------------

    [VectorFact]
    public async Task Base_B26Ed25519Components_ReproducesVectorBase()
    {
        var (exit, stdout, stderr) = await Sig(
            "base", "--key", Key("test-key-ed25519.priv.pem"), "--alg", "ed25519", "--keyid", "test-key-ed25519",
            "--created", "1618884473", "--tag", "", "--components", B26Components, Case("b2.6-ed25519", "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case("b2.6-ed25519", "base.txt")) + "\n", stdout);
    }

    [VectorFact]
    public async Task Base_B21MinimalRsaPssWithNonce_ReproducesVectorBase()
    {
        var (exit, stdout, stderr) = await Sig(
            "base", "--key", Key("test-key-rsa-pss.priv.pem"), "--alg", "rsa-pss-sha512", "--keyid", "test-key-rsa-pss",
            "--created", "1618884473", "--nonce", "b3k2pp5k7z-50gnwp.yemd", "--tag", "", "--components", "",
            Case("b2.1-minimal-rsa-pss-sha512", "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case("b2.1-minimal-rsa-pss-sha512", "base.txt")) + "\n", stdout);
    }

    [VectorFact]
    public async Task Base_B22SelectiveQueryParam_ReproducesVectorBase()
    {
        var (exit, stdout, stderr) = await Sig(
            "base", "--keyid", "test-key-rsa-pss", "--created", "1618884473", "--tag", "header-example",
            "--components", "\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\"",
            Case("b2.2-selective-rsa-pss-sha512", "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case("b2.2-selective-rsa-pss-sha512", "base.txt")) + "\n", stdout);
    }

    [VectorFact]
    public async Task Base_ExistingSignatureLabel_PrintsItsBase()
    {
        var (exit, stdout, stderr) = await Sig("base", "--label", "sig1", Case("s3.1-sig1-rsa-pss-sha512", "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case("s3.1-sig1-rsa-pss-sha512", "base.txt")) + "\n", stdout);
    }

    [VectorFact]
    public async Task Base_ResponseWithRequest_IncludesReqComponents()
    {
        var id = "s2.4-reqres2-ecdsa-p256-sha256";

        var (exit, stdout, stderr) = await Sig("base", "--request", Case(id, "request.http"), Case(id, "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case(id, "base.txt")) + "\n", stdout);
    }

    [VectorFact]
    public async Task Base_TwoSignaturesWithoutLabel_ExitsTwoNamingThem()
    {
        var (exit, _, stderr) = await Sig("base", Case("s4.3-proxy_sig-rsa-v1_5-sha256", "message.http"));

        Assert.Equal(2, exit);
        Assert.Contains("2 signatures (sig1, proxy_sig); choose one with --label", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Base_CavageSignedRequest_PrintsSigningString()
    {
        var (exit, stdout, stderr) = await Sig("base", "--cavage", Cavage("nextcloud-style-COMPUTED", "request.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Cavage("nextcloud-style-COMPUTED", "signing-string.txt")).TrimEnd('\n') + "\n", stdout);
    }

    // ---- sign ------------------------------------------------------------------------------------------------------

    [VectorFact]
    public async Task Sign_B26Ed25519Key_ProducesVectorSignature()
    {
        var (exit, stdout, stderr) = await Sig(
            "sign", "--key", Key("test-key-ed25519.priv.pem"), "--keyid", "test-key-ed25519", "--label", "sig-b26",
            "--created", "1618884473", "--tag", "", "--components", B26Components, Case("b2.6-ed25519", "message.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Case("b2.6-ed25519", "signature-input.txt")).Trim(), HeaderValue(stdout, "Signature-Input"));
        Assert.Equal(ReadVector(Case("b2.6-ed25519", "signature.txt")).Trim(), HeaderValue(stdout, "Signature"));
        Assert.EndsWith("\n\n{\"hello\": \"world\"}", stdout, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Sign_OcmVectorParametersWithJwk_ProducesVectorSignature()
    {
        var signed = ReadVector(TestPaths.Vector("ocm", "signed-requests", "ocm-share-ed25519.http"));
        var unsigned = Write("share.http", WithoutHeaders(signed, "Signature-Input", "Signature"));

        var (exit, stdout, stderr) = await Sig(
            "sign", "--key", Key("test-key-ed25519.jwk.json"), "--keyid", "https://sender.example/ocm#key-1", "--include-alg",
            "--created", "1618884473", "--tag", "", "--components", "\"@method\" \"@target-uri\" \"content-digest\" \"content-length\" \"date\"", unsigned);

        Assert.True(exit == 0, stderr);
        Assert.Equal(signed, stdout);
    }

    [VectorFact]
    public async Task Sign_DefaultsOnRequestWithBody_FollowOcmProfileAndVerify()
    {
        var message = Write("post.http", "POST /ocm/notifications HTTP/1.1\nHost: recv.example.com\nContent-Type: application/json\n\n{\"hello\":\"world\"}");
        var before = Now();

        var (exit, stdout, stderr) = await Sig("sign", "--key", Key("test-key-ed25519.jwk.json"), "--keyid", "files.example.net#k1", message);

        Assert.True(exit == 0, stderr);
        Assert.Equal("17", HeaderValue(stdout, "Content-Length"));
        Assert.Equal("sha-256=:k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=:", HeaderValue(stdout, "Content-Digest"));
        var input = HeaderValue(stdout, "Signature-Input");
        Assert.StartsWith("ocm=(\"@method\" \"@target-uri\" \"content-digest\" \"content-length\");created=", input, StringComparison.Ordinal);
        Assert.EndsWith(";keyid=\"files.example.net#k1\";tag=\"ocm\"", input, StringComparison.Ordinal);
        var created = long.Parse(input.Split("created=")[1].Split(';')[0], CultureInfo.InvariantCulture);
        Assert.InRange(created, before - 1, Now() + 1);

        var verified = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), Write("signed.http", stdout));
        Assert.Equal(0, verified.ExitCode);
        Assert.Contains("\"@target-uri\": https://recv.example.com/ocm/notifications\n", verified.StdOut, StringComparison.Ordinal);
        Assert.Equal("valid", LastLine(verified.StdOut));
    }

    [VectorFact]
    public async Task Sign_RequestWithoutBody_CoversMethodAndTargetUriWithScheme()
    {
        var message = Write("get.http", "GET /ocm/shares/42?x=1 HTTP/1.1\nHost: peer.example:8443\n\n");

        var (exit, stdout, stderr) = await Sig(
            "sign", "--key", Key("test-key-ecc-p256.jwk.json"), "--scheme", "http", "--created", "1700000000", "--label", "sig1", message);

        Assert.True(exit == 0, stderr);
        Assert.Equal("sig1=(\"@method\" \"@target-uri\");created=1700000000;keyid=\"test-key-ecc-p256\";tag=\"ocm\"", HeaderValue(stdout, "Signature-Input"));
        Assert.DoesNotContain("Content-Digest", stdout, StringComparison.Ordinal);
        var signed = Write("signed.http", stdout);
        var (_, baseText, _) = await Sig("verify", "--key", Key("test-key-ecc-p256.pub.pem"), "--no-time-check", "--scheme", "http", signed);
        Assert.StartsWith("\"@method\": GET\n\"@target-uri\": http://peer.example:8443/ocm/shares/42?x=1\n", baseText, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Sign_ResponseWithReqComponents_VerifiesWithRequest()
    {
        var request = Case("s2.4-reqres-ecdsa-p256-sha256", "request.http");
        var response = Write("response.http", "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"ok\":true}");

        var (exit, stdout, stderr) = await Sig(
            "sign", "--key", Key("test-key-ecc-p256.priv.pem"), "--request", request,
            // Bare names after '=': a separate argument starting with @ would be taken for a response file.
            "--components=@status content-digest @method;req \"@authority\";req content-digest;req", response);

        Assert.True(exit == 0, stderr);
        var signed = Write("signed.http", stdout);
        var verified = await Sig("verify", "--key", Key("test-key-ecc-p256.jwk.json"), "--request", request, signed);
        Assert.True(verified.ExitCode == 0, verified.StdOut + verified.StdErr);
        Assert.Contains("\"@authority\";req: example.com\n", verified.StdOut, StringComparison.Ordinal);
        Assert.Equal("valid", LastLine(verified.StdOut));
    }

    [VectorFact]
    public async Task Sign_CavageWithAppendixCDateAndHeaders_ProducesDraftSignature()
    {
        var signedAt = DateTimeOffset.Parse("Sun, 05 Jan 2014 21:31:40 GMT", CultureInfo.InvariantCulture).ToUnixTimeSeconds();

        var (exit, stdout, stderr) = await Sig(
            "sign", "--cavage", "--key", Cavage("keys", "Test.priv.pem"), "--keyid", "Test", "--created", signedAt.ToString(CultureInfo.InvariantCulture),
            "--headers", "(request-target) host date content-type digest content-length", Cavage("request.http"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadVector(Cavage("all-headers", "signature-header.txt")).Trim(), "Signature: " + HeaderValue(stdout, "Signature"));
    }

    [VectorFact]
    public async Task Sign_CavageRoundTrip_VerifiesWithPublicKey()
    {
        var message = Write("share.http", "POST /ocm/shares HTTP/1.1\nHost: receiver.example\nContent-Type: application/json\n\n{\"shareWith\":\"bob@receiver.example\"}");

        var signed = await Sig("sign", "--cavage", "--key", Cavage("keys", "Test.priv.pem"), "--alg", "rsa-sha512", "--digest", "sha-512", "--keyid", "https://sender.example/ocm#signature", message);
        Assert.True(signed.ExitCode == 0, signed.StdErr);
        Assert.StartsWith("SHA-512=", HeaderValue(signed.StdOut, "Digest"), StringComparison.Ordinal);
        Assert.Contains("headers=\"(request-target) content-length date digest host\"", HeaderValue(signed.StdOut, "Signature"), StringComparison.Ordinal);

        var (exit, stdout, stderr) = await Sig("verify", "--cavage", "--key", Cavage("keys", "Test.pub.pem"), Write("signed.http", signed.StdOut));

        Assert.True(exit == 0, stdout + stderr);
        Assert.StartsWith("(request-target): post /ocm/shares\ncontent-length: 36\ndate: ", stdout, StringComparison.Ordinal);
        Assert.Equal("valid", LastLine(stdout));
    }

    [VectorFact]
    public async Task Sign_UnknownAlgorithm_ExitsTwo()
    {
        var (exit, stdout, stderr) = await Sig("sign", "--key", Key("test-key-ed25519.priv.pem"), "--alg", "ed448", Case("b2.6-ed25519", "message.http"));

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.StartsWith("error: unknown algorithm 'ed448'; use one of ed25519, ", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Sign_JwkAlgDisagreesWithAlgOption_ExitsTwo()
    {
        var jwk = Write("es256.jwk", File.ReadAllText(Key("test-key-ecc-p256.jwk.json")).Replace("\"kty\": \"EC\"", "\"kty\": \"EC\", \"alg\": \"ES256\"", StringComparison.Ordinal));

        var (exit, _, stderr) = await Sig("sign", "--key", jwk, "--alg", "ecdsa-p384-sha384", Case("b2.6-ed25519", "message.http"));

        Assert.Equal(2, exit);
        Assert.Contains("has \"alg\" ES256, not ES384", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Sign_RsaKeyWithoutAlg_ExitsTwoAskingForAlg()
    {
        var (exit, _, stderr) = await Sig("sign", "--key", Key("test-key-rsa.priv.pem"), Case("b2.6-ed25519", "message.http"));

        Assert.Equal(2, exit);
        Assert.Contains("give --alg rsa-pss-sha512 or --alg rsa-v1_5-sha256", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Sign_PublicKeyOnly_ExitsTwo()
    {
        var (exit, _, stderr) = await Sig("sign", "--key", Key("test-key-ed25519.pub.pem"), Case("b2.6-ed25519", "message.http"));

        Assert.Equal(2, exit);
        Assert.Contains("signing needs the private key", stderr, StringComparison.Ordinal);
    }

    // ---- verify ----------------------------------------------------------------------------------------------------

    [VectorTheory]
    [InlineData("b2.1-minimal-rsa-pss-sha512", "test-key-rsa-pss.pub.pem", "rsa-pss-sha512")]
    [InlineData("b2.2-selective-rsa-pss-sha512", "test-key-rsa-pss.pub.pem", "rsa-pss-sha512")]
    [InlineData("b2.3-full-rsa-pss-sha512", "test-key-rsa-pss.priv.pem", "rsa-pss-sha512")]
    [InlineData("b2.4-response-ecdsa-p256-sha256", "test-key-ecc-p256.pub.pem", null)]
    [InlineData("b2.5-hmac-sha256", "test-shared-secret.b64", "hmac-sha256")]
    [InlineData("b2.6-ed25519", "test-key-ed25519.pub.pem", null)]
    [InlineData("b2.6-ed25519", "test-key-ed25519.jwk.json", "ed25519")]
    public async Task Verify_Rfc9421VectorMessage_Valid(string id, string keyFile, string? alg)
    {
        var args = new List<string> { "verify", "--no-time-check", "--key", Key(keyFile), SignedVector(id) };
        if (alg is not null)
        {
            args.InsertRange(1, ["--alg", alg]);
        }

        var (exit, stdout, stderr) = await Sig([.. args]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(ReadVector(Case(id, "base.txt")) + "\nvalid\n", stdout);
    }

    [VectorTheory]
    [InlineData("b3-ttrp-ecdsa-p256-sha256", "test-key-ecc-p256.pub.pem", "")]
    [InlineData("b4-transform-ed25519", "test-key-ed25519.pub.pem", "")]
    [InlineData("s3.1-sig1-rsa-pss-sha512", "test-key-rsa-pss.pub.pem", "--alg rsa-pss-sha512")]
    [InlineData("s4.3-proxy_sig-rsa-v1_5-sha256", "test-key-rsa.pub.pem", "--label proxy_sig")] // names its alg itself
    public async Task Verify_SignedVectorMessage_Valid(string id, string keyFile, string options)
    {
        string[] extra = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var (exit, stdout, stderr) = await Sig(["verify", "--no-time-check", "--key", Key(keyFile), .. extra, Case(id, "message.http")]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(ReadVector(Case(id, "base.txt")) + "\nvalid\n", stdout);
    }

    [VectorFact]
    public async Task Verify_ResponseWithRequest_Valid()
    {
        var id = "s2.4-reqres-ecdsa-p256-sha256";

        var (exit, stdout, stderr) = await Sig("verify", "--no-time-check", "--key", Key("test-key-ecc-p256.pub.pem"), "--request", Case(id, "request.http"), Case(id, "message.http"));

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(ReadVector(Case(id, "base.txt")) + "\nvalid\n", stdout);
    }

    [VectorFact]
    public async Task Verify_ResponseWithoutRequest_ExitsOneMissingComponent()
    {
        var id = "s2.4-reqres-ecdsa-p256-sha256";

        var (exit, stdout, _) = await Sig("verify", "--no-time-check", "--key", Key("test-key-ecc-p256.pub.pem"), Case(id, "message.http"));

        Assert.Equal(1, exit);
        Assert.Equal("MissingComponent: Component \"@authority\";req needs the related request, which is not available.", LastLine(stdout));
    }

    [VectorFact]
    public async Task Verify_TamperedCoveredHeader_ExitsOneBadSignature()
    {
        var tampered = Write("tampered.http", File.ReadAllText(SignedVector("b2.6-ed25519"), Encoding.Latin1).Replace("02:07:55", "02:07:56", StringComparison.Ordinal));

        var (exit, stdout, _) = await Sig("verify", "--no-time-check", "--key", Key("test-key-ed25519.pub.pem"), tampered);

        Assert.Equal(1, exit);
        Assert.Contains("\"date\": Tue, 20 Apr 2021 02:07:56 GMT\n", stdout, StringComparison.Ordinal);
        Assert.Equal(
            "BadSignature: Signature 'sig-b26' does not verify with key 'test-key-ed25519' (Ed25519) over the reconstructed signature base.",
            LastLine(stdout));
    }

    [VectorFact]
    public async Task Verify_TamperedBody_ExitsOneDigestMismatch()
    {
        var message = Write("post.http", "POST /ocm/shares HTTP/1.1\nHost: receiver.example\n\n{\"name\":\"a.txt\"}");
        var signed = await Sig("sign", "--key", Key("test-key-ed25519.jwk.json"), message);
        var tampered = Write("tampered.http", signed.StdOut.Replace("a.txt", "b.txt", StringComparison.Ordinal));

        var (exit, stdout, _) = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), tampered);

        Assert.Equal(1, exit);
        Assert.StartsWith("DigestMismatch: Content-Digest sha-256 does not match the body (expected :", LastLine(stdout), StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Verify_WrongKey_ExitsOneBadSignature()
    {
        using var other = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "test-key-ed25519");
        var otherKey = Write("other.jwk", other.ExportPublicJwk().ToJson());

        var (exit, stdout, _) = await Sig("verify", "--no-time-check", "--key", otherKey, SignedVector("b2.6-ed25519"));

        Assert.Equal(1, exit);
        Assert.StartsWith(ReadVector(Case("b2.6-ed25519", "base.txt")), stdout, StringComparison.Ordinal);
        Assert.StartsWith("BadSignature: Signature 'sig-b26' does not verify with key 'test-key-ed25519'", LastLine(stdout), StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Verify_StaleCreated_ExitsOneCreatedTooOldUnlessTimeCheckOff()
    {
        var message = Write("post.http", "POST /ocm/shares HTTP/1.1\nHost: receiver.example\n\n{}");
        var created = Now() - 1000;
        var signed = await Sig("sign", "--key", Key("test-key-ed25519.jwk.json"), "--created", created.ToString(CultureInfo.InvariantCulture), message);
        var path = Write("signed.http", signed.StdOut);

        var (exit, stdout, _) = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), path);
        var (lenientExit, lenientStdout, _) = await Sig("verify", "--no-time-check", "--key", Key("test-key-ed25519.pub.pem"), path);

        Assert.Equal(1, exit);
        Assert.Matches(@"^CreatedTooOld: Signature 'ocm' is 10\d\d s old \(created=\d+, now=\d+, max age 300 s\)\.$", LastLine(stdout));
        Assert.Equal(0, lenientExit);
        Assert.Equal("valid", LastLine(lenientStdout));
    }

    [VectorFact]
    public async Task Verify_VectorWithoutTimeCheckOption_ExitsOneCreatedTooOld()
    {
        var (exit, stdout, _) = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), SignedVector("b2.6-ed25519"));

        Assert.Equal(1, exit);
        Assert.StartsWith("CreatedTooOld: Signature 'sig-b26' is ", LastLine(stdout), StringComparison.Ordinal);
        Assert.Contains($"created={VectorCreated}", LastLine(stdout), StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Verify_JwkSetWithSeveralKeys_PicksKeyBySignatureKeyId()
    {
        using var decoy = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "decoy");
        var target = File.ReadAllText(Key("test-key-ed25519.jwk.json")).Replace("\"kty\": \"OKP\"", "\"kty\": \"OKP\", \"alg\": \"Ed25519\"", StringComparison.Ordinal);
        var jwks = Write("jwks.json", "{\"keys\":[" + decoy.ExportPublicJwk().ToJson() + "," + target + "]}");

        var (exit, stdout, stderr) = await Sig("verify", "--no-time-check", "--key", jwks, SignedVector("b2.6-ed25519"));

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("valid", LastLine(stdout));
    }

    [VectorFact]
    public async Task Verify_MessageFromStandardInput_Valid()
    {
        var message = File.ReadAllText(SignedVector("b2.6-ed25519"), Encoding.Latin1);

        var (exit, stdout, stderr) = await OcmProcess.RunAsync(["sig", "verify", "--no-time-check", "--key", Key("test-key-ed25519.pub.pem"), "-"], stdin: message);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("valid", LastLine(stdout));
    }

    [VectorFact]
    public async Task Verify_MissingLabel_ExitsTwoListingLabels()
    {
        var (exit, stdout, stderr) = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), "--label", "ocm", SignedVector("b2.6-ed25519"));

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal("error: MESSAGE has no signature labelled 'ocm' (labels: sig-b26).\n", stderr);
    }

    [VectorFact]
    public async Task Verify_UnreadableKeyFile_ExitsTwo()
    {
        var missing = Path.Combine(_dir, "missing.pem");

        var (exit, _, stderr) = await Sig("verify", "--key", missing, SignedVector("b2.6-ed25519"));

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: cannot read key file '{missing}':", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Verify_NotAMessage_ExitsTwo()
    {
        var (exit, _, stderr) = await Sig("verify", "--key", Key("test-key-ed25519.pub.pem"), Key("test-key-ed25519.pub.pem"));

        Assert.Equal(2, exit);
        Assert.Contains("is not an HTTP/1.1 message: Malformed request line '-----BEGIN PUBLIC KEY-----'", stderr, StringComparison.Ordinal);
    }

    [VectorFact]
    public async Task Verify_WithoutKeyOption_ExitsTwo()
    {
        var (exit, _, stderr) = await Sig("verify", SignedVector("b2.6-ed25519"));

        Assert.Equal(2, exit);
        Assert.Equal("error: --key FILE is required.\n", stderr);
    }

    [VectorTheory]
    [InlineData("default")]
    [InlineData("basic")]
    [InlineData("all-headers")]
    [InlineData("all-headers-created-expires-COMPUTED")]
    public async Task Verify_CavageAppendixCVector_Valid(string id)
    {
        var message = Write(id + ".http", WithHeaders(ReadVector(Cavage("request.http")), ReadVector(Cavage(id, "signature-header.txt")).Trim()));

        var (exit, stdout, stderr) = await Sig("verify", "--cavage", "--no-time-check", "--key", Cavage("keys", "Test.pub.pem"), message);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(ReadVector(Cavage(id, "signing-string.txt")).TrimEnd('\n') + "\nvalid\n", stdout);
    }

    [VectorFact]
    public async Task Verify_CavageNextcloudStyleRequest_ValidOnlyWithoutTimeCheck()
    {
        var request = Cavage("nextcloud-style-COMPUTED", "request.http");

        var strict = await Sig("verify", "--cavage", "--key", Cavage("keys", "Test.pub.pem"), request);
        var (exit, stdout, stderr) = await Sig("verify", "--cavage", "--no-time-check", "--key", Cavage("keys", "Test.pub.pem"), request);

        Assert.Equal(1, strict.ExitCode);
        Assert.StartsWith("DateOutOfRange: Date 'Mon, 08 Jul 2024 14:16:20 GMT' is ", LastLine(strict.StdOut), StringComparison.Ordinal);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("valid", LastLine(stdout));
    }

    [VectorFact]
    public async Task Verify_CavageTamperedBody_ExitsOneDigestMismatch()
    {
        var request = ReadVector(Cavage("nextcloud-style-COMPUTED", "request.http")).Replace("spec.yaml", "spec.yamm", StringComparison.Ordinal);

        var (exit, stdout, _) = await Sig("verify", "--cavage", "--no-time-check", "--key", Cavage("keys", "Test.pub.pem"), Write("tampered.http", request));

        Assert.Equal(1, exit);
        Assert.Equal("DigestMismatch: Digest SHA-256 does not match the body.", LastLine(stdout));
    }

    // ---- help ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Help_SigCommand_ListsSignVerifyBase()
    {
        var (exit, stdout, _) = await Sig("--help");
        var (verifyExit, verifyHelp, _) = await Sig("verify", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("sign <MESSAGE>", stdout, StringComparison.Ordinal);
        Assert.Contains("verify <MESSAGE>", stdout, StringComparison.Ordinal);
        Assert.Contains("base <MESSAGE>", stdout, StringComparison.Ordinal);
        Assert.Equal(0, verifyExit);
        Assert.Contains("--no-time-check", verifyHelp, StringComparison.Ordinal);
        Assert.Contains("--request <FILE>", verifyHelp, StringComparison.Ordinal);
    }
}
