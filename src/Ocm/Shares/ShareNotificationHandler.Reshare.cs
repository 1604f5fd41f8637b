using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Notifications;
using Ocm.Signatures;

namespace Ocm.Shares;

/// <summary>
/// The owner's server's side of resharing (OCM §Resharing; notification types REQUEST_RESHARE and RESHARE_UNDO): the
/// recipient of one of our shares asks us to share the same resource with a third party, or takes that back. Strict in
/// what it grants: only the share's own recipient server may ask (signature or, from a server that cannot sign, the
/// share's secret), only for a share that carries the <c>share</c> permission, and never for more than that share allows.
/// </summary>
internal sealed partial class ShareNotificationHandler
{
    private static bool IsReshare(string notificationType) =>
        notificationType is NotificationTypes.RequestReshare or NotificationTypes.ReshareUndo;

    private async Task<IResult?> HandleReshareAsync(NewNotification notification, OcmRequest request, OcmDb db, CancellationToken cancellationToken)
    {
        var type = notification.NotificationType;
        var details = notification.Notification;
        var parent = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.ProviderId == notification.ProviderId, cancellationToken);
        if (parent is null)
        {
            if (type == NotificationTypes.ReshareUndo)
            {
                Log.UnknownShare(logger, type, notification.ProviderId);
                return null;
            }

            return ReshareRefused(StatusCodes.Status400BadRequest, notification, $"There is no share '{notification.ProviderId}' on this server to reshare.",
                new OcmValidationError("providerId", "NOT_FOUND: no share with this id."));
        }

        if (!IsRecipient(parent, request, details?.SharedSecret))
        {
            return Forbidden(notification, request);
        }

        if (!request.IsSigned && await unsigned.RefusalAsync(type, parent.RecipientHost, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (!OcmAddress.TryParse(details?.ShareWith, out var recipient, out var addressError))
        {
            return ReshareRefused(StatusCodes.Status400BadRequest, notification,
                "notification.shareWith must be the OCM address of the user to reshare with.",
                new OcmValidationError("notification.shareWith", $"INVALID: {addressError}"));
        }

        if (type == NotificationTypes.ReshareUndo)
        {
            var undone = await outgoingShares.UndoReshareAsync(parent, recipient.ToString(), cancellationToken);
            Log.Reshare(logger, type, notification.ProviderId, recipient.ToString(), undone ? "removed" : "none to remove");
            return null;
        }

        if (parent.State is not (OutgoingShareState.Delivered or OutgoingShareState.Accepted) || parent.IsExpired(timeProvider.GetUtcNow()))
        {
            return ReshareRefused(StatusCodes.Status403Forbidden, notification,
                $"Share '{notification.ProviderId}' is not in force (it was declined, failed or expired), so it cannot be shared further.");
        }

        if (!parent.Permissions.HasFlag(SharePermissions.Share))
        {
            return ReshareRefused(StatusCodes.Status403Forbidden, notification,
                $"Share '{notification.ProviderId}' does not allow its recipient to share it further: it lacks the 'share' permission (OCM §Resharing).");
        }

        // Asked-for permissions as peers send them (names, one name, or the ownCloud/Nextcloud mask); none said: read.
        var permissions = SharePermissions.Read;
        if (details?.AdditionalData is { } data
            && (data.TryGetValue("permissions", out var given) || data.TryGetValue("permission", out given))
            && given.ValueKind != JsonValueKind.Null)
        {
            if (SharePermissionNames.FromNotification(given) is not { } asked)
            {
                return ReshareRefused(StatusCodes.Status400BadRequest, notification,
                    $"notification.permissions {given.GetRawText()} is neither a list of permission names (e.g. [\"read\"]) nor a permission bit mask.",
                    new OcmValidationError("notification.permissions", "INVALID: not permissions."));
            }

            permissions = asked;
        }

        if ((permissions & ~parent.Permissions) != SharePermissions.None)
        {
            return ReshareRefused(StatusCodes.Status403Forbidden, notification,
                $"The reshare asks for {string.Join(", ", SharePermissionNames.ToNames(permissions))}, more than share '{notification.ProviderId}' allows ({string.Join(", ", SharePermissionNames.ToNames(parent.Permissions))}).");
        }

        var outcome = await outgoingShares.CreateReshareAsync(parent, recipient, permissions, cancellationToken);
        if (outcome.Problem is { } problem)
        {
            // Delivery is at least once: a REQUEST_RESHARE heard again finds the reshare it made and answers as the first time.
            if (problem.Existing is not { } existing || existing.ResharedBy != parent.ShareWith)
            {
                return ReshareRefused(problem.Status, notification, problem.Detail);
            }

            outcome = ShareOutcome.Done(existing);
        }

        Log.Reshare(logger, type, notification.ProviderId, recipient.ToString(), $"share {outcome.Share!.Id} created");

        // Nextcloud's answer names the new share; its secret stays between this server and the third party.
        return new OcmApi.JsonBytesResult(StatusCodes.Status201Created,
            Encoding.UTF8.GetBytes($$"""{"providerId":{{JsonSerializer.Serialize(outcome.Share.ProviderId, NotificationJsonContext.Default.String)}}}"""));
    }

    /// <summary>
    /// RESHARE_CHANGE_PERMISSION from the recipient of <c>providerId</c>: change what the reshare it asked for (to
    /// <c>notification.shareWith</c>) allows. Only that share's recipient server, only while the share allows resharing,
    /// and never more than it allows; the third party's server hears of it as of any change the owner makes.
    /// </summary>
    private async Task<IResult?> HandleReshareChangeAsync(NewNotification notification, OcmRequest request, OcmDb db, CancellationToken cancellationToken)
    {
        var type = notification.NotificationType;
        var details = notification.Notification;
        var parent = await db.Set<OutgoingShare>().SingleAsync(s => s.ProviderId == notification.ProviderId, cancellationToken);
        if (!IsRecipient(parent, request, details?.SharedSecret))
        {
            return Forbidden(notification, request);
        }

        if (!request.IsSigned && await unsigned.RefusalAsync(type, parent.RecipientHost, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (!OcmAddress.TryParse(details?.ShareWith, out var recipient, out var addressError))
        {
            return ReshareRefused(StatusCodes.Status400BadRequest, notification,
                "notification.shareWith must be the OCM address of the user the reshare is for.",
                new OcmValidationError("notification.shareWith", $"INVALID: {addressError}"));
        }

        var shareWith = recipient.ToString();
        var reshare = await db.Set<OutgoingShare>().AsNoTracking()
            .Where(s => s.ReshareParentId == parent.Id && s.ShareWith == shareWith)
            .OrderByDescending(s => s.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (reshare is null)
        {
            return ReshareRefused(StatusCodes.Status404NotFound, notification,
                $"Share '{notification.ProviderId}' was not shared further with {shareWith}: there is no reshare to change.",
                new OcmValidationError("notification.shareWith", "NOT_FOUND: no reshare for this address."));
        }

        if (!parent.Permissions.HasFlag(SharePermissions.Share) || parent.State is not (OutgoingShareState.Delivered or OutgoingShareState.Accepted))
        {
            return ReshareRefused(StatusCodes.Status403Forbidden, notification,
                $"Share '{notification.ProviderId}' no longer allows its recipient to share it further (no 'share' permission, or not in force), so its reshares cannot be changed from there.");
        }

        if (details?.AdditionalData is not { } data
            || !(data.TryGetValue("permissions", out var given) || data.TryGetValue("permission", out given))
            || SharePermissionNames.FromNotification(given) is not { } permissions)
        {
            return ReshareRefused(StatusCodes.Status400BadRequest, notification,
                "notification.permissions must give the reshare's new permissions: a list of names (e.g. [\"read\"]) or a permission bit mask.",
                new OcmValidationError("notification.permissions", "MISSING_OR_INVALID: not permissions."));
        }

        if ((permissions & ~parent.Permissions) != SharePermissions.None)
        {
            return ReshareRefused(StatusCodes.Status403Forbidden, notification,
                $"The change asks for {string.Join(", ", SharePermissionNames.ToNames(permissions))}, more than share '{notification.ProviderId}' allows ({string.Join(", ", SharePermissionNames.ToNames(parent.Permissions))}).");
        }

        var changed = await outgoingShares.UpdateAsync(
            reshare.OwnerUserId, reshare.Id, new UpdateShareRequest { Permissions = SharePermissionNames.ToNames(permissions) }, cancellationToken);
        if (changed.Problem is { } problem)
        {
            return ReshareRefused(problem.Status, notification, problem.Detail);
        }

        Log.Reshare(logger, type, notification.ProviderId, shareWith, $"share {reshare.Id} now allows {string.Join(", ", SharePermissionNames.ToNames(permissions))}");
        return null;
    }

    private IResult ReshareRefused(int status, NewNotification notification, string message, OcmValidationError? error = null)
    {
        Log.ReshareRefused(logger, notification.NotificationType, notification.ProviderId, status, message);
        return OcmApi.Error(status, message, error is null ? null : [error]);
    }

    private static partial class Log
    {
        [LoggerMessage(1330, LogLevel.Information, "{Type} for share {ProviderId} with {ShareWith}: {Result}")]
        public static partial void Reshare(ILogger logger, string type, string providerId, string shareWith, string result);

        [LoggerMessage(1331, LogLevel.Warning, "{Type} for share {ProviderId} refused with {Status}: {Reason}")]
        public static partial void ReshareRefused(ILogger logger, string type, string providerId, int status, string reason);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class NotificationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
