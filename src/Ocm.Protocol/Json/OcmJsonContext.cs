using System.Text.Json.Serialization;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Invites;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.RequestShares;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Tokens;

namespace Ocm.Protocol.Json;

/// <summary>
/// The source-generated <c>System.Text.Json</c> context for every OCM wire type: property names are pinned with
/// <c>[JsonPropertyName]</c>, nulls are omitted. Use it to write strictly (e.g. add it to ASP.NET Core's
/// <c>TypeInfoResolverChain</c>); read untrusted input through <see cref="OcmJson"/>, which is lenient and
/// validates.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = OcmJson.MaxDepth,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(DiscoveryDocument))]
[JsonSerializable(typeof(NewShare))]
[JsonSerializable(typeof(ShareCreatedResponse))]
[JsonSerializable(typeof(NewNotification))]
[JsonSerializable(typeof(AcceptedInvite))]
[JsonSerializable(typeof(AcceptedInviteResponse))]
[JsonSerializable(typeof(RequestShare))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(OAuthError))]
[JsonSerializable(typeof(OcmError))]
public sealed partial class OcmJsonContext : JsonSerializerContext;
