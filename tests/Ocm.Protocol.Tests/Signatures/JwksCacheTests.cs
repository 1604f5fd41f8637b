using System.Text;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Protocol.Tests.Signatures;

public sealed class JwksCacheTests : IDisposable
{
    private static readonly Uri JwksUri = new("https://files.example.net/.well-known/jwks.json");

    private readonly FixedTimeProvider _clock = new(1_790_000_000);
    private readonly SigningKey _k1 = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "k1");
    private readonly SigningKey _k2 = SigningKey.Generate(HttpSignatureAlgorithm.EcdsaP256Sha256, "k2");
    private byte[] _document;
    private int _fetches;

    public JwksCacheTests()
    {
        _document = Set(_k1);
    }

    public void Dispose()
    {
        _k1.Dispose();
        _k2.Dispose();
    }

    [Fact]
    public async Task GetKeyAsync_WithinTimeToLive_FetchesOnce()
    {
        var cache = Cache();

        var first = await cache.GetKeyAsync(JwksUri, "k1");
        _clock.Now += TimeSpan.FromMinutes(59);
        var second = await cache.GetKeyAsync(JwksUri, "k1");

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, _fetches);
        Assert.Equal(HttpSignatureAlgorithm.Ed25519, first.Algorithm);
    }

    [Fact]
    public async Task GetKeyAsync_AfterTimeToLive_FetchesAgain()
    {
        var cache = Cache();
        await cache.GetKeyAsync(JwksUri, "k1");

        _clock.Now += TimeSpan.FromMinutes(61);
        await cache.GetKeyAsync(JwksUri, "k1");

        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task GetKeyAsync_UnknownKid_RefetchesAtMostOncePerInterval()
    {
        var cache = Cache();
        await cache.GetKeyAsync(JwksUri, "k1");
        _clock.Now += TimeSpan.FromSeconds(31);

        Assert.Null(await cache.GetKeyAsync(JwksUri, "k2")); // triggers one re-fetch
        Assert.Null(await cache.GetKeyAsync(JwksUri, "k2")); // rate-limited: no fetch
        Assert.Null(await cache.GetKeyAsync(JwksUri, "k3"));
        Assert.Equal(2, _fetches);

        _document = Set(_k1, _k2); // the peer rotates in a new key
        _clock.Now += TimeSpan.FromSeconds(31);
        var rotated = await cache.GetKeyAsync(JwksUri, "k2");

        Assert.NotNull(rotated);
        Assert.Equal(HttpSignatureAlgorithm.EcdsaP256Sha256, rotated.Algorithm);
        Assert.Equal(3, _fetches);
    }

    [Fact]
    public async Task GetKeyAsync_ConcurrentCallers_ShareOneFetch()
    {
        var gate = new TaskCompletionSource();
        var cache = new JwksCache(
            async (uri, ct) =>
            {
                Interlocked.Increment(ref _fetches);
                await gate.Task;
                return _document;
            },
            timeProvider: _clock);

        var lookups = Enumerable.Range(0, 20).Select(_ => cache.GetKeyAsync(JwksUri, "k1").AsTask()).ToList();
        gate.SetResult();
        var keys = await Task.WhenAll(lookups);

        Assert.Equal(1, _fetches);
        Assert.All(keys, k => Assert.Same(keys[0], k));
    }

    [Fact]
    public async Task GetKeyAsync_OversizedDocument_IsKeyResolutionFailed()
    {
        _document = new byte[70_000];
        var cache = Cache();

        var ex = await Assert.ThrowsAsync<HttpSignatureException>(() => cache.GetKeyAsync(JwksUri, "k1").AsTask());

        Assert.Equal(SignatureFailure.KeyResolutionFailed, ex.Failure);
        Assert.Contains("65536", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKeyAsync_FetchFailsAfterSuccess_KeepsServingPreviousSet()
    {
        var fail = false;
        var cache = new JwksCache(
            (uri, ct) => fail ? throw new HttpRequestException("down") : Task.FromResult(_document),
            timeProvider: _clock);
        await cache.GetKeyAsync(JwksUri, "k1");

        fail = true;
        _clock.Now += TimeSpan.FromHours(2);

        Assert.NotNull(await cache.GetKeyAsync(JwksUri, "k1"));
    }

    [Fact]
    public async Task GetKeyAsync_FirstFetchFails_IsKeyResolutionFailedAndNotRetriedImmediately()
    {
        var cache = new JwksCache(
            (uri, ct) =>
            {
                Interlocked.Increment(ref _fetches);
                throw new HttpRequestException("connection refused");
            },
            timeProvider: _clock);

        var first = await Assert.ThrowsAsync<HttpSignatureException>(() => cache.GetKeyAsync(JwksUri, "k1").AsTask());
        var second = await Assert.ThrowsAsync<HttpSignatureException>(() => cache.GetKeyAsync(JwksUri, "k1").AsTask());

        Assert.Equal(SignatureFailure.KeyResolutionFailed, first.Failure);
        Assert.Contains("connection refused", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task GetKeyAsync_JwkWithoutAlg_IsKeyRejectedUnlessDefaultGiven()
    {
        var jwk = _k1.ExportPublicJwk();
        _document = Encoding.UTF8.GetBytes("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k1\",\"x\":\"" + jwk.X + "\"}]}");

        var strict = await Assert.ThrowsAsync<HttpSignatureException>(() => Cache().GetKeyAsync(JwksUri, "k1").AsTask());
        var lenient = new JwksCache((_, _) => Task.FromResult(_document), new JwksCacheOptions { DefaultAlgorithm = j => j.Crv == "Ed25519" ? HttpSignatureAlgorithm.Ed25519 : null }, _clock);

        Assert.Equal(SignatureFailure.KeyRejected, strict.Failure);
        Assert.NotNull(await lenient.GetKeyAsync(JwksUri, "k1"));
    }

    [Fact]
    public async Task GetKeySetAsync_ManySigners_KeepsAtMostMaxEntries()
    {
        var cache = new JwksCache((_, _) => Task.FromResult(_document), new JwksCacheOptions { MaxEntries = 10 }, _clock);

        for (var i = 0; i < 50; i++)
        {
            _clock.Now += TimeSpan.FromSeconds(1);
            await cache.GetKeySetAsync(new Uri($"https://signer{i}.example/jwks.json"));
        }

        Assert.True(cache.Count <= 10, $"{cache.Count} entries");
        Assert.NotNull(await cache.GetKeyAsync(new Uri("https://signer49.example/jwks.json"), "k1"));
    }

    [Fact]
    public async Task OcmVerifier_WithJwksCacheResolver_VerifiesAndReportsUnknownKid()
    {
        var cache = Cache();
        var resolver = new JwksResolver(cache);
        var verifier = new OcmRequestVerifier(resolver, timeProvider: _clock);
        var request = Ocm.Protocol.Signatures.Messages.HttpMessage.CreateRequest("POST", new Uri("https://recv.example.com/ocm/shares"));
        request.Body = Encoding.UTF8.GetBytes(OcmRequestVerifierTests.ShareJson);
        new OcmRequestSigner(_k1, timeProvider: _clock).Sign(request);

        Assert.True((await verifier.VerifyAsync(request, "files.example.net")).IsVerified);

        var unknown = Ocm.Protocol.Signatures.Messages.HttpMessage.CreateRequest("POST", new Uri("https://recv.example.com/ocm/shares"));
        unknown.Body = request.Body;
        new OcmRequestSigner(_k2, timeProvider: _clock).Sign(unknown);
        Assert.Equal(SignatureFailure.UnknownKey, (await verifier.VerifyAsync(unknown, "files.example.net")).Failure);
    }

    private JwksCache Cache() => new(
        (uri, ct) =>
        {
            Interlocked.Increment(ref _fetches);
            return Task.FromResult(_document);
        },
        timeProvider: _clock);

    private static byte[] Set(params SigningKey[] keys) =>
        Encoding.UTF8.GetBytes(new JsonWebKeySet(keys.Select(k => k.ExportPublicJwk())).ToJson());

    private sealed class JwksResolver(JwksCache cache) : IOcmKeyResolver
    {
        public ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken) =>
            cache.GetKeyAsync(new Uri($"https://{signerHost}/.well-known/jwks.json"), keyId, cancellationToken);
    }
}
