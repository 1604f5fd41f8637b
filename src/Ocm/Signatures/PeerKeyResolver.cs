using Ocm.Federation;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Signatures;

/// <summary>
/// Finds a peer's verification key (OCM Appendix B, "Verifying a Signature", steps 1–4): discover the signer host, take its <c>jwksUri</c> (or, for
/// -05 peers, <c>/.well-known/jwks.json</c>), and look the <c>kid</c> up in its JWK Set — cached, re-fetched at most
/// once per short interval on an unknown kid, concurrent fetches coalesced, size-capped, through the peer client.
/// </summary>
internal sealed class PeerKeyResolver : IOcmKeyResolver
{
    private readonly PeerClient _peers;
    private readonly JwksCache _jwks;

    public PeerKeyResolver(PeerClient peers, TimeProvider time)
    {
        _peers = peers;
        var options = new JwksCacheOptions { TimeToLive = TimeSpan.FromMinutes(10), MinimumRefreshInterval = TimeSpan.FromSeconds(30) };
        _jwks = new JwksCache(
            async (uri, cancellationToken) =>
            {
                var response = await peers.GetDocumentAsync(uri, Math.Min(peers.MaxResponseBytes, options.MaxResponseBytes), options.FetchTimeout, cancellationToken);
                if (response.TooLarge is { } limit)
                {
                    throw new HttpRequestException($"it is larger than {limit} bytes.");
                }

                if (!response.IsSuccess)
                {
                    throw new HttpRequestException($"it answered {response.Status} {response.ReasonPhrase}.");
                }

                return response.Body;
            },
            options,
            time);
    }

    public async ValueTask<VerificationKey?> ResolveKeyAsync(string? signerHost, string keyId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(signerHost))
        {
            throw new HttpSignatureException(SignatureFailure.KeyRejected,
                $"Cannot tell which server signed with key id '{keyId}': the key id names no host and the request names no sender.");
        }

        var peer = await DiscoverAsync(signerHost, cancellationToken);
        var jwksUri = peer.Document.GetJwksUri()
            ?? new Uri($"{peer.DocumentUrl.Scheme}://{peer.DocumentUrl.Authority}/.well-known/jwks.json");
        return await _jwks.GetKeyAsync(jwksUri, keyId, cancellationToken);
    }

    /// <summary>The legacy draft-cavage key a peer publishes in discovery (<c>publicKey</c>), if any.</summary>
    public async ValueTask<VerificationKey?> ResolveCavageKeyAsync(string signerHost, string keyId, HttpSignatureAlgorithm algorithm, CancellationToken cancellationToken)
    {
        var peer = await DiscoverAsync(signerHost, cancellationToken);
        var published = peer.Document.PublicKey is { } single ? [single] : peer.Document.PublicKeys ?? [];
        var match = published.FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal))
            ?? (published.Count == 1 && published[0].KeyId is null ? published[0] : null);
        return match is null ? null : VerificationKey.ImportPem(match.PublicKeyPem, algorithm, keyId);
    }

    private async ValueTask<DiscoveredServer> DiscoverAsync(string signerHost, CancellationToken cancellationToken)
    {
        try
        {
            return await _peers.DiscoverAsync(signerHost, cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            throw new HttpSignatureException(SignatureFailure.KeyResolutionFailed, $"Cannot discover the signer {signerHost}: {ex.Message}");
        }
    }
}
