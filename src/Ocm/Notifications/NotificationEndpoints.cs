using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Json;
using Ocm.Protocol.Notifications;
using Ocm.Signatures;

namespace Ocm.Notifications;

/// <summary>Handles some notification types; each feature registers its own (shares, contacts).</summary>
internal interface INotificationHandler
{
    bool Handles(string notificationType);

    /// <summary>Applies the notification; returns an error result (403 when the caller is not the counter-party) or null for 201.</summary>
    Task<IResult?> HandleAsync(NewNotification notification, OcmRequest request, OcmDb db, CancellationToken cancellationToken);
}

/// <summary>
/// <c>POST /ocm/notifications</c> (OCM §Share Acceptance Notification): authenticated by a verified signature or, for legacy peers that cannot sign,
/// <c>notification.sharedSecret</c> (checked by the handler against the share; see <see cref="UnsignedNotifications"/>, R84). A valid notification always gets 201
/// — Nextcloud refuses to use a share whose acceptance got anything else.
/// </summary>
internal static partial class NotificationEndpoints
{
    private static readonly HashSet<string> Experimental = new(StringComparer.Ordinal)
    {
        NotificationTypes.RequestShare,
    };

    public static IEndpointRouteBuilder MapOcmNotifications(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ocm/notifications", ReceiveAsync).RequireOcmAuthentication().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        OcmDb db,
        IEnumerable<INotificationHandler> handlers,
        UnsignedNotifications unsigned,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Ocm.Notifications");
        var request = context.GetOcmRequest();
        var read = OcmJson.ValidateNotification(request.Body);
        if (!read.IsValid)
        {
            Log.Refused(logger, read.SuggestedStatusCode, read.Error.Message);
            return OcmApi.Error(read.SuggestedStatusCode, read.Error);
        }

        var notification = read.Value;

        // OCM 1.5 [1.5?]: senderDomain, when given, names the sending server and must be the server that signed.
        if (notification.SenderDomain is { } senderDomain && request.IsSigned && !request.IsConsistentWith(senderDomain))
        {
            Log.Refused(logger, 403, $"senderDomain {senderDomain} but signed by {request.SignerHost}");
            return OcmApi.Error(StatusCodes.Status403Forbidden,
                $"senderDomain '{senderDomain}' does not match the server that signed the notification ({request.SignerHost}).",
                [new Protocol.Errors.OcmValidationError("senderDomain", $"INVALID: the notification is signed by {request.SignerHost}.")]);
        }

        var handler = handlers.FirstOrDefault(h => h.Handles(notification.NotificationType));
        if (handler is null)
        {
            var experimental = Experimental.Contains(notification.NotificationType);
            Log.Refused(logger, experimental ? 501 : 400, $"notification type {notification.NotificationType}");
            return experimental
                ? OcmApi.Error(StatusCodes.Status501NotImplemented, $"Notification type {notification.NotificationType} is not supported by this server.")
                : OcmApi.Error(StatusCodes.Status400BadRequest, $"Unknown notification type '{notification.NotificationType}'.",
                    [new Protocol.Errors.OcmValidationError("notificationType", "UNKNOWN: not a notification type this server knows.")]);
        }

        if (!request.IsSigned && unsigned.Precheck(notification.NotificationType, notification.Notification?.SharedSecret) is { } refusal)
        {
            return refusal;
        }

        var failure = await handler.HandleAsync(notification, request, db, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        Log.Handled(logger, notification.NotificationType, request.SignerHost ?? "(unsigned)");
        return new OcmApi.JsonBytesResult(StatusCodes.Status201Created, "{}"u8.ToArray());
    }

    private static partial class Log
    {
        [LoggerMessage(1700, LogLevel.Information, "Notification {Type} from {Signer} applied")]
        public static partial void Handled(ILogger logger, string type, string signer);

        [LoggerMessage(1701, LogLevel.Warning, "Refused a notification with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, int status, string reason);
    }
}
