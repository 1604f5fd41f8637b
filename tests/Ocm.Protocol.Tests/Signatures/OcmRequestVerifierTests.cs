using System.Text;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

public sealed class OcmRequestVerifierTests : IDisposable
{
    private const long Now = 1_790_000_000;
    private const string KeyId = "files.example.net#k1";
    private static readonly Uri SharesUri = new("https://recv.example.com/ocm/shares");

    private readonly FixedTimeProvider _clock = new(Now);
    private readonly SigningKey _key = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, KeyId);
    private readonly TestKeyResolver _resolver = new();

    public OcmRequestVerifierTests()
    {
        _resolver.Add("files.example.net", _key.GetVerificationKey());
    }

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task VerifyAsync_FreshlySignedShare_IsVerified()
    {
        var request = SignedShare();

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(KeyId, result.KeyId);
        Assert.Equal(HttpSignatureAlgorithm.Ed25519, result.Algorithm);
        Assert.Equal(Now, result.Created);
        Assert.Matches(
            "^ocm=\\(\"@method\" \"@target-uri\" \"content-digest\" \"content-length\"\\);created=1790000000;keyid=\"files\\.example\\.net#k1\";alg=\"ed25519\";tag=\"ocm\";nonce=\"[A-Za-z0-9_-]{22}\"$",
            request.Headers.GetCombinedValue("Signature-Input"));
    }

    [Fact]
    public async Task VerifyAsync_TwoIdenticalRequestsInTheSameSecond_AreBothAccepted_ButAReplayIsNot()
    {
        // The clock does not move: without the signer's nonce both would carry the same Ed25519 signature.
        var verifier = Verifier();
        var first = SignedShare();
        var second = SignedShare();

        Assert.True((await verifier.VerifyAsync(first, "files.example.net")).IsVerified);
        Assert.True((await verifier.VerifyAsync(second, "files.example.net")).IsVerified);
        var replay = await verifier.VerifyAsync(second, "files.example.net");
        Assert.Equal(SignatureFailure.Replay, replay.Failure);
    }

    [Fact]
    public async Task VerifyAsync_SpecExampleBody_BuildsTheBaseOfOcmSection92()
    {
        var request = HttpMessage.CreateRequest("POST", new Uri("https://recv.example.com/ocm/notifications"));
        request.Body = "{\"hello\":\"world\"}"u8.ToArray();
        new OcmRequestSigner(_key, new OcmSignerOptions { Label = "sig1", IncludeNonce = false }, _clock).Sign(request);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(
            "\"@method\": POST\n\"@target-uri\": https://recv.example.com/ocm/notifications\n" +
            "\"content-digest\": sha-256=:k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=:\n\"content-length\": 17\n" +
            "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\" \"content-length\");created=1790000000;keyid=\"files.example.net#k1\";alg=\"ed25519\";tag=\"ocm\"",
            result.Base!.Text);
    }

    [Fact]
    public async Task VerifyAsync_GetWithoutBody_CoversOnlyMethodAndTargetUri()
    {
        var request = HttpMessage.CreateRequest("GET", new Uri("https://recv.example.com/ocm/shares/42?x=1"));
        new OcmRequestSigner(_key, timeProvider: _clock).Sign(request);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal([ComponentIdentifier.Method, ComponentIdentifier.TargetUri], result.Signature!.Components);
        Assert.False(request.Headers.Contains("Content-Digest"));
    }

    [Fact]
    public async Task VerifyAsync_BodyTamperedAndDigestRecomputed_IsBadSignature()
    {
        var request = SignedShare();
        request.Body = Encoding.UTF8.GetBytes(ShareJson.Replace("read", "write", StringComparison.Ordinal));
        request.Headers.Set("Content-Digest", ContentDigest.Create(request.Body.Value.Span));
        request.Headers.Set("Content-Length", request.Body.Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(OcmVerificationStatus.Rejected, result.Status);
        Assert.Equal(SignatureFailure.BadSignature, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_BodyTampered_IsDigestMismatch()
    {
        var request = SignedShare();
        request.Body = Encoding.UTF8.GetBytes(ShareJson.Replace("read", "READ", StringComparison.Ordinal));

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.DigestMismatch, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_WrongDigestAlongsideRightOne_IsDigestMismatch()
    {
        var request = SignedShare();
        var sha512OfOtherBody = ContentDigest.Create("other"u8, DigestAlgorithm.Sha512);
        request.Headers.Set("Content-Digest", request.Headers.GetCombinedValue("Content-Digest") + ", " + sha512OfOtherBody);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.DigestMismatch, result.Failure);
        Assert.Contains("sha-512", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ContentLengthDiffersFromBody_IsContentLengthMismatch()
    {
        var request = SignedShare();
        request.Headers.Set("Content-Length", "1");

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.ContentLengthMismatch, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_CreatedOlderThanMaxAge_IsCreatedTooOld()
    {
        var request = SignedShare();
        _clock.Now = DateTimeOffset.FromUnixTimeSeconds(Now + 301);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.CreatedTooOld, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_CreatedWithinWindow_IsVerified()
    {
        var request = SignedShare();
        _clock.Now = DateTimeOffset.FromUnixTimeSeconds(Now + 300);

        Assert.True((await Verifier().VerifyAsync(request, "files.example.net")).IsVerified);
    }

    [Fact]
    public async Task VerifyAsync_CreatedBeyondFutureSkew_IsCreatedInFuture()
    {
        var request = SignedShare();
        _clock.Now = DateTimeOffset.FromUnixTimeSeconds(Now - 61);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.CreatedInFuture, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_KeyIdNotInSignersKeySet_IsUnknownKey()
    {
        using var other = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "files.example.net#k2");
        var request = Share();
        new OcmRequestSigner(other, timeProvider: _clock).Sign(request);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.UnknownKey, result.Failure);
        Assert.Contains("files.example.net#k2", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_TwoOcmTaggedSignatures_IsMultipleOcmSignatures()
    {
        var request = SignedShare();
        new OcmRequestSigner(_key, new OcmSignerOptions { Label = "second" }, _clock).Sign(request);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.MultipleOcmSignatures, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_OtherSignatureBesideOcmOne_VerifiesTheOcmOne()
    {
        var request = SignedShare();
        using var proxyKey = SigningKey.Generate(HttpSignatureAlgorithm.EcdsaP256Sha256, "proxy");
        HttpMessageSigner.Sign(request, "proxy", [ComponentIdentifier.Method], new SignatureParameters { Created = Now, KeyId = "proxy" }, proxyKey);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal("ocm", result.Signature!.Label);
    }

    [Fact]
    public async Task VerifyAsync_HmacAlgParameter_IsSymmetricAlgorithmRefused()
    {
        using var secret = SigningKey.FromSharedSecret(new byte[32], KeyId);
        var request = Share();
        request.Headers.Set("Content-Digest", ContentDigest.Create(request.Body!.Value.Span));
        request.Headers.Set("Content-Length", request.Body.Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        HttpMessageSigner.Sign(
            request,
            "ocm",
            [ComponentIdentifier.Method, ComponentIdentifier.TargetUri, ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength],
            new SignatureParameters { Created = Now, KeyId = KeyId, Algorithm = "hmac-sha256", Tag = "ocm" },
            secret);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.SymmetricAlgorithmRefused, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_ResolverReturnsSharedSecret_IsSymmetricAlgorithmRefused()
    {
        using var secret = SigningKey.FromSharedSecret(new byte[32], "hmac#1");
        _resolver.Add("files.example.net", secret.GetVerificationKey());
        var request = Share();
        request.Headers.Set("Content-Digest", ContentDigest.Create(request.Body!.Value.Span));
        request.Headers.Set("Content-Length", request.Body.Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        HttpMessageSigner.Sign(
            request,
            "ocm",
            [ComponentIdentifier.Method, ComponentIdentifier.TargetUri, ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength],
            new SignatureParameters { Created = Now, KeyId = "hmac#1", Tag = "ocm" },
            secret);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.SymmetricAlgorithmRefused, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_SameRequestTwice_IsReplay()
    {
        var verifier = Verifier();
        var request = SignedShare();

        var first = await verifier.VerifyAsync(request, "files.example.net");
        var second = await verifier.VerifyAsync(request, "files.example.net");

        Assert.True(first.IsVerified, first.ToString());
        Assert.Equal(SignatureFailure.Replay, second.Failure);
    }

    [Fact]
    public async Task VerifyAsync_AlgParameterDisagreesWithJwk_IsAlgorithmMismatch()
    {
        using var es256 = SigningKey.Generate(HttpSignatureAlgorithm.EcdsaP256Sha256, "files.example.net#ec");
        _resolver.Add("files.example.net", es256.GetVerificationKey());
        var request = Share();
        request.Headers.Set("Content-Digest", ContentDigest.Create(request.Body!.Value.Span));
        request.Headers.Set("Content-Length", request.Body.Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        HttpMessageSigner.Sign(
            request,
            "ocm",
            [ComponentIdentifier.Method, ComponentIdentifier.TargetUri, ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength],
            new SignatureParameters { Created = Now, KeyId = "files.example.net#ec", Algorithm = "ed25519", Tag = "ocm" },
            es256);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.AlgorithmMismatch, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_SignatureNotCoveringContentDigest_IsRequiredComponentNotCovered()
    {
        var request = Share();
        request.Headers.Set("Content-Length", request.Body!.Value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        HttpMessageSigner.Sign(
            request,
            "ocm",
            [ComponentIdentifier.Method, ComponentIdentifier.TargetUri, ComponentIdentifier.ContentLength],
            new SignatureParameters { Created = Now, KeyId = KeyId, Tag = "ocm" },
            _key);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.RequiredComponentNotCovered, result.Failure);
        Assert.Contains("content-digest", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_SignatureWithoutTargetUri_IsRequiredComponentNotCovered()
    {
        var request = HttpMessage.CreateRequest("GET", SharesUri);
        HttpMessageSigner.Sign(request, "ocm", [ComponentIdentifier.Method], new SignatureParameters { Created = Now, KeyId = KeyId, Tag = "ocm" }, _key);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.RequiredComponentNotCovered, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_NoCreated_IsMissingParameter()
    {
        var request = HttpMessage.CreateRequest("GET", SharesUri);
        HttpMessageSigner.Sign(request, "ocm", [ComponentIdentifier.Method, ComponentIdentifier.TargetUri], new SignatureParameters { KeyId = KeyId, Tag = "ocm" }, _key);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.MissingParameter, result.Failure);
    }

    [Theory]
    [InlineData("ocm=(\"@method\";created=1", "ocm=:AAAA:")]
    [InlineData("ocm=(\"@method\");created=\"yesterday\";keyid=\"k\";tag=\"ocm\"", "ocm=:AAAA:")]
    [InlineData("ocm=(\"@method\");created=1;keyid=\"k\";tag=\"ocm\"", "ocm=\"not bytes\"")]
    public async Task VerifyAsync_MalformedSignatureHeaders_IsMalformedHeader(string input, string signature)
    {
        var request = HttpMessage.CreateRequest("GET", SharesUri);
        request.Headers.Add("Signature-Input", input);
        request.Headers.Add("Signature", signature);

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(OcmVerificationStatus.Rejected, result.Status);
        Assert.Equal(SignatureFailure.MalformedHeader, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_SignatureInputWithoutSignatureMember_IsSignatureNotFound()
    {
        var request = SignedShare();
        request.Headers.Set("Signature", "other=:AAAA:");

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.SignatureNotFound, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_UnsignedRequest_IsNotSigned()
    {
        var result = await Verifier().VerifyAsync(Share(), "files.example.net");

        Assert.Equal(OcmVerificationStatus.NotSigned, result.Status);
        Assert.Equal(SignatureFailure.NotSigned, result.Failure);
    }

    [Fact]
    public async Task VerifyAsync_ResolverThrows_IsKeyResolutionFailed()
    {
        var verifier = new OcmRequestVerifier(new ThrowingResolver(), timeProvider: _clock);

        var result = await verifier.VerifyAsync(SignedShare(), "files.example.net");

        Assert.Equal(SignatureFailure.KeyResolutionFailed, result.Failure);
        Assert.Contains("connection refused", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_NoSignerHostGiven_UsesHostOfKeyId()
    {
        var result = await Verifier().VerifyAsync(SignedShare(), signerHost: null);

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal("files.example.net", result.SignerHost);
    }

    [Fact]
    public async Task VerifyAsync_TargetUriRewrittenByProxy_IsBadSignature()
    {
        var request = SignedShare();
        request.Authority = "internal-backend:8080";
        request.Scheme = "http";

        var result = await Verifier().VerifyAsync(request, "files.example.net");

        Assert.Equal(SignatureFailure.BadSignature, result.Failure);
        Assert.Contains("http://internal-backend:8080/ocm/shares", result.Base!.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpSignatureAlgorithm.Ed25519, "ed25519")]
    [InlineData(HttpSignatureAlgorithm.EcdsaP256Sha256, "ecdsa-p256-sha256")]
    [InlineData(HttpSignatureAlgorithm.EcdsaP384Sha384, "ecdsa-p384-sha384")]
    [InlineData(HttpSignatureAlgorithm.RsaPssSha512, "rsa-pss-sha512")]
    [InlineData(HttpSignatureAlgorithm.RsaV15Sha256, "rsa-v1_5-sha256")]
    [InlineData(HttpSignatureAlgorithm.RsaPssSha256, null)]
    [InlineData(HttpSignatureAlgorithm.RsaV15Sha512, null)]
    public async Task VerifyAsync_EveryAsymmetricAlgorithm_RoundTripsThroughJwk(HttpSignatureAlgorithm algorithm, string? algParameter)
    {
        using var key = SigningKey.Generate(algorithm, "peer.example.org#" + algorithm);
        var published = JsonWebKeySet.Parse("{\"keys\":[" + key.ExportPublicJwk().ToJson() + "]}");
        var resolver = new TestKeyResolver();
        resolver.Add("peer.example.org", published.Keys[0].ToVerificationKey());
        var request = Share();
        new OcmRequestSigner(key, timeProvider: _clock).Sign(request);

        var result = await new OcmRequestVerifier(resolver, timeProvider: _clock).VerifyAsync(request, "peer.example.org");

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(algParameter, result.Signature!.Parameters.Algorithm);
    }

    [Fact]
    public async Task SignAsync_HttpRequestMessage_SendsVerifiableHeaders()
    {
        using var content = new StringContent(ShareJson, Encoding.UTF8, "application/json");
        using var outgoing = new HttpRequestMessage(HttpMethod.Post, SharesUri) { Content = content };
        await new OcmRequestSigner(_key, timeProvider: _clock).SignAsync(outgoing);

        var received = await HttpMessageAdapters.FromRequestAsync(outgoing);
        var result = await Verifier().VerifyAsync(received, "files.example.net");

        Assert.True(result.IsVerified, result.ToString());
        Assert.True(outgoing.Headers.Contains("Signature-Input"));
        Assert.Equal(Encoding.UTF8.GetByteCount(ShareJson), outgoing.Content!.Headers.ContentLength);
    }

    [Fact]
    public void Constructor_SymmetricKey_Throws()
    {
        using var secret = SigningKey.FromSharedSecret(new byte[32], "k");

        Assert.Throws<ArgumentException>(() => new OcmRequestSigner(secret));
    }

    [Theory]
    [InlineData("https://sender.example/ocm#key-1", "sender.example")]
    [InlineData("https://sender.example:8443/ocm#signature", "sender.example:8443")]
    [InlineData("files.example.net#k1", "files.example.net")]
    [InlineData("localhost:8080#k1", "localhost:8080")]
    [InlineData("opaque-key", null)]
    [InlineData("user@host#k", null)]
    public void TryGetKeyIdHost_KeyIdForms_FindsHost(string keyId, string? expected)
    {
        var found = OcmSignatureProfile.TryGetKeyIdHost(keyId, out var host);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected ?? string.Empty, host);
    }

    internal const string ShareJson = "{\"shareWith\":\"bob@recv.example.com\",\"name\":\"spec.yaml\",\"providerId\":\"7c084226\",\"owner\":\"alice@files.example.net\",\"sender\":\"alice@files.example.net\",\"shareType\":\"user\",\"resourceType\":\"file\",\"protocol\":{\"name\":\"webdav\",\"webdav\":{\"sharedSecret\":\"hfiuhworzwnur98d3wjiwhr\",\"permissions\":[\"read\"]}}}";

    private OcmRequestVerifier Verifier() => new(_resolver, timeProvider: _clock);

    private static HttpMessage Share()
    {
        var request = HttpMessage.CreateRequest("POST", SharesUri);
        request.Headers.Add("Content-Type", "application/json");
        request.Body = Encoding.UTF8.GetBytes(ShareJson);
        return request;
    }

    private HttpMessage SignedShare()
    {
        var request = Share();
        new OcmRequestSigner(_key, timeProvider: _clock).Sign(request);
        return request;
    }

    private sealed class ThrowingResolver : IOcmKeyResolver
    {
        public ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken) =>
            throw new HttpRequestException("connection refused");
    }
}

/// <summary>An in-memory key resolver: host → keys by kid.</summary>
internal sealed class TestKeyResolver : IOcmKeyResolver
{
    private readonly Dictionary<(string Host, string Kid), VerificationKey> _keys = [];

    public void Add(string host, VerificationKey key) => _keys[(host, key.KeyId!)] = key;

    public ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(signerHost is not null && _keys.TryGetValue((signerHost, keyId), out var key) ? key : null);
}
