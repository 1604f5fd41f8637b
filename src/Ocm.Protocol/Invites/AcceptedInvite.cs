using System.Text.Json.Serialization;

namespace Ocm.Protocol.Invites;

/// <summary>
/// Body of <c>POST {endPoint}/invite-accepted</c> (OCM §Invite Flow › Invite Acceptance Request Details): every field is a REQUIRED string.
/// </summary>
/// <remarks>
/// Read leniently: <c>userId</c> (Nextcloud server) is accepted for <c>userID</c>;
/// <c>recipientProvider</c> is normalized (scheme and trailing slash stripped, host lower-cased: some peers send a URL); a
/// <c>userID</c> that repeats <c>@recipientProvider</c> (oCIS/OpenCloud) is reduced to the bare id.
/// </remarks>
public sealed record AcceptedInvite
{
    /// <summary>FQDN (optionally with port) of the Invite Receiver's server.</summary>
    [JsonPropertyName("recipientProvider")]
    public required string RecipientProvider { get; init; }

    /// <summary>The Invite Token.</summary>
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    /// <summary>The Invite Receiver's identifier at their server (<c>userID@recipientProvider</c> is their OCM Address).</summary>
    [JsonPropertyName("userID")]
    public required string UserId { get; init; }

    /// <summary>Informational e-mail address of the Invite Receiver.</summary>
    [JsonPropertyName("email")]
    public required string Email { get; init; }

    /// <summary>Display name suggestion for the inviter's address book.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }
}

/// <summary>Answer to an accepted invite (OCM §Invite Flow › Invite Acceptance Response Details): the Invite Sender's identity.</summary>
public sealed record AcceptedInviteResponse
{
    /// <summary>The Invite Sender's identifier at their server (numbers are accepted on read).</summary>
    [JsonPropertyName("userID")]
    public required string UserId { get; init; }

    /// <summary>The Invite Sender's e-mail address.</summary>
    [JsonPropertyName("email")]
    public required string Email { get; init; }

    /// <summary>The Invite Sender's display name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }
}
