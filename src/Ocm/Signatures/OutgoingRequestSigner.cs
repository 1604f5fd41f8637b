using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Signatures;

/// <summary>
/// Signs one outgoing server-to-server request with this server's key for the scheme the peer client chose
/// (<see cref="SignatureSchemes.For"/>). The body is sent as bytes with an explicit Content-Length, signed or not, so
/// the digest matches the wire and peers that refuse chunked bodies accept it.
/// </summary>
internal sealed partial class OutgoingRequestSigner(ServerKeyStore keys, TimeProvider time, ILogger<OutgoingRequestSigner> logger)
{
    public async Task SignAsync(HttpRequestMessage request, SignatureScheme scheme, string peer, CancellationToken cancellationToken)
    {
        // A key activated a moment ago on another node (or by 'ocm keys') signs from the next request on: one primary-key
        // read beside a request that goes over the network anyway.
        if (scheme != SignatureScheme.None)
        {
            await keys.RefreshAsync(cancellationToken);
        }

        switch (scheme)
        {
            case SignatureScheme.Rfc9421:
                {
                    var signer = new OcmRequestSigner(keys.ActiveSigningKey, timeProvider: time);
                    await signer.SignAsync(request, cancellationToken);
                    break;
                }

            case SignatureScheme.Cavage:
                {
                    var message = await HttpMessageAdapters.FromRequestAsync(request, cancellationToken);
                    var (key, keyId) = keys.CavageKey;
                    new CavageSigner(key, keyId, CavageSignerOptions.Nextcloud, time).Sign(message);
                    HttpMessageAdapters.CopyFieldsTo(message, request, "Date", LegacyDigest.FieldName, "Signature");
                    break;
                }

            default:
                await HttpMessageAdapters.FromRequestAsync(request, cancellationToken);
                break;
        }

        Log.Signed(logger, request.Method.Method, peer, scheme.Name());
    }

    private static partial class Log
    {
        [LoggerMessage(1910, LogLevel.Debug, "Outgoing {Method} to {Peer}: signature scheme {Scheme}")]
        public static partial void Signed(ILogger logger, string method, string peer, string scheme);
    }
}
