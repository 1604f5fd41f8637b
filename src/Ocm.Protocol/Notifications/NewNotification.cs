using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Notifications;

/// <summary>
/// Body of <c>POST {endPoint}/notifications</c> (OCM §Share Acceptance Notification, and the <c>/notifications</c> path of the OCM OpenAPI document).
/// </summary>
/// <remarks>
/// Read leniently, as deployed peers send it: ocm-stub's <c>type</c> for <c>notificationType</c>, a numeric
/// <c>providerId</c>, and the reported 1.5 shape with <c>notification.file.providerId</c> and
/// <c>senderDomain</c> [1.5?]. Both <c>RESHARE_CHANGE_PERMISSION</c> and <c>SHARE_CHANGE_PERMISSION</c> are kept
/// as sent (see <see cref="NotificationTypes.IsPermissionChange"/>).
/// </remarks>
public sealed record NewNotification
{
    /// <summary>See <see cref="NotificationTypes"/> (REQUIRED).</summary>
    [JsonPropertyName("notificationType")]
    public required string NotificationType { get; init; }

    /// <summary><c>file</c>, <c>folder</c>, … or <c>user</c>; optional in the draft, required in spec.yaml: always sent, never required.</summary>
    [JsonPropertyName("resourceType")]
    public string? ResourceType { get; init; }

    /// <summary>The sender's share id copied from the share (or the user id for <c>USER_REMOVED</c>) (REQUIRED).</summary>
    [JsonPropertyName("providerId")]
    public required string ProviderId { get; init; }

    /// <summary>Type-specific parameters (free-form in the baseline).</summary>
    [JsonPropertyName("notification")]
    public NotificationDetails? Notification { get; init; }

    /// <summary>[1.5?] The sending server's domain, read only (not part of 1.4, never written).</summary>
    [JsonIgnore]
    public string? SenderDomain { get; init; }
}

/// <summary>
/// The free-form inner <c>notification</c> object, with the members real peers use:
/// Nextcloud authenticates with <c>sharedSecret</c>, oCIS needs <c>grantee</c>, permission changes carry a
/// <c>protocol</c>. Anything else is kept in <see cref="AdditionalData"/>.
/// </summary>
public sealed record NotificationDetails
{
    /// <summary><c>message</c>: a sentence for people (Nextcloud sends e.g. "Recipient accepted the share"); null when absent.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>The share's secret (Nextcloud, ownCloud 10 and Seafile require it).</summary>
    [JsonPropertyName("sharedSecret")]
    public string? SharedSecret { get; init; }

    /// <summary>The recipient's OCM Address (oCIS requires it for unshare / permission change).</summary>
    [JsonPropertyName("grantee")]
    public string? Grantee { get; init; }

    /// <summary>New access details on a permission change (same shape as a share's <c>protocol</c>).</summary>
    [JsonPropertyName("protocol")]
    public ShareProtocol? Protocol { get; init; }

    /// <summary>For <c>REQUEST_RESHARE</c> (Nextcloud): who the reshare is for.</summary>
    [JsonPropertyName("shareWith")]
    public string? ShareWith { get; init; }

    /// <summary>For <c>REQUEST_RESHARE</c> (Nextcloud): the requesting user.</summary>
    [JsonPropertyName("senderId")]
    public string? SenderId { get; init; }

    /// <summary>For <c>REQUEST_RESHARE</c> (Nextcloud): the share type.</summary>
    [JsonPropertyName("shareType")]
    public string? ShareType { get; init; }

    /// <summary>Members not modelled above, kept verbatim.</summary>
    [JsonExtensionData]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "System.Text.Json extension data must be settable.")]
    public Dictionary<string, JsonElement>? AdditionalData { get; set; }
}

/// <summary>Notification types (OCM §IANA Considerations › OCM Notification Types Registry).</summary>
public static class NotificationTypes
{
    /// <summary>Recipient accepted the share.</summary>
    public const string ShareAccepted = "SHARE_ACCEPTED";

    /// <summary>Recipient declined the share.</summary>
    public const string ShareDeclined = "SHARE_DECLINED";

    /// <summary>Share removed by either side.</summary>
    public const string ShareUnshared = "SHARE_UNSHARED";

    /// <summary>Ask the owner to re-share (experimental).</summary>
    public const string RequestReshare = "REQUEST_RESHARE";

    /// <summary>Undo a reshare request (experimental).</summary>
    public const string ReshareUndo = "RESHARE_UNDO";

    /// <summary>Permission change, spec name (experimental).</summary>
    public const string ReshareChangePermission = "RESHARE_CHANGE_PERMISSION";

    /// <summary>Permission change as oCIS / OpenCloud reva send it; the registry spells it <c>RESHARE_CHANGE_PERMISSION</c>.</summary>
    public const string ShareChangePermission = "SHARE_CHANGE_PERMISSION";

    /// <summary>Trusted user removed (only in the OCM OpenAPI document, not in the registry).</summary>
    public const string UserRemoved = "USER_REMOVED";

    /// <summary>[1.5?] Request-for-share as a notification.</summary>
    public const string RequestShare = "REQUEST_SHARE";

    /// <summary>True for both spellings of the permission-change notification.</summary>
    public static bool IsPermissionChange(string notificationType) =>
        notificationType is ReshareChangePermission or ShareChangePermission;
}

/// <summary>
/// The notification shape of OCM 1.5 [1.5?]: a top-level <c>senderDomain</c> naming the sending server, which a receiver
/// checks against the signer. Sent only to peers whose discovery says they speak 1.5 or later; older peers get the
/// notification exactly as before.
/// </summary>
public static class Ocm15Notifications
{
    /// <summary>True when <paramref name="apiVersion"/> (a discovery <c>apiVersion</c>) is 1.5 or later.</summary>
    public static bool Speaks15(string? apiVersion)
    {
        var parts = (apiVersion ?? string.Empty).Split('.', 3);
        return parts.Length >= 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major)
            && int.TryParse(new string([.. parts[1].TakeWhile(char.IsAsciiDigit)]), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minor)
            && (major > 1 || (major == 1 && minor >= 5));
    }

    /// <summary>
    /// <paramref name="notification"/> (a notification's JSON) with <c>senderDomain</c> set to
    /// <paramref name="senderDomain"/>; unchanged when it is not a JSON object.
    /// </summary>
    public static byte[] WithSenderDomain(byte[] notification, string senderDomain)
    {
        System.Text.Json.Nodes.JsonNode? node;
        try
        {
            node = System.Text.Json.Nodes.JsonNode.Parse(notification);
        }
        catch (JsonException)
        {
            return notification;
        }

        if (node is not System.Text.Json.Nodes.JsonObject root)
        {
            return notification;
        }

        root["senderDomain"] = senderDomain;
        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
