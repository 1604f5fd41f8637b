using Ocm.Delivery;
using Ocm.Hosting;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Json;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.Shares;
using Ocm.Shares;

namespace Ocm.Notifications;

/// <summary>
/// Writes notifications to other servers into the outbox (so they commit with the change that caused them and
/// survive crashes). Adds what legacy peers require besides the signature: <c>notification.sharedSecret</c>,
/// <c>message</c>, <c>grantee</c> (reva).
/// </summary>
internal sealed class Notifier(Outbox outbox, SecretProtector secrets, OcmServerInfo server)
{
    public const OutboxMessageKind Kind = OutboxMessageKind.Notification;

    // --- as the receiving server, about a share we received ---

    public void ShareAccepted(ReceivedShare share, string recipientName) =>
        FromRecipient(share, recipientName, NotificationTypes.ShareAccepted, "Recipient accepted the share");

    public void ShareDeclined(ReceivedShare share, string recipientName) =>
        FromRecipient(share, recipientName, NotificationTypes.ShareDeclined, "Recipient declined the share");

    /// <summary>The recipient left an accepted share (SHARE_UNSHARED from the receiving side, OCM §Share Deletion).</summary>
    public void ShareLeft(ReceivedShare share, string recipientName) =>
        FromRecipient(share, recipientName, NotificationTypes.ShareUnshared, "Recipient removed the share");

    /// <summary>
    /// Asks the owner's server to share <paramref name="share"/> further (REQUEST_RESHARE, OCM §Resharing), in the shape
    /// Nextcloud sends and reads: <c>shareWith</c>, <c>senderId</c>, <c>shareType</c> beside the share's secret, plus
    /// the permissions asked for. Its fate is heard by the reshare listener (kind <see cref="OutboxMessageKind.Reshare"/>).
    /// </summary>
    public void RequestReshare(ReceivedShare share, Reshare reshare, string requesterName) =>
        outbox.Enqueue(share.SenderHost, OutboxMessageKind.Reshare, reshare.Id, OcmJson.Write(new NewNotification
        {
            NotificationType = NotificationTypes.RequestReshare,
            ResourceType = share.ResourceType,
            ProviderId = share.ProviderId,
            Notification = new NotificationDetails
            {
                SharedSecret = secrets.Unprotect(share.ProtectedSecret),
                Message = $"{requesterName}@{server.Authority} asks to share this with {reshare.ShareWith}",
                ShareWith = reshare.ShareWith,
                SenderId = $"{requesterName}@{server.Authority}",
                ShareType = ShareTypes.User,
                AdditionalData = new()
                {
                    ["permissions"] = System.Text.Json.JsonSerializer.SerializeToElement(
                        SharePermissionNames.ToNames(reshare.Permissions).ToArray(), NotificationsJsonContext.Default.StringArray),
                },
            },
        }));

    /// <summary>Takes back a reshare asked for earlier (RESHARE_UNDO): the share's id and secret, and whom it was for.</summary>
    public void ReshareUndo(ReceivedShare share, Reshare reshare, string requesterName) => Enqueue(share.SenderHost, share.Id, new NewNotification
    {
        NotificationType = NotificationTypes.ReshareUndo,
        ResourceType = share.ResourceType,
        ProviderId = share.ProviderId,
        Notification = new NotificationDetails
        {
            SharedSecret = secrets.Unprotect(share.ProtectedSecret),
            Message = $"{requesterName}@{server.Authority} no longer shares this with {reshare.ShareWith}",
            ShareWith = reshare.ShareWith,
            SenderId = $"{requesterName}@{server.Authority}",
            ShareType = ShareTypes.User,
        },
    });

    /// <summary>
    /// Asks the owner's server to change what a reshare allows (RESHARE_CHANGE_PERMISSION from the resharer, OCM
    /// §Resharing): the share's id and secret, whom the reshare is for, and the permissions wanted. Its fate is heard by
    /// the reshare-change listener (kind <see cref="OutboxMessageKind.ReshareChange"/>), which applies them once granted.
    /// </summary>
    public void ReshareChangePermission(ReceivedShare share, Reshare reshare, SharePermissions permissions, string requesterName) =>
        outbox.Enqueue(share.SenderHost, OutboxMessageKind.ReshareChange, reshare.Id, OcmJson.Write(new NewNotification
        {
            NotificationType = NotificationTypes.ReshareChangePermission,
            ResourceType = share.ResourceType,
            ProviderId = share.ProviderId,
            Notification = new NotificationDetails
            {
                SharedSecret = secrets.Unprotect(share.ProtectedSecret),
                Message = $"{requesterName}@{server.Authority} changes what {reshare.ShareWith} may do",
                ShareWith = reshare.ShareWith,
                SenderId = $"{requesterName}@{server.Authority}",
                ShareType = ShareTypes.User,
                AdditionalData = new()
                {
                    ["permissions"] = System.Text.Json.JsonSerializer.SerializeToElement(
                        SharePermissionNames.ToNames(permissions).ToArray(), NotificationsJsonContext.Default.StringArray),
                },
            },
        }));

    // --- as the sending server, about a share we sent ---

    public void ShareUnshared(OutgoingShare share) => Enqueue(share.RecipientHost, share.Id, new NewNotification
    {
        NotificationType = NotificationTypes.ShareUnshared,
        ResourceType = share.ResourceType,
        ProviderId = share.ProviderId,
        Notification = new NotificationDetails
        {
            SharedSecret = secrets.DeriveShareSecret(share.ProviderId),
            Message = "The owner removed the share",
            Grantee = share.ShareWith,
        },
    });

    /// <summary>
    /// Permissions or expiry changed. Nextcloud and ownCloud 10 name it RESHARE_CHANGE_PERMISSION, reva-family peers
    /// SHARE_CHANGE_PERMISSION (as reva spells it); the new protocol block and <c>expiration</c> ride along.
    /// </summary>
    public void PermissionsChanged(OutgoingShare share)
    {
        var legacy = share.Dialect == ShareDialect.NextcloudLegacy;
        var details = new NotificationDetails
        {
            SharedSecret = secrets.DeriveShareSecret(share.ProviderId),
            Message = "The owner changed the share",
            Grantee = share.ShareWith,
            Protocol = new ShareProtocol
            {
                WebDav = new WebDavProtocol
                {
                    Uri = share.ProviderId,
                    SharedSecret = secrets.DeriveShareSecret(share.ProviderId),
                    Permissions = SharePermissionNames.ToNames(share.Permissions),
                    Requirements = Shares.SharePayload.Requirements(share.MustExchangeToken, share.MustUseMfa),
                },
            },
            AdditionalData = new()
            {
                ["expiration"] = System.Text.Json.JsonSerializer.SerializeToElement(
                    share.Expiration?.ToUnixTimeSeconds() ?? 0, NotificationsJsonContext.Default.Int64),
            },
        };
        Enqueue(share.RecipientHost, share.Id, new NewNotification
        {
            NotificationType = legacy ? NotificationTypes.ReshareChangePermission : NotificationTypes.ShareChangePermission,
            ResourceType = share.ResourceType,
            ProviderId = share.ProviderId,
            Notification = details,
        });
    }

    private void FromRecipient(ReceivedShare share, string recipientName, string type, string message) => Enqueue(share.SenderHost, share.Id, new NewNotification
    {
        NotificationType = type,
        ResourceType = share.ResourceType,
        ProviderId = share.ProviderId,
        Notification = new NotificationDetails
        {
            SharedSecret = secrets.Unprotect(share.ProtectedSecret),
            Message = message,
            Grantee = $"{recipientName}@{server.Authority}",
        },
    });

    private void Enqueue(string peer, long subjectId, NewNotification notification) =>
        outbox.Enqueue(peer, Kind, subjectId, OcmJson.Write(notification));
}

[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class NotificationsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
