using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Notifications;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.Validation;
using Ocm.Signatures;

namespace Ocm.Shares;

/// <summary>
/// Share notifications in both directions. About a share we sent: SHARE_ACCEPTED / SHARE_DECLINED / SHARE_UNSHARED
/// (the recipient left) from the recipient's server. About a share we received: SHARE_UNSHARED (revoked) and
/// permission or expiry changes (RESHARE_CHANGE_PERMISSION and SHARE_CHANGE_PERMISSION, as reva spells it) from the sender's
/// server. REQUEST_RESHARE / RESHARE_UNDO about a share we sent (ShareNotificationHandler.Reshare.cs). The caller must be the counter-party: its verified signature, or the share's secret in
/// <c>notification.sharedSecret</c> for legacy peers that cannot sign (<see cref="UnsignedNotifications"/>, R84). This handler reads the notification and checks who sends it; what
/// it means for the share is applied by <see cref="OutgoingShares"/> and <see cref="ReceivedShares"/>, as for the same
/// change made by a user here.
/// </summary>
internal sealed partial class ShareNotificationHandler(
    OutgoingShares outgoingShares,
    ReceivedShares receivedShares,
    SecretProtector secrets,
    UnsignedNotifications unsigned,
    TimeProvider timeProvider,
    ILogger<ShareNotificationHandler> logger)
    : INotificationHandler
{
    public bool Handles(string notificationType) =>
        notificationType is NotificationTypes.ShareAccepted or NotificationTypes.ShareDeclined or NotificationTypes.ShareUnshared
        || NotificationTypes.IsPermissionChange(notificationType) || IsReshare(notificationType);

    public async Task<IResult?> HandleAsync(NewNotification notification, OcmRequest request, OcmDb db, CancellationToken cancellationToken)
    {
        var type = notification.NotificationType;
        var secret = notification.Notification?.SharedSecret;
        if (IsReshare(type))
        {
            return await HandleReshareAsync(notification, request, db, cancellationToken);
        }

        // RESHARE_CHANGE_PERMISSION naming a third party, about a share we sent: its recipient changes a reshare it asked for.
        if (type == NotificationTypes.ReshareChangePermission && notification.Notification?.ShareWith is not null
            && await db.Set<OutgoingShare>().AnyAsync(s => s.ProviderId == notification.ProviderId, cancellationToken))
        {
            return await HandleReshareChangeAsync(notification, request, db, cancellationToken);
        }

        if (type is NotificationTypes.ShareAccepted or NotificationTypes.ShareDeclined or NotificationTypes.ShareUnshared)
        {
            var outgoing = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.ProviderId == notification.ProviderId, cancellationToken);
            if (outgoing is not null)
            {
                if (!IsRecipient(outgoing, request, secret))
                {
                    return Forbidden(notification, request);
                }

                if (!request.IsSigned && await unsigned.RefusalAsync(type, outgoing.RecipientHost, cancellationToken) is { } refusal)
                {
                    return refusal;
                }

                var answer = type switch
                {
                    NotificationTypes.ShareAccepted => RecipientAnswer.Accepted,
                    NotificationTypes.ShareDeclined => RecipientAnswer.Declined,
                    _ => RecipientAnswer.Left,
                };
                await outgoingShares.RecipientAnsweredAsync(outgoing, answer, cancellationToken);
                return null;
            }

            if (type != NotificationTypes.ShareUnshared)
            {
                Log.UnknownShare(logger, type, notification.ProviderId);
                return null;
            }
        }

        // About a share we received.
        var received = await FindReceivedAsync(db, notification.ProviderId, request, secret, cancellationToken);
        if (received is null)
        {
            var any = await db.Set<ReceivedShare>().AnyAsync(s => s.ProviderId == notification.ProviderId, cancellationToken);
            if (any)
            {
                return Forbidden(notification, request);
            }

            Log.UnknownShare(logger, type, notification.ProviderId);
            return null;
        }

        if (!request.IsSigned && await unsigned.RefusalAsync(type, received.SenderHost, cancellationToken) is { } unsignedRefusal)
        {
            return unsignedRefusal;
        }

        if (type == NotificationTypes.ShareUnshared)
        {
            await receivedShares.EndedByOwnerAsync(received, cancellationToken);
            return null;
        }

        SharePermissions? permissions = null;
        bool? mustExchangeToken = null;
        var webdav = notification.Notification?.Protocol?.WebDav;
        if (webdav is not null)
        {
            permissions = SharePermissionNames.Parse(webdav.Permissions);
            mustExchangeToken = webdav.MustExchangeToken;
        }
        else if (notification.Notification?.AdditionalData?.TryGetValue("permissions", out var given) == true
            && given.ValueKind != JsonValueKind.Null)
        {
            permissions = SharePermissionNames.FromNotification(given);
            if (permissions is null)
            {
                return OcmApi.Error(StatusCodes.Status400BadRequest,
                    $"notification.permissions {given.GetRawText()} is neither a list of permission names (e.g. [\"read\", \"write\"]) nor a permission bit mask.");
            }
        }

        var changesExpiration = false;
        DateTimeOffset? expiresAt = null;
        if (notification.Notification?.AdditionalData?.TryGetValue("expiration", out var expiration) == true
            && expiration.ValueKind != JsonValueKind.Null)
        {
            DateTimeOffset at = default;
            if (expiration.ValueKind != JsonValueKind.Number || !expiration.TryGetInt64(out var seconds)
                || (seconds > 0 && !UnixTime.TryToDateTimeOffset(seconds, out at)))
            {
                return OcmApi.Error(StatusCodes.Status400BadRequest,
                    $"notification.expiration {expiration.GetRawText()} is not a time: an integer number of seconds since the Unix epoch, before the year 10000, or 0 for none.");
            }

            changesExpiration = true;
            expiresAt = seconds > 0 ? at : null;
        }

        await receivedShares.ChangedByOwnerAsync(received, new OwnerChange(permissions, mustExchangeToken, changesExpiration, expiresAt), cancellationToken);
        return null;
    }

    private bool IsRecipient(OutgoingShare share, OcmRequest request, string? secret)
    {
        if (request.IsSigned)
        {
            return string.Equals(request.SignerHost, share.RecipientHost, StringComparison.OrdinalIgnoreCase);
        }

        return secret is not null && FixedEquals(secret, secrets.DeriveShareSecret(share.ProviderId));
    }

    private async Task<ReceivedShare?> FindReceivedAsync(OcmDb db, string providerId, OcmRequest request, string? secret, CancellationToken cancellationToken)
    {
        if (request.IsSigned)
        {
            return await db.Set<ReceivedShare>().SingleOrDefaultAsync(
                s => s.SenderHost == request.SignerHost && s.ProviderId == providerId, cancellationToken);
        }

        if (secret is null)
        {
            return null;
        }

        // Unsigned (legacy): the share whose secret the caller knows.
        var candidates = await db.Set<ReceivedShare>().Where(s => s.ProviderId == providerId).ToListAsync(cancellationToken);
        return candidates.FirstOrDefault(s => FixedEquals(secret, secrets.Unprotect(s.ProtectedSecret)));
    }

    private IResult Forbidden(NewNotification notification, OcmRequest request)
    {
        Log.NotCounterparty(logger, notification.NotificationType, notification.ProviderId, request.SignerHost ?? "(unsigned)");
        return OcmApi.Error(StatusCodes.Status403Forbidden,
            $"The caller is not the other party of share '{notification.ProviderId}' (neither its signature nor the shared secret matches).");
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static partial class Log
    {
        [LoggerMessage(1310, LogLevel.Information, "{Type} for unknown share {ProviderId}: nothing to do")]
        public static partial void UnknownShare(ILogger logger, string type, string providerId);

        [LoggerMessage(1311, LogLevel.Warning, "{Type} for share {ProviderId} refused: {Signer} is not its counter-party")]
        public static partial void NotCounterparty(ILogger logger, string type, string providerId, string signer);
    }
}
