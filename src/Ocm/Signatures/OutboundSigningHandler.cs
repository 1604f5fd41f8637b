using Ocm.Federation;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Signatures;

/// <summary>
/// Signs every outgoing server-to-server request that has a body, per peer: RFC 9421 when the peer advertises
/// <c>http-sig</c> (or a <c>jwksUri</c>), draft-cavage when it only publishes a legacy <c>publicKey</c> (Nextcloud
/// ≤ 34), unsigned otherwise unless <c>Ocm:Security:AlwaysSign</c>. Bodies are sent as bytes with an explicit
/// Content-Length so the digest matches the wire.
/// </summary>
internal sealed partial class OutboundSigningHandler(
    ServerKeyStore keys,
    IOcmDiscoveryClient discovery,
    SecurityOptions options,
    TimeProvider time,
    ILogger<OutboundSigningHandler> logger) : DelegatingHandler
{
    /// <summary>Set on a request to name the peer (OCM authority) whose discovery decides the scheme.</summary>
    public static readonly HttpRequestOptionsKey<string> PeerOption = new("ocm-peer");

    /// <summary>Set to <c>false</c> on a request that must not be signed (e.g. proxied WebDAV with a bearer token).</summary>
    public static readonly HttpRequestOptionsKey<bool> SignOption = new("ocm-sign");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null && (!request.Options.TryGetValue(SignOption, out var sign) || sign))
        {
            await SignAsync(request, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private async Task SignAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var peer = request.Options.TryGetValue(PeerOption, out var named) ? named : request.RequestUri!.Authority;
        var scheme = await ChooseSchemeAsync(peer, cancellationToken);
        switch (scheme)
        {
            case "rfc9421":
                {
                    var signer = new OcmRequestSigner(keys.ActiveSigningKey, timeProvider: time);
                    await signer.SignAsync(request, cancellationToken);
                    break;
                }

            case "cavage":
                {
                    var message = await HttpMessageAdapters.FromRequestAsync(request, cancellationToken);
                    var (key, keyId) = keys.CavageKey;
                    new CavageSigner(key, keyId, CavageSignerOptions.Nextcloud, time).Sign(message);
                    HttpMessageAdapters.CopyFieldsTo(message, request, "Date", LegacyDigest.FieldName, "Signature");
                    break;
                }

            default:
                // Unsigned: still send an exact Content-Length (some peers refuse chunked bodies).
                await HttpMessageAdapters.FromRequestAsync(request, cancellationToken);
                break;
        }

        Log.Signed(logger, request.Method.Method, peer, scheme);
    }

    private async Task<string> ChooseSchemeAsync(string peer, CancellationToken cancellationToken)
    {
        DiscoveryDocument document;
        try
        {
            document = (await discovery.DiscoverAsync(peer, cancellationToken)).Document;
        }
        catch (Exception ex) when (ex is OcmDiscoveryException or FormatException)
        {
            return "rfc9421"; // cannot tell: a signature never hurts a peer that ignores it
        }

        if (document.SupportsCapability(OcmCapabilities.HttpSig) || document.JwksUri is not null)
        {
            return "rfc9421";
        }

        if (document.PublicKey is not null || document.PublicKeys is { Count: > 0 })
        {
            return "cavage";
        }

        return options.AlwaysSign ? "rfc9421" : "none";
    }

    private static partial class Log
    {
        [LoggerMessage(1910, LogLevel.Debug, "Outgoing {Method} to {Peer}: signature scheme {Scheme}")]
        public static partial void Signed(ILogger logger, string method, string peer, string scheme);
    }
}
