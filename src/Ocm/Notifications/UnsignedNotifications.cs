using Ocm.Federation;
using Ocm.Protocol.Discovery.Client;
using Ocm.Signatures;

namespace Ocm.Notifications;

/// <summary>
/// Whether an unsigned notification may be heard (OCM §Share Acceptance Notification: receivers SHOULD decline unsigned
/// notifications, R84). Only when <c>Ocm:Security:AcceptUnsignedNotifications</c> is on (the default), only with the
/// share's secret (checked by the handler that finds the share), and only from a counter-party that cannot sign: its
/// discovery publishes no key to verify a signature with (no <c>http-sig</c>, <c>jwksUri</c> or legacy <c>publicKey</c>,
/// the same reading that decides how we sign towards it, <see cref="SignatureSchemes.For"/>). A peer that can sign but
/// did not is refused: anyone who learnt the secret could otherwise speak for it.
/// </summary>
internal sealed partial class UnsignedNotifications(SecurityOptions security, PeerClient peers, ILogger<UnsignedNotifications> logger)
{
    public bool Allowed => security.AcceptUnsignedNotifications;

    /// <summary>The refusal of an unsigned notification before any share is looked at, or null to go on.</summary>
    public IResult? Precheck(string notificationType, string? sharedSecret)
    {
        if (!security.AcceptUnsignedNotifications)
        {
            Log.Refused(logger, notificationType, "(unsigned)", "unsigned notifications are turned off");
            return OcmApi.Error(StatusCodes.Status401Unauthorized,
                "Unsigned notification refused: this server accepts only notifications with an HTTP message signature of the sending server (Ocm:Security:AcceptUnsignedNotifications is off).");
        }

        if (string.IsNullOrEmpty(sharedSecret))
        {
            Log.Refused(logger, notificationType, "(unsigned)", "no notification.sharedSecret");
            return OcmApi.Error(StatusCodes.Status401Unauthorized,
                "Unsigned notification refused: it must carry an HTTP message signature of the sending server, or (from a server that cannot sign) the share's secret in notification.sharedSecret.");
        }

        return null;
    }

    /// <summary>
    /// After the share's secret matched: the refusal when <paramref name="counterparty"/> (the share's other server) could
    /// have signed, or null.
    /// </summary>
    public async Task<IResult?> RefusalAsync(string notificationType, string counterparty, CancellationToken cancellationToken)
    {
        DiscoveredServer discovered;
        try
        {
            discovered = await peers.DiscoverAsync(counterparty, cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            Log.Refused(logger, notificationType, counterparty, $"its discovery cannot be read: {ex.Message}");
            return OcmApi.Error(StatusCodes.Status401Unauthorized,
                $"Unsigned notification refused: whether {counterparty} can sign cannot be told (its discovery cannot be read); send it signed.");
        }

        if (SignatureSchemes.For(discovered, alwaysSign: false) == SignatureScheme.None)
        {
            return null;
        }

        Log.Refused(logger, notificationType, counterparty, "it publishes signing keys but did not sign");
        return OcmApi.Error(StatusCodes.Status401Unauthorized,
            $"Unsigned notification refused: {counterparty} publishes signing keys in its discovery, so its notifications must carry its HTTP message signature; the shared secret alone is not accepted from it.");
    }

    private static partial class Log
    {
        [LoggerMessage(1791, LogLevel.Warning, "Unsigned {Type} notification from {Peer} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string type, string peer, string reason);
    }
}
