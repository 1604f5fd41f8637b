using System.Text;
using BenchmarkDotNet.Attributes;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Bench.Signatures;

/// <summary>
/// RFC 9421 sign and verify per algorithm over an OCM share request (~1 KB body), base construction included.
/// Run: <c>dotnet run -c Release --project bench/Ocm.Bench -- --filter '*Signature*' --job short</c>.
/// </summary>
[Config(typeof(SignatureBenchmarkConfig))]
public class SignatureBenchmarks
{
    private SigningKey _signingKey = null!;
    private VerificationKey _verificationKey = null!;
    private HttpMessage _unsigned = null!;
    private HttpMessage _signed = null!;
    private HttpMessageVerifier _verifier = null!;
    private SignatureParameters _parameters = null!;

    [Params(
        HttpSignatureAlgorithm.Ed25519,
        HttpSignatureAlgorithm.EcdsaP256Sha256,
        HttpSignatureAlgorithm.EcdsaP384Sha384,
        HttpSignatureAlgorithm.RsaPssSha512,
        HttpSignatureAlgorithm.RsaV15Sha256,
        HttpSignatureAlgorithm.HmacSha256)]
    public HttpSignatureAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _signingKey = SigningKey.Generate(Algorithm, "bench#" + Algorithm);
        _verificationKey = _signingKey.GetVerificationKey();
        _parameters = new SignatureParameters { Created = 1_790_000_000, KeyId = _signingKey.KeyId, Algorithm = Algorithm.GetRfc9421Name(), Tag = "ocm" };
        _unsigned = ShareRequests.Create();
        _signed = ShareRequests.Create();
        HttpMessageSigner.Sign(_signed, "ocm", ShareRequests.Components, _parameters, _signingKey);
        _verifier = new HttpMessageVerifier(new HttpMessageVerifierOptions { ValidateTimestamps = false });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _signingKey.Dispose();
        _verificationKey.Dispose();
    }

    [Benchmark]
    public SignatureResult Sign() => HttpMessageSigner.CreateSignature(_unsigned, "ocm", ShareRequests.Components, _parameters, _signingKey);

    [Benchmark]
    public bool Verify() => _verifier.Verify(_signed, "ocm", _verificationKey).IsValid;
}

/// <summary>
/// The whole OCM inbound check for a share request (~1 KB body) signed with Ed25519: header parsing, tag selection,
/// parameter and time checks, Content-Digest and Content-Length, key lookup, signature base and Ed25519 verification.
/// The replay cache is replaced by a no-op so the same request can be verified repeatedly. Target ≥ 10,000/s per core.
/// </summary>
[Config(typeof(SignatureBenchmarkConfig))]
public class OcmShareVerificationBenchmarks
{
    private SigningKey _key = null!;
    private HttpMessage _request = null!;
    private OcmRequestVerifier _verifier = null!;
    private OcmRequestSigner _signer = null!;
    private VerificationKey _publicKey = null!;
    private byte[] _baseBytes = null!;
    private byte[] _signatureBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1_790_000_000));
        _key = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "files.example.net#k1");
        _signer = new OcmRequestSigner(_key, timeProvider: clock);
        _request = ShareRequests.Create();
        _signer.Sign(_request);
        _publicKey = _key.GetVerificationKey();
        _verifier = new OcmRequestVerifier(new SingleKeyResolver(_publicKey), replayCache: new NoReplayCache(), timeProvider: clock);
        var result = _verifier.VerifyAsync(_request, "files.example.net").AsTask().GetAwaiter().GetResult();
        if (!result.IsVerified)
        {
            throw new InvalidOperationException("The benchmark request does not verify.");
        }

        _baseBytes = result.Base!.GetBytes().ToArray();
        _signatureBytes = result.Signature!.Value.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _publicKey.Dispose();
    }

    /// <summary>The Ed25519 primitive alone (libsodium via NSec) over the same signature base: the floor of the full check.</summary>
    [Benchmark]
    public bool Ed25519VerifyPrimitiveOnly() => _publicKey.Verify(_baseBytes, _signatureBytes);

    [Benchmark]
    public bool VerifyShareRequestEd25519() => _verifier.VerifyAsync(_request, "files.example.net").AsTask().GetAwaiter().GetResult().IsVerified;

    [Benchmark]
    public SignatureResult SignShareRequestEd25519()
    {
        var request = ShareRequests.Create();
        return _signer.Sign(request);
    }

    private sealed class SingleKeyResolver(VerificationKey key) : IOcmKeyResolver
    {
        public ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<VerificationKey?>(key);
    }

    private sealed class NoReplayCache : ISignatureReplayCache
    {
        public bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset expiresAt) => true;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

internal static class ShareRequests
{
    public static readonly ComponentIdentifier[] Components =
        [ComponentIdentifier.Method, ComponentIdentifier.TargetUri, ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength];

    // A realistic OCM 1.4 share creation notification of about 1 KB.
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""
        {"shareWith":"51dc30ddc473d43a6011e9ebba6ca770@recv.example.com","name":"Quarterly report with a long descriptive file name.xlsx",
        "description":"This spreadsheet contains the quarterly figures of the research group, shared for review before the board meeting.",
        "providerId":"7c084226-d9a1-11e6-bf26-cec0c932ce01","owner":"6358b71804dfa8ab069cf05ed1b0ed2a@files.example.net",
        "sender":"527bd5b5d689e2c32ae974c6229ff785@files.example.net","ownerDisplayName":"Dimitri Example","senderDisplayName":"John Doe",
        "shareType":"user","resourceType":"file","expiration":1790086400,
        "protocol":{"name":"multi","webdav":{"uri":"7c084226-d9a1-11e6-bf26-cec0c932ce01","sharedSecret":"hfiuhworzwnur98d3wjiwhr",
        "permissions":["read","write"],"requirements":["must-exchange-token"]},
        "webapp":{"uri":"https://files.example.net/apps/files/7c084226","viewMode":"read"}},
        "code":"8cbc8cb1-64c8-43a6-a8de-3e8f5c3b8a41","metadata":{"size":48213,"mimeType":"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}
        """);

    public static HttpMessage Create()
    {
        var request = HttpMessage.CreateRequest("POST", "https", "recv.example.com", "/ocm/shares");
        request.Headers.Add("Host", "recv.example.com");
        request.Headers.Add("Content-Type", "application/json");
        request.Headers.Add("Accept", "application/json");
        request.Headers.Add("User-Agent", "Ocm/1.0");
        request.Headers.Add("Date", "Mon, 21 Sep 2026 14:13:20 GMT");
        request.Headers.Add("Content-Length", Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("Content-Digest", Ocm.Protocol.Signatures.Digest.ContentDigest.Create(Body));
        request.Body = Body;
        return request;
    }
}
