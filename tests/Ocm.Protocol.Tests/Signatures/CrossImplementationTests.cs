using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>
/// Our signatures verified by independent npm implementations and theirs verified by ours, with freshly generated
/// keys (see tests/interop/README.md). Real clock: the peers check created/Date against their own clock.
/// </summary>
[Collection(nameof(CrossImplementationTests))]
public sealed class CrossImplementationTests
{
    private static readonly SignatureBaseOptions BaseOptions = SignatureBaseOptions.Default
        .WithStructuredFieldTypes([new("x-dict", StructuredFieldType.Dictionary)]);

    // One Date for all messages of a run, so that a message rebuilt for verification equals the one that was signed.
    private static readonly string TestDate = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);

    private static readonly string[] BroadComponents =
    [
        "@method", "@target-uri", "@authority", "@scheme", "@path", "@query", "\"@query-param\";name=\"pet\"",
        "content-digest", "content-length", "content-type", "date", "\"x-multi\";bs", "x-multi", "\"x-dict\";key=\"b\"",
    ];

    public static TheoryData<HttpSignatureAlgorithm> AsymmetricAlgorithms() =>
    [
        HttpSignatureAlgorithm.Ed25519,
        HttpSignatureAlgorithm.EcdsaP256Sha256,
        HttpSignatureAlgorithm.EcdsaP384Sha384,
        HttpSignatureAlgorithm.RsaPssSha512,
        HttpSignatureAlgorithm.RsaV15Sha256,
    ];

    [VectorTheory]
    [MemberData(nameof(AsymmetricAlgorithms))]
    public async Task OurRfc9421Signature_FreshKey_IsVerifiedByHttpMessageSignatures(HttpSignatureAlgorithm algorithm)
    {
        using var key = SigningKey.Generate(algorithm, "ours-" + algorithm);
        using var publicKey = key.GetVerificationKey();
        var general = Request();
        HttpMessageSigner.Sign(
            general,
            "sig1",
            BroadComponents.Select(ComponentIdentifier.Parse),
            new SignatureParameters { Created = Now(), KeyId = key.KeyId, Algorithm = algorithm.GetRfc9421Name(), Nonce = "n-0123" },
            key,
            BaseOptions);
        var ocm = Request();
        new OcmRequestSigner(key).Sign(ocm);
        var tampered = Request();
        new OcmRequestSigner(key).Sign(tampered);
        tampered.Headers.Set("Content-Length", "1");

        var results = await NodePeer.RunAsync([Verify9421(general, algorithm, publicKey), Verify9421(ocm, algorithm, publicKey), Verify9421(tampered, algorithm, publicKey)]);

        Assert.True(results[0]["verified"]!.GetValue<bool>(), $"general: {results[0].ToJsonString()}");
        Assert.True(results[1]["verified"]!.GetValue<bool>(), $"ocm: {results[1].ToJsonString()}");
        Assert.False(results[2]["verified"]!.GetValue<bool>(), "a tampered message must not verify");
    }

    [VectorTheory]
    [MemberData(nameof(AsymmetricAlgorithms))]
    public async Task TheirRfc9421Signature_FreshKey_IsVerifiedByOurOcmVerifier(HttpSignatureAlgorithm algorithm)
    {
        using var key = SigningKey.Generate(algorithm, "https://peer.example/ocm#" + algorithm);
        var request = Request();
        var digest = await NodePeer.RunAsync(new JsonObject { ["op"] = "digest", ["bodyB64"] = Convert.ToBase64String(request.Body!.Value.Span) });
        request.Headers.Set("Content-Digest", digest["contentDigestSha256"]!.GetValue<string>());

        var signed = await NodePeer.RunAsync([
            Sign9421(request, algorithm, key, "ocm", ["@method", "@target-uri", "content-digest", "content-length"], ["created", "keyid", "alg", "tag"], new JsonObject { ["created"] = Now(), ["tag"] = "ocm" }),
            Sign9421(request, algorithm, key, "sig1", BroadComponents, ["created", "keyid", "alg"], new JsonObject { ["created"] = Now() }),
        ]);

        var ocm = WithSignature(Request(), signed[0], digest);
        var resolver = new TestKeyResolver();
        resolver.Add("peer.example", key.GetVerificationKey());
        var ocmResult = await new OcmRequestVerifier(resolver).VerifyAsync(ocm, "peer.example");
        Assert.True(ocmResult.IsVerified, $"{ocmResult} — {signed[0].ToJsonString()}");

        var general = WithSignature(Request(), signed[1], digest);
        using var publicKey = key.GetVerificationKey();
        var generalResult = new HttpMessageVerifier(new HttpMessageVerifierOptions { BaseOptions = BaseOptions }).Verify(general, "sig1", publicKey);
        Assert.True(generalResult.IsValid, $"{generalResult} — {signed[1].ToJsonString()}");

        var tampered = WithSignature(Request(), signed[0], digest);
        tampered.Method = "PUT";
        var tamperedResult = await new OcmRequestVerifier(resolver).VerifyAsync(tampered, "peer.example");
        Assert.Equal(SignatureFailure.BadSignature, tamperedResult.Failure);
    }

    [VectorTheory]
    [InlineData(HttpSignatureAlgorithm.Ed25519)]
    [InlineData(HttpSignatureAlgorithm.EcdsaP256Sha256)]
    public async Task ResponseBoundToRequest_BothDirections_Verifies(HttpSignatureAlgorithm algorithm)
    {
        using var key = SigningKey.Generate(algorithm, "resp");
        using var publicKey = key.GetVerificationKey();
        string[] fields = ["@status", "content-type", "\"@method\";req", "\"@target-uri\";req", "\"content-digest\";req"];
        var request = Request();
        request.Headers.Add("Content-Digest", ContentDigest.Create(request.Body!.Value.Span));
        var ours = Response(request);
        HttpMessageSigner.Sign(ours, "res", fields.Select(ComponentIdentifier.Parse), new SignatureParameters { Created = Now(), KeyId = "resp" }, key);

        var verifyJob = Verify9421(ours, algorithm, publicKey);
        verifyJob["request"] = NodePeer.ToJson(request);
        var signJob = new JsonObject
        {
            ["op"] = "sign9421",
            ["message"] = NodePeer.ToJson(Response(request)),
            ["request"] = NodePeer.ToJson(request),
            ["alg"] = algorithm.GetRfc9421Name(),
            ["privateKeyPem"] = key.ExportPrivateKeyPem(),
            ["keyid"] = "resp",
            ["label"] = "res",
            ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]),
            ["params"] = new JsonArray("created", "keyid"),
            ["paramValues"] = new JsonObject { ["created"] = Now() },
        };
        var results = await NodePeer.RunAsync([verifyJob, signJob]);

        Assert.True(results[0]["verified"]!.GetValue<bool>(), results[0].ToJsonString());
        var theirs = Response(request);
        theirs.Headers.Add("Signature-Input", results[1]["signatureInput"]!.GetValue<string>());
        theirs.Headers.Add("Signature", results[1]["signature"]!.GetValue<string>());
        var result = new HttpMessageVerifier().Verify(theirs, "res", publicKey);
        Assert.True(result.IsValid, result.ToString());
    }

    [VectorTheory]
    [InlineData(CavageAlgorithms.RsaSha256, false)]
    [InlineData(CavageAlgorithms.RsaSha512, false)]
    [InlineData(CavageAlgorithms.RsaSha256, true)]
    [InlineData(CavageAlgorithms.RsaSha512, true)]
    public async Task OurCavageSignature_FreshRsaKey_IsVerifiedByJoyentHttpSignature(string algorithm, bool authorizationHeader)
    {
        using var key = RsaKey();
        var request = Request();
        var options = new CavageSignerOptions { Algorithm = algorithm, UseAuthorizationHeader = authorizationHeader, DigestAlgorithm = DigestAlgorithm.Sha512 };
        new CavageSigner(key, "https://ours.example/ocm#signature", options).Sign(request);
        var tampered = Request();
        new CavageSigner(key, "https://ours.example/ocm#signature", options).Sign(tampered);
        tampered.Headers.Set("Content-Length", "2");

        var results = await NodePeer.RunAsync([VerifyCavageJoyent(request, key), VerifyCavageJoyent(tampered, key)]);

        Assert.True(results[0]["verified"]!.GetValue<bool>(), results[0].ToJsonString());
        Assert.Equal(algorithm, results[0]["algorithm"]!.GetValue<string>().ToLowerInvariant());
        Assert.False(results[1]["verified"]!.GetValue<bool>());
    }

    [VectorTheory]
    [InlineData(CavageAlgorithms.RsaSha256, "Signature")]
    [InlineData(CavageAlgorithms.RsaSha512, "Signature")]
    [InlineData(CavageAlgorithms.RsaSha512, "Authorization")]
    public async Task JoyentCavageSignature_NextcloudHeaderOrder_IsVerifiedByOurs(string algorithm, string headerName)
    {
        using var key = RsaKey();
        var request = Request();
        var digest = await NodePeer.RunAsync(new JsonObject { ["op"] = "digest", ["bodyB64"] = Convert.ToBase64String(request.Body!.Value.Span) });
        var headers = new JsonObject
        {
            ["host"] = request.Authority,
            ["content-type"] = "application/json",
            ["content-length"] = request.Body.Value.Length.ToString(CultureInfo.InvariantCulture),
            ["digest"] = digest[algorithm == CavageAlgorithms.RsaSha512 ? "legacySha512" : "legacySha256"]!.GetValue<string>(),
        };
        var signed = await NodePeer.RunAsync(new JsonObject
        {
            ["op"] = "signCavageJoyent",
            ["method"] = "POST",
            ["path"] = request.Path + request.Query,
            ["headers"] = headers,
            ["privateKeyPem"] = key.ExportPrivateKeyPem(),
            ["keyId"] = "https://peer.example/ocm#signature",
            ["algorithm"] = algorithm,
            ["signedHeaders"] = new JsonArray("(request-target)", "content-length", "date", "digest", "host"),
            ["headerName"] = headerName,
        });

        var theirs = Request();
        foreach (var (name, value) in signed["headers"]!.AsObject())
        {
            theirs.Headers.Set(name, value!.GetValue<string>());
        }

        var result = new CavageVerifier().Verify(theirs, key.GetVerificationKey());

        Assert.True(result.IsValid, $"{result} — {signed.ToJsonString()}");
        Assert.Equal(algorithm == CavageAlgorithms.RsaSha512 ? HttpSignatureAlgorithm.RsaV15Sha512 : HttpSignatureAlgorithm.RsaV15Sha256, result.Algorithm);
        Assert.Equal(headerName == "Authorization", result.Signature!.InAuthorizationHeader);
    }

    [VectorFact]
    public async Task CavageHs2019_BothDirections_VerifiesWithRsaPss()
    {
        using var key = RsaKey();
        var ours = Request();
        new CavageSigner(key, "hs-key", new CavageSignerOptions { Algorithm = CavageAlgorithms.Hs2019, Headers = ["(request-target)", "(created)", "host", "date", "digest", "content-length"] }).Sign(ours);
        var fields = new JsonArray("@request-target", "@created", "host", "date", "digest", "content-length");
        var toSign = Request();
        toSign.Headers.Add("Digest", LegacyDigest.Create(toSign.Body!.Value.Span));

        var results = await NodePeer.RunAsync([
            new JsonObject { ["op"] = "verifyCavageHs2019", ["message"] = NodePeer.ToJson(ours), ["publicKeyPem"] = key.ExportPublicKeyPem() },
            new JsonObject
            {
                ["op"] = "signCavageHs2019",
                ["message"] = NodePeer.ToJson(toSign),
                ["privateKeyPem"] = key.ExportPrivateKeyPem(),
                ["keyId"] = "hs-key",
                ["fields"] = fields,
                ["params"] = new JsonArray("keyid", "alg", "created"),
                ["paramValues"] = new JsonObject { ["created"] = Now() },
            },
        ]);

        Assert.True(results[0]["verified"]!.GetValue<bool>(), results[0].ToJsonString());
        toSign.Headers.Add("Signature", results[1]["signature"]!.GetValue<string>());
        var result = new CavageVerifier(new CavageVerifierOptions { AllowHs2019Pkcs1Fallback = false }).Verify(toSign, key.GetVerificationKey());
        Assert.True(result.IsValid, $"{result} — {results[1].ToJsonString()}");
        Assert.Equal(HttpSignatureAlgorithm.RsaPssSha512, result.Algorithm);
    }

    [VectorFact]
    public async Task SharedSigPeerSelftest_Vectors_AllPass()
    {
        var (exit, stdout, stderr) = await NodePeer.RunNodeAsync(TestPaths.Vector("tools", "sig-peer.js"), string.Empty, ["selftest", TestPaths.Vectors]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains(" passed, 0 failed", stdout, StringComparison.Ordinal);
    }

    [VectorTheory]
    [MemberData(nameof(AsymmetricAlgorithms))]
    public async Task SharedSigPeer_OurSignedFileAndItsSignature_VerifyBothWays(HttpSignatureAlgorithm algorithm)
    {
        using var key = SigningKey.Generate(algorithm, "file-key");
        var dir = Directory.CreateTempSubdirectory("ocm-sig-");
        try
        {
            var ours = Request();
            new OcmRequestSigner(key).Sign(ours);
            var signedFile = Path.Combine(dir.FullName, "signed.http");
            var unsignedFile = Path.Combine(dir.FullName, "unsigned.http");
            var publicFile = Path.Combine(dir.FullName, "pub.pem");
            var privateFile = Path.Combine(dir.FullName, "priv.pem");
            await File.WriteAllBytesAsync(signedFile, HttpMessageWriter.ToBytes(ours, "\n"));
            var unsigned = Request();
            unsigned.Headers.Add("Content-Digest", ContentDigest.Create(unsigned.Body!.Value.Span));
            await File.WriteAllBytesAsync(unsignedFile, HttpMessageWriter.ToBytes(unsigned, "\n"));
            await File.WriteAllTextAsync(publicFile, key.ExportPublicKeyPem());
            await File.WriteAllTextAsync(privateFile, key.ExportPrivateKeyPem());
            var alg = algorithm.GetRfc9421Name()!;
            var tool = TestPaths.Vector("tools", "sig-peer.js");

            var verified = await NodePeer.RunNodeAsync(tool, string.Empty, ["verify9421", signedFile, "--pub", publicFile, "--alg", alg, "--name", "ocm", "--now"]);
            var signed = await NodePeer.RunNodeAsync(tool, string.Empty, ["sign9421", unsignedFile, "--priv", privateFile, "--alg", alg, "--keyid", "file-key", "--name", "sig1", "--fields", "@method @target-uri content-digest content-length"]);

            Assert.True(verified.ExitCode == 0 && verified.Stdout.StartsWith("VERIFIED", StringComparison.Ordinal), verified.Stdout + verified.Stderr);
            Assert.True(signed.ExitCode == 0, signed.Stderr);
            var theirs = HttpMessageParser.Parse(await File.ReadAllBytesAsync(unsignedFile));
            foreach (var line in signed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                theirs.Headers.Add(line[..colon], line[(colon + 2)..]);
            }

            var result = new HttpMessageVerifier(new HttpMessageVerifierOptions { MaxAge = TimeSpan.FromMinutes(5), RequireCreated = true }).Verify(theirs, "sig1", key.GetVerificationKey());
            Assert.True(result.IsValid, $"{result}\n{signed.Stdout}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static SigningKey RsaKey() => SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, "rsa");

    private static HttpMessage Request()
    {
        var request = HttpMessage.CreateRequest("POST", new Uri("https://recv.example.com:8443/ocm/shares?pet=dog&color=blue%20green"));
        request.Headers.Add("Host", "recv.example.com:8443");
        request.Headers.Add("Date", TestDate);
        request.Headers.Add("Content-Type", "application/json");
        request.Headers.Add("X-Multi", "one, two");
        request.Headers.Add("X-Multi", "three");
        request.Headers.Add("X-Dict", "a=1, b=(x y);z, c=?0");
        request.Body = Encoding.UTF8.GetBytes(OcmRequestVerifierTests.ShareJson);
        request.Headers.Add("Content-Length", request.Body.Value.Length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Content-Digest", ContentDigest.Create(request.Body.Value.Span, DigestAlgorithm.Sha256, DigestAlgorithm.Sha512));
        return request;
    }

    private static HttpMessage Response(HttpMessage request)
    {
        var response = HttpMessage.CreateResponse(201, request);
        response.Headers.Add("Content-Type", "application/json");
        response.Body = "{\"recipientDisplayName\":\"Bob\"}"u8.ToArray();
        return response;
    }

    private static HttpMessage WithSignature(HttpMessage request, JsonNode signed, JsonNode digest)
    {
        request.Headers.Set("Content-Digest", digest["contentDigestSha256"]!.GetValue<string>());
        request.Headers.Add("Signature-Input", signed["signatureInput"]!.GetValue<string>());
        request.Headers.Add("Signature", signed["signature"]!.GetValue<string>());
        return request;
    }

    private static JsonObject Verify9421(HttpMessage message, HttpSignatureAlgorithm algorithm, VerificationKey key) => new()
    {
        ["op"] = "verify9421",
        ["message"] = NodePeer.ToJson(message),
        ["alg"] = algorithm.GetRfc9421Name(),
        ["publicKeyPem"] = key.ExportPem(),
    };

    private static JsonObject Sign9421(HttpMessage message, HttpSignatureAlgorithm algorithm, SigningKey key, string label, string[] fields, string[] parameters, JsonObject values) => new()
    {
        ["op"] = "sign9421",
        ["message"] = NodePeer.ToJson(message),
        ["alg"] = algorithm.GetRfc9421Name(),
        ["privateKeyPem"] = key.ExportPrivateKeyPem(),
        ["keyid"] = key.KeyId,
        ["label"] = label,
        ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]),
        ["params"] = new JsonArray([.. parameters.Select(p => (JsonNode)p)]),
        ["paramValues"] = values,
    };

    private static JsonObject VerifyCavageJoyent(HttpMessage request, SigningKey key)
    {
        var headers = new JsonObject();
        foreach (var field in request.Headers)
        {
            headers[field.Name.ToLowerInvariant()] = field.Value;
        }

        return new JsonObject
        {
            ["op"] = "verifyCavageJoyent",
            ["method"] = request.Method,
            ["path"] = request.Path + request.Query,
            ["headers"] = headers,
            ["publicKeyPem"] = key.ExportPublicKeyPem(),
            ["requiredHeaders"] = new JsonArray("(request-target)", "date", "digest", "host", "content-length"),
        };
    }
}

[CollectionDefinition(nameof(CrossImplementationTests), DisableParallelization = true)]
public sealed class NodePeerTestGroup;
