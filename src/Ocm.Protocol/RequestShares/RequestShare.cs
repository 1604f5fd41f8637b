using System.Text.Json.Serialization;
using Ocm.Protocol.Addressing;

namespace Ocm.Protocol.RequestShares;

/// <summary>
/// Body of <c>POST {endPoint}/request-share</c> (OCM 1.4 §Request for a Share). The legacy -04 draft's
/// <c>shareId</c> is read as <see cref="Share"/>.
/// </summary>
public sealed record RequestShare
{
    /// <summary>The user asked to share (REQUIRED).</summary>
    [JsonPropertyName("owner")]
    public required OcmAddress Owner { get; init; }

    /// <summary>The user or group who wants the share (REQUIRED).</summary>
    [JsonPropertyName("shareWith")]
    public required OcmAddress ShareWith { get; init; }

    /// <summary>The resource identifier: an opaque id or a URL (REQUIRED).</summary>
    [JsonPropertyName("share")]
    public required string Share { get; init; }
}
