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
}

/// <summary><c>PATCH /api/v1/shares/{id}</c>: only what is given changes; <c>expiration: 0</c> removes the expiry.</summary>
internal sealed record UpdateShareRequest
{
    public IReadOnlyList<string>? Permissions { get; init; }

    public long? Expiration { get; init; }
}

/// <summary>An outgoing share as its owner sees it.</summary>
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
    DateTimeOffset Created);

/// <summary>A share offered to the signed-in user by someone on another server.</summary>
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
    DateTimeOffset Created);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateShareRequest))]
[JsonSerializable(typeof(UpdateShareRequest))]
[JsonSerializable(typeof(ShareView))]
[JsonSerializable(typeof(List<ShareView>))]
[JsonSerializable(typeof(ReceivedShareView))]
[JsonSerializable(typeof(List<ReceivedShareView>))]
internal sealed partial class SharesApiJsonContext : JsonSerializerContext;
