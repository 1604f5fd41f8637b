using System.Text.Json.Serialization;

namespace Ocm.Protocol.Discovery;

/// <summary>
/// The discovery document served at <c>/.well-known/ocm</c> (OCM §OCM API Discovery › Fields).
/// </summary>
/// <remarks>
/// Read leniently, as peers publish it: <c>endpoint</c> for <c>endPoint</c>; ownCloud 10's <c>shareTypes</c> key
/// and Seafile's single-object <c>resourceTypes</c>; string-or-array capabilities/criteria; legacy capability and
/// criterion names mapped to their 1.4 names (the renames of OCM 1.2 → 1.4, see <see cref="OcmCapabilities.Normalize"/> and
/// <see cref="OcmCriteria.Normalize"/>); <c>publicKey.id</c> and a bare PEM string accepted. Written strictly.
/// </remarks>
public sealed record DiscoveryDocument
{
    /// <summary>OCM enabled at this endpoint (REQUIRED).</summary>
    [JsonPropertyName("enabled")]
    public bool Enabled { get; init; }

    /// <summary>Implemented OCM API version, e.g. <c>1.4.0</c> (REQUIRED; informational only: peers report <c>1.0-proposal1</c> while supporting newer features).</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = string.Empty;

    /// <summary>Base URI of the OCM API, e.g. <c>https://cloud.example.org/ocm</c> (REQUIRED).</summary>
    [JsonPropertyName("endPoint")]
    public string EndPoint { get; init; } = string.Empty;

    /// <summary>Friendly brand name.</summary>
    [JsonPropertyName("provider")]
    public string? Provider { get; init; }

    /// <summary>One entry per resource type, for both roles (REQUIRED).</summary>
    [JsonPropertyName("resourceTypes")]
    public IReadOnlyList<ResourceTypeDescriptor> ResourceTypes { get; init; } = [];

    /// <summary>Optional features (OCM §OCM API Discovery › Fields, <c>capabilities</c>), normalized to 1.4 names.</summary>
    [JsonPropertyName("capabilities")]
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Admission rules for incoming shares (OCM §OCM API Discovery › Fields, <c>criteria</c>), normalized to 1.4 names.</summary>
    [JsonPropertyName("criteria")]
    public IReadOnlyList<string> Criteria { get; init; } = [];

    /// <summary>URL path of the local invite acceptance page (SHOULD with <c>invites</c>).</summary>
    [JsonPropertyName("inviteAcceptDialog")]
    public string? InviteAcceptDialog { get; init; }

    /// <summary>Absolute https URL of this server's JWK Set (MUST with <c>http-sig</c>).</summary>
    [JsonPropertyName("jwksUri")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "Wire value kept verbatim; see GetJwksUri().")]
    public string? JwksUri { get; init; }

    /// <summary>Absolute URL of the Code Flow token endpoint (MUST with <c>exchange-token</c>).</summary>
    [JsonPropertyName("tokenEndPoint")]
    public string? TokenEndPoint { get; init; }

    /// <summary>[legacy] draft-cavage RSA key (removed in 1.4; Nextcloud still publishes and reads it).</summary>
    [JsonPropertyName("publicKey")]
    public LegacyPublicKey? PublicKey { get; init; }

    /// <summary>[legacy] transitional key list of PR #305; ignore unless a peer sends it.</summary>
    [JsonPropertyName("publicKeys")]
    public IReadOnlyList<LegacyPublicKey>? PublicKeys { get; init; }

    /// <summary>True when <paramref name="capability"/> (any historical spelling) is advertised.</summary>
    public bool SupportsCapability(string capability) =>
        Capabilities.Contains(OcmCapabilities.Normalize(capability), StringComparer.Ordinal);

    /// <summary>True when <paramref name="criterion"/> (any historical spelling) is advertised.</summary>
    public bool HasCriterion(string criterion) =>
        Criteria.Contains(OcmCriteria.Normalize(criterion), StringComparer.Ordinal);

    /// <summary>The <c>endPoint</c> as an absolute URI with exactly one trailing slash, or null when unusable.</summary>
    public Uri? GetEndPointUri() => DiscoveryUris.AbsoluteWithTrailingSlash(EndPoint);

    /// <summary>The <c>jwksUri</c> as an absolute URI, or null.</summary>
    public Uri? GetJwksUri() => DiscoveryUris.Absolute(JwksUri);

    /// <summary>The <c>tokenEndPoint</c> as an absolute URI, or null.</summary>
    public Uri? GetTokenEndPointUri() => DiscoveryUris.Absolute(TokenEndPoint);

    /// <summary>The entry for <paramref name="resourceType"/>, or null.</summary>
    public ResourceTypeDescriptor? FindResourceType(string resourceType) =>
        ResourceTypes.FirstOrDefault(r => string.Equals(r.Name, resourceType, StringComparison.Ordinal));

    /// <summary>
    /// The absolute WebDAV root of this server: the <c>webdav</c> value of the entry for
    /// <paramref name="resourceType"/> (else the first entry that has one, as OCM §Resource Access step 1 reads <c>resourceTypes[0]</c>), resolved against the
    /// <c>endPoint</c>'s scheme and authority when it is a path (also Seafile's <c>seafdav</c> without leading
    /// slash), with exactly one trailing slash. Null when none is advertised or <c>endPoint</c> is unusable.
    /// </summary>
    public Uri? GetWebDavRoot(string? resourceType = null)
    {
        var entry = resourceType is null ? null : FindResourceType(resourceType);
        if (entry?.Protocols.WebDav is null)
        {
            entry = ResourceTypes.FirstOrDefault(r => r.Protocols.WebDav is not null);
        }

        var value = entry?.Protocols.WebDav;
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DiscoveryUris.Absolute(value) is { } absolute)
        {
            return DiscoveryUris.WithTrailingSlash(absolute);
        }

        if (DiscoveryUris.Absolute(EndPoint) is not { } endPoint)
        {
            return null;
        }

        var path = "/" + value.Trim().TrimStart('/');
        return DiscoveryUris.WithTrailingSlash(new Uri(endPoint, path));
    }

    /// <summary>
    /// Whether this server, as Receiving Server, accepts a share of <paramref name="resourceType"/> over
    /// <paramref name="protocol"/> for <paramref name="shareType"/> (OCM §Share Creation Notification: SHOULD NOT send what the receiver does not advertise): an entry with that name,
    /// the share type in its <c>shareTypes</c>, and a <c>&lt;protocol&gt;-receive</c> key. Peers that predate the
    /// <c>-receive</c> keys (none anywhere in the document) are assumed to receive <c>webdav</c> for every
    /// advertised resource type, and <c>file</c>/<c>user</c>/<c>webdav</c> is always assumed (backwards compatibility).
    /// </summary>
    public bool CanReceive(string resourceType, string protocol, string shareType = Shares.ShareTypes.User)
    {
        var isWebDav = string.Equals(protocol, Shares.ProtocolNames.WebDav, StringComparison.Ordinal);
        if (isWebDav && resourceType == Shares.ResourceTypes.File && shareType == Shares.ShareTypes.User)
        {
            return true;
        }

        var entry = FindResourceType(resourceType);
        if (entry is null || !entry.ShareTypes.Contains(shareType, StringComparer.Ordinal))
        {
            return false;
        }

        if (entry.Protocols.HasReceive(protocol))
        {
            return true;
        }

        var anyReceiveKey = ResourceTypes.Any(r => r.Protocols.HasAnyReceive);
        return isWebDav && !anyReceiveKey;
    }
}

/// <summary>One <c>resourceTypes[]</c> entry (OCM §OCM API Discovery › Fields).</summary>
public sealed record ResourceTypeDescriptor
{
    /// <summary><c>file</c>, <c>folder</c>, … (REQUIRED).</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>MUST contain <c>user</c>; defaults to <c>["user"]</c> when a legacy peer omits it.</summary>
    [JsonPropertyName("shareTypes")]
    public IReadOnlyList<string> ShareTypes { get; init; } = [Shares.ShareTypes.User];

    /// <summary>Protocol name → value; <c>-receive</c> keys for the receiving role (REQUIRED).</summary>
    [JsonPropertyName("protocols")]
    public DiscoveryProtocols Protocols { get; init; } = new();
}

/// <summary>[legacy] A draft-cavage public key from discovery (<c>publicKey</c> / <c>publicKeys[]</c>).</summary>
public sealed record LegacyPublicKey
{
    /// <summary>Key id, a URI like <c>https://host/ocm#signature</c> (read from <c>keyId</c> or <c>id</c>); null for a bare PEM.</summary>
    [JsonPropertyName("keyId")]
    public string? KeyId { get; init; }

    /// <summary>The PEM-encoded public key.</summary>
    [JsonPropertyName("publicKeyPem")]
    public required string PublicKeyPem { get; init; }

    /// <summary>Algorithm name (only in <c>publicKeys[]</c>).</summary>
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; init; }
}

internal static class DiscoveryUris
{
    public static Uri? Absolute(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && !string.IsNullOrEmpty(uri.Host)
            ? uri
            : null;

    public static Uri? AbsoluteWithTrailingSlash(string? value) => Absolute(value) is { } uri ? WithTrailingSlash(uri) : null;

    public static Uri WithTrailingSlash(Uri uri)
    {
        var builder = new UriBuilder(uri) { Path = uri.AbsolutePath.TrimEnd('/') + "/" };
        return builder.Uri;
    }
}
