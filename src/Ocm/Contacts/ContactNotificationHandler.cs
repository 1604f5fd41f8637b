using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Notifications;
using Ocm.Signatures;

namespace Ocm.Contacts;

/// <summary>
/// <c>USER_REMOVED</c> (only in the OCM 1.4 OpenAPI document): a remote user removed one of our users from their contacts. We reciprocate
/// ("receiver MAY reciprocate"): the remote user (<c>providerId</c>, at the signing server) leaves the address book of
/// the local user named in <c>notification.grantee</c>, removed through <see cref="ContactBook"/> as any other removal.
/// Only signed notifications are honoured (there is no share secret to prove who sends it); without a grantee of ours
/// nothing changes. Always 201 once authenticated.
/// </summary>
internal sealed partial class ContactNotificationHandler(ContactBook contacts, OcmServerInfo server, ILogger<ContactNotificationHandler> logger) : INotificationHandler
{
    public bool Handles(string notificationType) => notificationType == NotificationTypes.UserRemoved;

    public async Task<IResult?> HandleAsync(NewNotification notification, OcmRequest request, OcmDb db, CancellationToken cancellationToken)
    {
        if (!request.IsSigned)
        {
            return OcmApi.Error(StatusCodes.Status401Unauthorized, "USER_REMOVED must carry an HTTP message signature of the sending server.");
        }

        var signer = request.SignerHost!;
        var grantee = notification.Notification?.Grantee;
        if (!OcmAddress.TryParse(grantee, out var local) || !local.IsAt(server.Authority))
        {
            Log.Ignored(logger, signer);
            return null;
        }

        // providerId is the remote user's id as exchanged in the invite (it may itself contain '@').
        if (!OcmAddress.TryParse(notification.ProviderId + "@" + signer, out var remote))
        {
            return null;
        }

        var removed = await contacts.RemoveOnTheirRequestAsync(local.Identifier, remote, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        Log.Reciprocated(logger, signer, removed);
        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(1610, LogLevel.Information, "USER_REMOVED from {Server} names no local user; nothing changed")]
        public static partial void Ignored(ILogger logger, string server);

        [LoggerMessage(1611, LogLevel.Information, "USER_REMOVED from {Server}: {Count} contact(s) removed in return")]
        public static partial void Reciprocated(ILogger logger, string server, int count);
    }
}
