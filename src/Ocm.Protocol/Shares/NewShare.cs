using System.Text.Json.Serialization;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Shares;

/// <summary>
/// The Share Creation Notification, body of <c>POST {endPoint}/shares</c> (OCM §Share Creation Notification › Fields).
/// </summary>
/// <remarks>
/// Every dialect deployed peers send is read into this one normalized shape: <c>sharedBy</c> /
/// <c>sharedByDisplayName</c> become <see cref="Sender"/> / <see cref="SenderDisplayName"/> (falling back to
/// <see cref="Owner"/>), a numeric <c>providerId</c> becomes a string, addresses lose schemes and duplicated
/// hosts. What is written is exactly OCM 1.4 unless a legacy <see cref="ShareDialect"/> is asked for.
/// </remarks>
public sealed record NewShare
{
    /// <summary>The recipient user or group at the Receiving Server (REQUIRED).</summary>
    [JsonPropertyName("shareWith")]
    public required OcmAddress ShareWith { get; init; }

    /// <summary>The resource name, e.g. <c>report.pdf</c> (REQUIRED).</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Free text (OPTIONAL).</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>The sender's opaque id of the share, unique per resource and per share (REQUIRED).</summary>
    [JsonPropertyName("providerId")]
    public required string ProviderId { get; init; }

    /// <summary>The resource owner (REQUIRED).</summary>
    [JsonPropertyName("owner")]
    public required OcmAddress Owner { get; init; }

    /// <summary>The user who shares; its host is used for discovery, JWKS and WebDAV (REQUIRED).</summary>
    [JsonPropertyName("sender")]
    public required OcmAddress Sender { get; init; }

    /// <summary>The owner's display name (OPTIONAL).</summary>
    [JsonPropertyName("ownerDisplayName")]
    public string? OwnerDisplayName { get; init; }

    /// <summary>The sender's display name (OPTIONAL).</summary>
    [JsonPropertyName("senderDisplayName")]
    public string? SenderDisplayName { get; init; }

    /// <summary><c>user</c>, <c>group</c> or another registered share type (REQUIRED, see <see cref="ShareTypes"/>).</summary>
    [JsonPropertyName("shareType")]
    public required string ShareType { get; init; }

    /// <summary><c>file</c>, <c>folder</c> or another registered resource type (REQUIRED, see <see cref="ResourceTypes"/>).</summary>
    [JsonPropertyName("resourceType")]
    public required string ResourceType { get; init; }

    /// <summary>Expiry in seconds since the Unix epoch (OPTIONAL; absent = never).</summary>
    [JsonPropertyName("expiration")]
    public long? Expiration { get; init; }

    /// <summary>How the resource can be accessed (REQUIRED).</summary>
    [JsonPropertyName("protocol")]
    public required ShareProtocol Protocol { get; init; }

    /// <summary>
    /// The expiration as a timestamp, or null when the share does not expire (or the value is not a time at all, which
    /// <see cref="ShareValidator"/> refuses).
    /// </summary>
    [JsonIgnore]
    public DateTimeOffset? ExpiresAt => Expiration is { } seconds && UnixTime.TryToDateTimeOffset(seconds, out var at) ? at : null;
}

/// <summary>The 201 answer to a Share Creation Notification (OCM §Share Creation Notification › Response).</summary>
public sealed record ShareCreatedResponse
{
    /// <summary>The recipient's display name (the draft makes it REQUIRED; the OpenAPI document only says "might contain": tolerate absence on read).</summary>
    [JsonPropertyName("recipientDisplayName")]
    public string? RecipientDisplayName { get; init; }

    /// <summary>
    /// The recipient server's SSH public keys, MUST be present when the share used <c>ssh</c>. Written as
    /// an array of OpenSSH public-key lines; a single string (the draft's "string field") is accepted on read.
    /// </summary>
    [JsonPropertyName("recipientPublicKeys")]
    public IReadOnlyList<string>? RecipientPublicKeys { get; init; }
}
