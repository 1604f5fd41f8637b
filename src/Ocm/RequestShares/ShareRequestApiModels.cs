using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ocm.RequestShares;

/// <summary><c>POST /api/v1/share-requests/outgoing</c>: ask someone on another server for a resource.</summary>
internal sealed record SendShareRequestBody
{
    /// <summary>The OCM address of the person asked, e.g. <c>alice@cloud.example.org</c>.</summary>
    public string? Owner { get; init; }

    /// <summary>What is asked for, as the owner knows it: a path such as <c>/Projects/report.md</c>, an id or a link.</summary>
    public string? Resource { get; init; }
}

/// <summary>
/// <c>POST /api/v1/share-requests/{id}/accept</c>: the owner shares what was asked for. Without <see cref="Path"/> the
/// requested resource is taken as a path in the owner's files.
/// </summary>
internal sealed record AcceptShareRequestBody
{
    /// <summary>The file or folder to share, e.g. <c>/Projects/report.md</c>; default the request's resource.</summary>
    public string? Path { get; init; }

    /// <summary>Any of <c>read</c>, <c>write</c>, <c>share</c>; default <c>["read"]</c>.</summary>
    public IReadOnlyList<string>? Permissions { get; init; }

    /// <summary>Expiry in seconds since the Unix epoch; absent = never.</summary>
    public long? Expiration { get; init; }
}

/// <summary>A request the signed-in user sent to someone on another server.</summary>
/// <param name="Id">The request's id in this API.</param>
/// <param name="Owner">Who was asked (OCM address).</param>
/// <param name="Resource">What was asked for.</param>
/// <param name="State"><c>sent</c>, <c>fulfilled</c> (a share from the owner arrived) or <c>failed</c>.</param>
/// <param name="Reason">For <c>failed</c>: why, in words.</param>
/// <param name="ReceivedShareId">For <c>fulfilled</c>: the received share (<c>/api/v1/received-shares/{id}</c>).</param>
/// <param name="Created">When it was sent.</param>
/// <param name="Updated">When its state last changed.</param>
internal sealed record OutgoingShareRequestView(
    long Id,
    string Owner,
    string Resource,
    string State,
    string? Reason,
    long? ReceivedShareId,
    DateTimeOffset Created,
    DateTimeOffset Updated);

/// <summary>
/// A share request as the owner sees it; <c>shareId</c> (for <c>fulfilled</c>) is the share made for it
/// (<c>/api/v1/shares/{id}</c>), null once revoked.
/// </summary>
internal sealed record ShareRequestView(
    long Id,
    string Requester,
    string Resource,
    string Server,
    bool Signed,
    bool FromContact,
    DateTimeOffset Received,
    int Count,
    string State,
    DateTimeOffset? Closed,
    long? ShareId = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<ShareRequestView>))]
[JsonSerializable(typeof(ShareRequestView))]
[JsonSerializable(typeof(SendShareRequestBody))]
[JsonSerializable(typeof(AcceptShareRequestBody))]
[JsonSerializable(typeof(OutgoingShareRequestView))]
[JsonSerializable(typeof(List<OutgoingShareRequestView>))]
internal sealed partial class RequestSharesJsonContext : JsonSerializerContext;
