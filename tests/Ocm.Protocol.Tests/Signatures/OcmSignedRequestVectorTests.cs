using System.Text.Json;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>vectors/ocm/signed-requests: an OCM share signed per RFC 9421 with test-key-ed25519 (-05 style: no tag, date covered).</summary>
public sealed class OcmSignedRequestVectorTests
{
    private static string Vector(string file) => TestPaths.Vector("ocm", "signed-requests", file);

    [VectorFact]
    public async Task VerifyAsync_SignedShareVector_FromAPeerNamedAsUntaggedException_IsVerified()
    {
        var meta = Meta();
        var keyId = meta.GetProperty("keyid").GetString()!;
        var resolver = new TestKeyResolver();
        resolver.Add("sender.example", VerificationKey.ImportPem(File.ReadAllText(SignatureVectors.Rfc9421("keys", "test-key-ed25519.pub.pem")), HttpSignatureAlgorithm.Ed25519, keyId));
        // The vector's signature is labelled "ocm" without tag="ocm" (-05 style): used only for a named exception.
        var verifier = new OcmRequestVerifier(resolver, new OcmVerifierOptions { UntaggedOcmLabelPeers = ["SENDER.example"] }, timeProvider: new FixedTimeProvider(1618884473 + 30));

        var result = await verifier.VerifyAsync(HttpMessageParser.Parse(File.ReadAllBytes(Vector("ocm-share-ed25519.http"))), signerHost: null);

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal("sender.example", result.SignerHost);
        Assert.Equal(File.ReadAllText(Vector("ocm-share-ed25519.base.txt")), result.Base!.Text);
    }

    [VectorFact]
    public async Task VerifyAsync_SignedShareVector_UntaggedFromAnyOtherPeer_IsRejectedWithTheReason()
    {
        // OCM §Verification Requirements: a signature without tag="ocm" is not used — by default, and for a peer that is not an exception.
        foreach (var options in new[] { new OcmVerifierOptions(), new OcmVerifierOptions { UntaggedOcmLabelPeers = ["other.example"] } })
        {
            var verifier = new OcmRequestVerifier(new TestKeyResolver(), options, timeProvider: new FixedTimeProvider(1618884473));

            var result = await verifier.VerifyAsync(HttpMessageParser.Parse(File.ReadAllBytes(Vector("ocm-share-ed25519.http"))), "sender.example");

            Assert.Equal(OcmVerificationStatus.Rejected, result.Status);
            Assert.Equal(SignatureFailure.UntaggedOcmSignature, result.Failure);
            Assert.Contains("sender.example", result.Message, StringComparison.Ordinal);
            Assert.Contains("tag=\"ocm\"", result.Message, StringComparison.Ordinal);
        }
    }

    [VectorFact]
    public void Sign_SignedShareVector_IsReproducedByteForByte()
    {
        var meta = Meta();
        var keyId = meta.GetProperty("keyid").GetString()!;
        using var key = SigningKey.ImportPem(File.ReadAllText(SignatureVectors.Rfc9421("keys", "test-key-ed25519.priv.pem")), HttpSignatureAlgorithm.Ed25519, keyId);
        var expected = File.ReadAllBytes(Vector("ocm-share-ed25519.http"));
        var request = HttpMessageParser.Parse(expected);
        foreach (var name in new[] { "Content-Digest", "Signature-Input", "Signature" })
        {
            request.Headers.Remove(name);
        }

        var signer = new OcmRequestSigner(
            key,
            new OcmSignerOptions { Tag = null, IncludeNonce = false, AdditionalComponents = [ComponentIdentifier.Field("date")] },
            new FixedTimeProvider(1618884473));
        var result = signer.Sign(request);

        Assert.Equal(meta.GetProperty("signature_input").GetString(), result.SignatureInputMember);
        Assert.Equal(meta.GetProperty("signature").GetString(), result.SignatureMember);
        Assert.Equal(meta.GetProperty("content_digest").GetString(), request.Headers.GetCombinedValue("Content-Digest"));
        Assert.Equal(File.ReadAllText(Vector("ocm-share-ed25519.base.txt")), result.Base.Text);
        Assert.Equal(expected, HttpMessageWriter.ToBytes(Reorder(request), "\n"));
    }

    private static JsonElement Meta()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Vector("ocm-share-ed25519.json")));
        return doc.RootElement.Clone();
    }

    // The vector lists Content-Digest after Content-Length; the signer appended it last. Rebuild in the vector's order.
    private static HttpMessage Reorder(HttpMessage signed)
    {
        var copy = HttpMessage.CreateRequest(signed.Method!, signed.Scheme!, signed.Authority!, signed.Path!, signed.Query);
        foreach (var name in new[] { "Host", "Date", "Content-Type", "Content-Length", "Content-Digest", "Signature-Input", "Signature" })
        {
            copy.Headers.Add(name, signed.Headers.GetCombinedValue(name)!);
        }

        copy.Body = signed.Body;
        return copy;
    }
}
