using System.Text.Json.Serialization;

namespace Ocm.Shares;

/// <summary><c>POST /api/v1/shares</c>.</summary>
internal sealed record CreateShareRequest
{
    /// <summary>Path of the file or folder in the owner's tree, e.g. <c>/Documents/report.pdf</c>.</summary>
    public string? Path { get; init; }

    /// <summary>The recipient's OCM address, <c>bob@cloud.example.org[:port]</c>.</summary>
    public string? ShareWith { get; init; }

    /// <summary>Any of <c>read</c>, <c>write</c>, <c>share</c>; default <c>["read"]</c>.</summary>
    public IReadOnlyList<string>? Permissions { get; init; }

    /// <summary>Expiry in seconds since the Unix epoch; absent = never.</summary>
    public long? Expiration { get; init; }

    /// <summary>
    /// True: the recipient must sign in with a second factor to open it (OCM <c>must-use-mfa</c>); only servers that
    /// advertise <c>enforce-mfa</c> can receive it. Always true when the server sets <c>Ocm:Shares:RequireMfa</c>.
    /// </summary>
    public bool? MustUseMfa { get; init; }
}

/// <summary><c>PATCH /api/v1/shares/{id}</c>: only what is given changes; <c>expiration: 0</c> removes the expiry.</summary>
internal sealed record UpdateShareRequest
{
    public IReadOnlyList<string>? Permissions { get; init; }

    public long? Expiration { get; init; }
}

/// <summary><c>PATCH /api/v1/reshares/{id}</c>: the permissions the reshare should give (never more than yours).</summary>
internal sealed record ChangeReshareRequest
{
    public IReadOnlyList<string>? Permissions { get; init; }
}

/// <summary>An outgoing share as its owner sees it.</summary>
/// <param name="Id">The share's id in this API.</param>
/// <param name="Path">Where the shared file or folder is now in the owner's tree; null once it is gone.</param>
/// <param name="Name">The name the recipient sees.</param>
/// <param name="ResourceType"><c>file</c> or <c>folder</c>.</param>
/// <param name="ShareWith">The recipient's address as normalised (host lower-cased, no scheme, no default port).</param>
/// <param name="Permissions">Any of <c>read</c>, <c>write</c>, <c>share</c>.</param>
/// <param name="Expiration">Expiry in seconds since the Unix epoch, if any.</param>
/// <param name="State"><c>pending-delivery</c>, <c>delivered</c>, <c>accepted</c>, <c>declined</c> or <c>failed: reason</c>.</param>
/// <param name="ProviderId">The id sent to the recipient's server.</param>
/// <param name="RecipientDisplayName">The recipient's name as their server reported it.</param>
/// <param name="Created">When the share was made.</param>
/// <param name="LastError">While <c>pending-delivery</c>: why the last attempt to deliver it failed, in words.</param>
/// <param name="NextAttemptAt">While <c>pending-delivery</c>: when it is tried next (sooner once the server answers again).</param>
/// <param name="NormalizedFrom">Only in the answer to creating it: the address as typed, when it differs from <paramref name="ShareWith"/>.</param>
internal sealed record ShareView(
    long Id,
    string? Path,
    string Name,
    string ResourceType,
    string ShareWith,
    IReadOnlyList<string> Permissions,
    long? Expiration,
    string State,
    string ProviderId,
    string? RecipientDisplayName,
    DateTimeOffset Created,
    string? LastError = null,
    DateTimeOffset? NextAttemptAt = null,
    string? NormalizedFrom = null)
{
    /// <summary>The recipient must sign in with a second factor to open it (OCM <c>must-use-mfa</c>).</summary>
    public bool MustUseMfa { get; init; }

    /// <summary>
    /// For a reshare (OCM §Resharing): the recipient of the owner's share who asked for this one (REQUEST_RESHARE); the
    /// owner sees it among their shares, "reshared by" them, and may revoke it.
    /// </summary>
    public string? ResharedBy { get; init; }

    /// <summary>
    /// Only in the answer to sharing something another server shared with you: the owner's server was asked to share
    /// it (REQUEST_RESHARE); <c>id</c> is the reshare's (<c>GET /api/v1/reshares</c>), not a share's.
    /// </summary>
    public bool ReshareRequest { get; init; }
}

/// <summary>The <c>state</c> of a <see cref="ShareView"/>.</summary>
internal static class ShareStates
{
    public const string PendingDelivery = "pending-delivery";
    public const string Delivered = "delivered";
    public const string Accepted = "accepted";
    public const string Declined = "declined";

    /// <summary>A reshare asked of the owner's server (<see cref="ShareView.ReshareRequest"/>).</summary>
    public const string ReshareRequested = "reshare-requested";

    /// <summary>Followed by the reason, in words.</summary>
    public const string FailedPrefix = "failed: ";
}

/// <summary>The <c>state</c> of a <see cref="ReceivedShareView"/>.</summary>
internal static class ReceivedShareStates
{
    public const string Pending = "pending";
    public const string Accepted = "accepted";
    public const string Declined = "declined";

    /// <summary>The owner ended the share.</summary>
    public const string Unshared = "unshared";
}

/// <summary>A share offered to the signed-in user by someone on another server.</summary>
/// <param name="Id">The share's id in this API.</param>
/// <param name="Name">The name the owner gave it.</param>
/// <param name="ResourceType"><c>file</c> or <c>folder</c> (a folder announced as a file is shown as what it is).</param>
/// <param name="Owner">The owner's OCM address.</param>
/// <param name="OwnerDisplayName">The owner's name, as their server sent it.</param>
/// <param name="Sender">Who shared it (the owner, or someone resharing), as an OCM address.</param>
/// <param name="SenderDisplayName">The sender's name, as their server sent it.</param>
/// <param name="SenderServer">The sending server's authority (<c>host[:port]</c>).</param>
/// <param name="Permissions">Any of <c>read</c>, <c>write</c>, <c>share</c>.</param>
/// <param name="Expiration">Expiry in seconds since the Unix epoch, if any.</param>
/// <param name="State">One of <see cref="ReceivedShareStates"/>.</param>
/// <param name="Quarantined">From a sender who is not a contact: shown apart, marked unknown, until accepted.</param>
/// <param name="Created">When it arrived.</param>
/// <param name="WebApp">The sender's web app for it (<c>protocol.webapp.uri</c>), when it offered one we can open; else null.</param>
/// <param name="Path">
/// Where the share is in the user's files — <c>/Shared with me/{name}</c>, the path WebDAV serves it at, with " (2)"…
/// added to the name when an earlier accepted share has the same — while it is accepted and unexpired; else null.
/// </param>
/// <param name="DataTransfer">
/// The sender offers it for copying (OCM <c>accessTypes: ["datatx"]</c>); any share can be copied with
/// <c>POST /api/v1/received-shares/{id}/copy</c>.
/// </param>
internal sealed record ReceivedShareView(
    long Id,
    string Name,
    string ResourceType,
    string Owner,
    string? OwnerDisplayName,
    string Sender,
    string? SenderDisplayName,
    string SenderServer,
    IReadOnlyList<string> Permissions,
    long? Expiration,
    string State,
    bool Quarantined,
    string? Path,
    DateTimeOffset Created,
    bool DataTransfer,
    string? WebApp = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateShareRequest))]
[JsonSerializable(typeof(UpdateShareRequest))]
[JsonSerializable(typeof(ChangeReshareRequest))]
[JsonSerializable(typeof(ShareView))]
[JsonSerializable(typeof(List<ShareView>))]
[JsonSerializable(typeof(ReceivedShareView))]
[JsonSerializable(typeof(List<ReceivedShareView>))]
[JsonSerializable(typeof(ReshareView))]
[JsonSerializable(typeof(List<ReshareView>))]
internal sealed partial class SharesApiJsonContext : JsonSerializerContext;
