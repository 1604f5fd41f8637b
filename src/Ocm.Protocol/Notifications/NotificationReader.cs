using System.Text.Json;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Notifications;

/// <summary>Maps the notification dialects deployed peers send (and the reported OCM 1.5 shape) onto <see cref="NewNotification"/>.</summary>
internal static class NotificationReader
{
    private static readonly HashSet<string> ModelledMembers = new(StringComparer.Ordinal)
    {
        "message", "sharedSecret", "grantee", "protocol", "shareWith", "senderId", "shareType",
    };

    public static OcmReadResult<NewNotification> Read(JsonElement root)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);

        // ocm-stub sends `type`.
        var type = o.String("notificationType", required: true, "type");
        var resourceType = o.String("resourceType", required: false);
        var details = o.Object("notification", required: false);

        var providerId = o.StringOrNumber("providerId", required: false);
        if (providerId is null && !errors.Has("providerId"))
        {
            // [1.5?] reported shape: notification.file.providerId (top-level providerId deprecated).
            providerId = details?.Object("file", required: false)?.LenientString("providerId");
            if (string.IsNullOrWhiteSpace(providerId))
            {
                providerId = null;
                errors.Invalid("providerId", ValidationMessages.Required);
            }
        }

        var senderDomain = o.LenientString("senderDomain");
        var notification = details is { } d ? ReadDetails(d) : null;

        if (type is null || providerId is null)
        {
            return OcmReadResult<NewNotification>.From(null, errors);
        }

        return OcmReadResult<NewNotification>.From(
            new NewNotification
            {
                NotificationType = type,
                ResourceType = resourceType,
                ProviderId = providerId,
                Notification = notification,
                SenderDomain = senderDomain,
            },
            errors);
    }

    private static NotificationDetails ReadDetails(JsonObjectReader d)
    {
        // The inner object is free-form in the spec: read what peers use, never fail on its contents.
        var scratch = new JsonObjectReader(d.Element, string.Empty, new ValidationCollector());
        var protocol = scratch.Object("protocol", required: false) is { } p ? ShareReader.ReadProtocol(p) : null;

        Dictionary<string, JsonElement>? additional = null;
        foreach (var member in d.Element.EnumerateObject())
        {
            if (!ModelledMembers.Contains(member.Name))
            {
                additional ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                additional[member.Name] = member.Value.Clone();
            }
        }

        return new NotificationDetails
        {
            Message = scratch.LenientString("message"),
            SharedSecret = scratch.LenientString("sharedSecret"),
            Grantee = scratch.LenientString("grantee"),
            Protocol = protocol,
            ShareWith = scratch.LenientString("shareWith"),
            SenderId = scratch.LenientString("senderId"),
            ShareType = scratch.LenientString("shareType"),
            AdditionalData = additional,
        };
    }
}
