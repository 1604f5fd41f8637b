using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// Another server sends shares to bob on ours (OCM §Verification Requirements): properly signed ones arrive — RFC 9421 with a key from the
/// peer's JWK Set, or draft-cavage the way Nextcloud signs with its discovery <c>publicKey</c> — and every way a
/// signature can be wrong is refused with 401 (400 for unreadable headers, 502 when the signer cannot be reached),
/// the OCM error body, and its own reason in the server's log. Unsigned shares depend on
/// <c>Ocm:Security:RequireSignatures</c>.
/// </summary>
public sealed class SignedServerToServerRequests(SignedServerToServerRequests.Servers servers) : IClassFixture<SignedServerToServerRequests.Servers>
{
    private const string FilterCategory = "Ocm.Signatures.OcmRequestAuthentication";

    /// <summary>A signing peer; a server requiring signatures and one that does not, bob on both.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        internal LogCapture StrictLogs { get; } = new();

        internal LogCapture LenientLogs { get; } = new();

        internal SigningPeer Peer { get; private set; } = null!;

        internal OcmTestServer Strict { get; private set; } = null!;

        internal OcmTestServer Lenient { get; private set; } = null!;

        internal HttpClient StrictBob { get; private set; } = null!;

        internal HttpClient LenientBob { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Peer = await SigningPeer.StartAsync("127.0.0.60");
            Strict = await OcmTestServer.StartAsync(
                "127.0.0.61",
                new Dictionary<string, string?> { ["Ocm:Security:RequireSignatures"] = "true" },
                StrictLogs.Register);
            // The lenient server names the peer as a compatibility exception for untagged signatures (Ocm:Security:UntaggedSignaturePeers).
            Lenient = await OcmTestServer.StartAsync(
                "127.0.0.62",
                new Dictionary<string, string?> { ["Ocm:Security:UntaggedSignaturePeers:0"] = Peer.Authority },
                LenientLogs.Register);
            StrictBob = await Strict.CreateUserAsync("bob");
            LenientBob = await Lenient.CreateUserAsync("bob");
        }

        public async Task DisposeAsync()
        {
            StrictBob.Dispose();
            LenientBob.Dispose();
            await Strict.DisposeAsync();
            await Lenient.DisposeAsync();
            await Peer.DisposeAsync();
        }
    }

    private SigningPeer Peer => servers.Peer;

    private static Uri SharesEndpoint(OcmTestServer server) => new(server.BaseUri, "ocm/shares");

    /// <summary>alice on the peer shares <paramref name="name"/> with bob on the server requiring signatures.</summary>
    private HttpMessage ShareWithStrictBob(string name) => Peer.Share(SharesEndpoint(servers.Strict), "bob@" + servers.Strict.Authority, name);

    private static async Task<IReadOnlyList<string>> SharesBobSeesAsync(HttpClient bob) =>
        [.. (await bob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static async Task AcceptedAsync(HttpMessage request, string name, HttpClient bob)
    {
        var (status, body) = await SigningPeer.SendAsync(request);

        Assert.True(status == 201, $"expected 201, got {status}: {body}");
        Assert.Contains(name, await SharesBobSeesAsync(bob));
    }

    /// <summary>
    /// Sends, expects <paramref name="status"/> with an OCM error body, bob not seeing the share, and the reason in the
    /// log: "… signature failure {failure}: …". Returns the error message the peer got.
    /// </summary>
    private async Task<string> RejectedAsync(HttpMessage request, string name, string failure, int status = 401, bool lenient = false)
    {
        var (code, body) = await SigningPeer.SendAsync(request);

        Assert.True(code == status, $"expected {status}, got {code}: {body}");
        using var error = JsonDocument.Parse(body);
        var message = error.RootElement.GetProperty("message").GetString()!;
        Assert.NotEmpty(message);
        Assert.DoesNotContain(name, await SharesBobSeesAsync(lenient ? servers.LenientBob : servers.StrictBob));
        var logged = (lenient ? servers.LenientLogs : servers.StrictLogs).Find(FilterCategory, $"signature failure {failure}: ");
        Assert.True(logged.Count > 0, $"no '{failure}' rejection logged; got: {string.Join(" | ", (lenient ? servers.LenientLogs : servers.StrictLogs).Entries.Select(e => e.Message))}");
        Assert.All(logged, entry => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, entry.Level));
        return message;
    }

    [Fact]
    public async Task Rfc9421Signature_KeyFromPeersJwks_ShareAccepted()
    {
        var request = Peer.Sign(ShareWithStrictBob("signed.txt"));

        await AcceptedAsync(request, "signed.txt", servers.StrictBob);
        var share = (await servers.StrictBob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Single(s => s.GetProperty("name").GetString() == "signed.txt");
        Assert.Equal(Peer.User("alice"), share.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Unsigned_SignaturesRequired_Rejected()
    {
        var message = await RejectedAsync(ShareWithStrictBob("unsigned.txt"), "unsigned.txt", "NotSigned");

        Assert.Contains("must-use-http-sig", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_SignaturesNotRequired_Accepted()
    {
        var request = Peer.Share(SharesEndpoint(servers.Lenient), "bob@" + servers.Lenient.Authority, "unsigned-lenient.txt");

        await AcceptedAsync(request, "unsigned-lenient.txt", servers.LenientBob);
    }

    [Fact]
    public async Task InvalidSignature_SignaturesNotRequired_StillRejected()
    {
        var request = Peer.Sign(Peer.Share(SharesEndpoint(servers.Lenient), "bob@" + servers.Lenient.Authority, "invalid-lenient.txt"));
        request.Headers.Set(ContentDigest.FieldName, ContentDigest.Create("something else"u8, DigestAlgorithm.Sha256));

        await RejectedAsync(request, "invalid-lenient.txt", "DigestMismatch", lenient: true);
    }

    [Fact]
    public async Task TamperedBody_DigestRecomputed_RejectedAsBadSignature()
    {
        var request = Peer.Sign(ShareWithStrictBob("tampered.txt"));

        // A man in the middle grants himself write access and fixes up the digest and length, but cannot re-sign.
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request.Body!.Value.Span).Replace("[\"read\"]", "[\"read\",\"write\"]", StringComparison.Ordinal));
        request.Body = tampered;
        request.Headers.Set("Content-Length", tampered.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Set(ContentDigest.FieldName, ContentDigest.Create(tampered, DigestAlgorithm.Sha256));

        var message = await RejectedAsync(request, "tampered.txt", "BadSignature");

        Assert.Contains("BadSignature", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentDigestNotMatchingBody_RejectedAsDigestMismatch()
    {
        var request = Peer.Sign(ShareWithStrictBob("wrong-digest.txt"));
        request.Headers.Set(ContentDigest.FieldName, ContentDigest.Create("{\"another\":\"body\"}"u8, DigestAlgorithm.Sha256));

        var message = await RejectedAsync(request, "wrong-digest.txt", "DigestMismatch");

        Assert.Contains("DigestMismatch", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatedTenMinutesAgo_RejectedAsStale()
    {
        var request = Peer.Sign(ShareWithStrictBob("stale.txt"), time: new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-10)));

        await RejectedAsync(request, "stale.txt", "CreatedTooOld");
    }

    [Fact]
    public async Task CreatedTenMinutesAhead_RejectedAsFuture()
    {
        var request = Peer.Sign(ShareWithStrictBob("future.txt"), time: new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10)));

        await RejectedAsync(request, "future.txt", "CreatedInFuture");
    }

    [Fact]
    public async Task KeyIdNotInPeersJwks_RejectedAsUnknownKey()
    {
        using var unpublished = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, $"{Peer.Authority}#not-published");
        var request = Peer.Sign(ShareWithStrictBob("unknown-kid.txt"), unpublished);

        var message = await RejectedAsync(request, "unknown-kid.txt", "UnknownKey");

        Assert.Contains("not-published", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSignaturesTaggedOcm_Rejected()
    {
        var request = Peer.Sign(ShareWithStrictBob("two-signatures.txt"));
        Peer.Sign(request, options: new OcmSignerOptions { Label = "sig2" });

        await RejectedAsync(request, "two-signatures.txt", "MultipleOcmSignatures");
    }

    [Fact]
    public async Task SymmetricKeyPublishedAsOctJwk_Rejected()
    {
        var request = Peer.SignWithSharedSecret(ShareWithStrictBob("symmetric.txt"));

        await RejectedAsync(request, "symmetric.txt", "SymmetricAlgorithmRefused");
    }

    [Fact]
    public async Task SameSignatureSentTwice_SecondRejectedAsReplay()
    {
        var request = Peer.Sign(ShareWithStrictBob("replayed.txt"));
        await AcceptedAsync(request, "replayed.txt", servers.StrictBob);

        var (status, body) = await SigningPeer.SendAsync(request);

        Assert.Equal(401, status);
        Assert.Contains("Replay", body, StringComparison.Ordinal);
        Assert.NotEmpty(servers.StrictLogs.Find(FilterCategory, "RFC 9421 signature failure Replay: "));
    }

    [Fact]
    public async Task CavageSignature_NextcloudStyleWithDiscoveryPublicKey_Accepted()
    {
        var request = Peer.SignCavage(ShareWithStrictBob("cavage.txt"));
        Assert.StartsWith($"keyId=\"{Peer.CavageKeyId}\",algorithm=\"rsa-sha512\"", request.Headers.GetCombinedValue("Signature"), StringComparison.Ordinal);

        await AcceptedAsync(request, "cavage.txt", servers.StrictBob);
    }

    [Fact]
    public async Task CavageSignature_SentTwice_SecondRejectedAsReplay()
    {
        var request = Peer.SignCavage(ShareWithStrictBob("cavage-replayed.txt"));
        await AcceptedAsync(request, "cavage-replayed.txt", servers.StrictBob);

        var (status, body) = await SigningPeer.SendAsync(request);

        Assert.Equal(401, status);
        Assert.Contains("Replay", body, StringComparison.Ordinal);
        Assert.NotEmpty(servers.StrictLogs.Find(FilterCategory, "draft-cavage signature failure Replay: "));
    }

    [Fact]
    public async Task CavageSignature_KeyNotThePublishedOne_RejectedAsBadSignature()
    {
        using var other = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, Peer.CavageKeyId);
        var request = ShareWithStrictBob("cavage-forged.txt");
        new CavageSigner(other, Peer.CavageKeyId, CavageSignerOptions.Nextcloud).Sign(request);

        var message = await RejectedAsync(request, "cavage-forged.txt", "BadSignature");

        Assert.Contains("draft-cavage", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnparsableSignatureInput_Rejected400()
    {
        var request = ShareWithStrictBob("malformed.txt");
        request.Headers.Set("Signature-Input", "ocm=(\"@method\";created=oops");
        request.Headers.Set("Signature", "ocm=:AAAA:");

        await RejectedAsync(request, "malformed.txt", "MalformedHeader", status: 400);
    }

    [Fact]
    public async Task SignerCannotBeDiscovered_Rejected502NotA500()
    {
        // The share claims a server where nothing listens: the key cannot be fetched, which is not the sender's fault
        // for sure, so it may retry (5xx) — but never an unhandled 500.
        var unreachable = $"127.0.0.63:{OcmProcess.FreePort("127.0.0.63")}";
        using var key = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, $"{unreachable}#k1");
        var request = Peer.Sign(
            Peer.Share(SharesEndpoint(servers.Strict), "bob@" + servers.Strict.Authority, "unreachable.txt", sender: "alice@" + unreachable),
            key);

        await RejectedAsync(request, "unreachable.txt", "KeyResolutionFailed", status: 502);
    }

    [Fact]
    public async Task SignatureWithoutOcmTag_CountsAsUnsigned()
    {
        // A signature some proxy added for itself (no tag="ocm", label not "ocm") is not an OCM signature (OCM §Verification Requirements).
        var request = Peer.Sign(ShareWithStrictBob("proxy-signed.txt"), options: new OcmSignerOptions { Label = "proxy", Tag = null });

        var message = await RejectedAsync(request, "proxy-signed.txt", "NotSigned");

        Assert.Contains("not signed", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignatureLabelledOcmWithoutTag_IsRefusedWithTheReason_UnlessThePeerIsANamedException()
    {
        // OCM §Verification Requirements: signatures without tag="ocm" are not used. Not treated as unsigned either: the
        // peer meant it as its OCM signature, and it is told exactly what to fix (checklist R55).
        var untagged = new OcmSignerOptions { Label = "ocm", Tag = null };
        var refused = await RejectedAsync(Peer.Sign(ShareWithStrictBob("untagged.txt"), options: untagged), "untagged.txt", "UntaggedOcmSignature");
        Assert.Contains("tag=\"ocm\"", refused, StringComparison.Ordinal);
        Assert.Contains("Ocm:Security:UntaggedSignaturePeers", refused, StringComparison.Ordinal);

        // The server that names the peer as an exception verifies the same kind of signature and takes the share.
        var request = Peer.Sign(Peer.Share(SharesEndpoint(servers.Lenient), "bob@" + servers.Lenient.Authority, "untagged-excepted.txt"), options: untagged);
        await AcceptedAsync(request, "untagged-excepted.txt", servers.LenientBob);
    }

    [Fact]
    public async Task ShareSignedByAnotherServersKey_ClaimingOurPeersUser_IsRefused()
    {
        // A second server signs, with its own published key, a share that claims to come from a user of the first: the
        // signer must be the sender's server (OCM §Verification Requirements; checklist R56).
        await using var impostor = await SigningPeer.StartAsync("127.0.18.3");
        var request = impostor.Sign(
            impostor.Share(SharesEndpoint(servers.Strict), "bob@" + servers.Strict.Authority, "impostor.txt", sender: Peer.User("alice")));

        var message = await RejectedAsync(request, "impostor.txt", "UnknownKey");

        Assert.Contains(impostor.Authority, message, StringComparison.Ordinal);
        Assert.Contains(Peer.Authority, message, StringComparison.Ordinal);
    }
}
