using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ocm.Protocol.Shares;

/// <summary>
/// The <c>protocol</c> object of a share (OCM §Share Creation Notification › Fields, <c>protocol</c>): <c>name</c> plus one object per offered protocol.
/// </summary>
/// <remarks>
/// Read leniently: the legacy 1.0 form <c>{"name":"webdav","options":{"sharedSecret",...}}</c> becomes a
/// <see cref="WebDav"/> access with <see cref="WebDavProtocol.Uri"/> null and
/// <see cref="WebDavProtocol.IsLegacy"/> set (resolve the URL from the sender's discovery, use Basic auth, OCM §Resource Access
/// step 5); the legacy <c>datatx</c> protocol becomes a WebDAV access with <c>accessTypes: ["datatx"]</c>
/// when no <c>webdav</c> object is present; a missing <c>name</c> is treated as <c>multi</c> (the spec marks it REQUIRED yet calls <c>multi</c> the default). Unknown
/// protocols are kept in <see cref="OtherProtocols"/> and written back unchanged.
/// </remarks>
public sealed record ShareProtocol
{
    /// <summary><c>multi</c> (preferred, the default when absent) or the single protocol's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = ProtocolNames.Multi;

    /// <summary>WebDAV access.</summary>
    [JsonPropertyName("webdav")]
    public WebDavProtocol? WebDav { get; init; }

    /// <summary>WebApp access (1.4 form).</summary>
    [JsonPropertyName("webapp")]
    public WebAppProtocol? WebApp { get; init; }

    /// <summary>
    /// A ≤1.3 <c>webapp</c> object (<c>uriTemplate</c>/<c>viewMode</c>, relative <c>uri</c>, no <c>targets</c>) as
    /// oCIS and older peers send it: kept for information, not usable with the 1.4 Code Flow, never written.
    /// </summary>
    [JsonIgnore]
    public WebAppProtocol? LegacyWebApp { get; init; }

    /// <summary>SSH access.</summary>
    [JsonPropertyName("ssh")]
    public SshProtocol? Ssh { get; init; }

    /// <summary>Protocols this library does not model (e.g. <c>talk</c>, <c>embedded</c>), kept verbatim.</summary>
    [JsonExtensionData]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "System.Text.Json extension data must be settable.")]
    public Dictionary<string, JsonElement>? OtherProtocols { get; set; }

    /// <summary>True when the peer sent the deprecated <c>name</c> + <c>options</c> form (read only).</summary>
    [JsonIgnore]
    public bool IsLegacyOptionsForm { get; init; }

    /// <summary>The names of the protocols offered, known ones first.</summary>
    [JsonIgnore]
    public IEnumerable<string> OfferedProtocols
    {
        get
        {
            if (WebDav is not null)
            {
                yield return ProtocolNames.WebDav;
            }

            if (WebApp is not null)
            {
                yield return ProtocolNames.WebApp;
            }

            if (Ssh is not null)
            {
                yield return ProtocolNames.Ssh;
            }

            foreach (var other in OtherProtocols?.Keys ?? Enumerable.Empty<string>())
            {
                yield return other;
            }
        }
    }
}

/// <summary><c>protocol.webdav</c> (OCM §Share Creation Notification › Fields).</summary>
public sealed record WebDavProtocol
{
    /// <summary>
    /// A relative id (prefixed with the sender's discovered WebDAV root) or an absolute URL (OCM §Resource Access step 4).
    /// Null only for legacy <c>options</c> shares, whose URL is the sender's WebDAV root itself.
    /// Read from <c>uri</c>, oCIS's <c>url</c> or the stub's <c>URI</c>.
    /// </summary>
    [JsonPropertyName("uri")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "The wire value may be a relative id, not a URI.")]
    public string? Uri { get; init; }

    /// <summary>Bearer secret / authorization code; REQUIRED in 1.4, never put in a URI.</summary>
    [JsonPropertyName("sharedSecret")]
    public required string SharedSecret { get; init; }

    /// <summary><c>read</c>, <c>write</c>, <c>share</c>; defaults to <c>["read"]</c> when absent on read (OPTIONAL in the draft, required by the OpenAPI document).</summary>
    [JsonPropertyName("permissions")]
    public IReadOnlyList<string> Permissions { get; init; } = [WebDavPermissions.Read];

    /// <summary><c>must-exchange-token</c>, <c>must-use-mfa</c>; if present MUST NOT be empty (OCM OpenAPI <c>NewShare</c>).</summary>
    [JsonPropertyName("requirements")]
    public IReadOnlyList<string>? Requirements { get; init; }

    /// <summary><c>remote</c> and/or <c>datatx</c>; absent means <c>["remote"]</c>.</summary>
    [JsonPropertyName("accessTypes")]
    public IReadOnlyList<string>? AccessTypes { get; init; }

    /// <summary>Size in bytes, mostly for <c>datatx</c>.</summary>
    [JsonPropertyName("size")]
    public long? Size { get; init; }

    /// <summary>True when read from the deprecated <c>protocol.options</c> form (Basic auth, discovery root; OCM §Resource Access step 5).</summary>
    [JsonIgnore]
    public bool IsLegacy { get; init; }

    /// <summary>
    /// The free-form legacy <c>options.permissions</c> text (Nextcloud sends the WebDAV property name
    /// <c>{http://open-cloud-mesh.org/ns}share-permissions</c>); read only.
    /// </summary>
    [JsonIgnore]
    public string? LegacyPermissions { get; init; }

    /// <summary>True when <see cref="Uri"/> is an absolute http(s) URL rather than an id.</summary>
    [JsonIgnore]
    public bool HasAbsoluteUri => Uri is not null
        && System.Uri.TryCreate(Uri, UriKind.Absolute, out var parsed)
        && (parsed.Scheme == System.Uri.UriSchemeHttps || parsed.Scheme == System.Uri.UriSchemeHttp);

    /// <summary>
    /// The URL to access (OCM §Resource Access step 4): an absolute <see cref="Uri"/> as is; a relative id appended to the sender's
    /// WebDAV root (from <c>DiscoveryDocument.GetWebDavRoot()</c>) with exactly one slash, each segment
    /// percent-encoded; for a legacy <c>options</c> share the root itself (OCM §Resource Access step 5).
    /// </summary>
    /// <param name="webDavRoot">The sender's absolute WebDAV root; required unless <see cref="Uri"/> is absolute.</param>
    /// <returns>The absolute URL, or null when it cannot be built.</returns>
    public Uri? ResolveUri(Uri? webDavRoot)
    {
        if (HasAbsoluteUri)
        {
            return new Uri(Uri!, UriKind.Absolute);
        }

        if (webDavRoot is null || !webDavRoot.IsAbsoluteUri)
        {
            return null;
        }

        var root = webDavRoot.AbsoluteUri.TrimEnd('/') + "/";
        if (string.IsNullOrWhiteSpace(Uri))
        {
            return IsLegacy ? new Uri(root) : null;
        }

        var segments = Uri.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(segment => System.Uri.EscapeDataString(System.Uri.UnescapeDataString(segment)));
        return new Uri(root + string.Join('/', segments));
    }

    /// <summary>True when the share demands the Code Flow (OCM §Resource Access step 3.1).</summary>
    [JsonIgnore]
    public bool MustExchangeToken => Requirements?.Contains(ShareRequirements.MustExchangeToken) == true;
}

/// <summary><c>protocol.webapp</c> (OCM §Share Creation Notification › Fields, 1.4 form; legacy fields are read only).</summary>
public sealed record WebAppProtocol
{
    /// <summary>Absolute URL of the browsable view.</summary>
    [JsonPropertyName("uri")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "Legacy peers send relative values; validation checks absoluteness.")]
    public string? Uri { get; init; }

    /// <summary><c>blank</c> and/or <c>iframe</c>, non-empty.</summary>
    [JsonPropertyName("targets")]
    public IReadOnlyList<string>? Targets { get; init; }

    /// <summary><c>view</c>, <c>read</c>, <c>write</c>, <c>share</c>, non-empty.</summary>
    [JsonPropertyName("permissions")]
    public IReadOnlyList<string>? Permissions { get; init; }

    /// <summary>MUST include <c>must-exchange-token</c>.</summary>
    [JsonPropertyName("requirements")]
    public IReadOnlyList<string>? Requirements { get; init; }

    /// <summary>Code for the token endpoint; never sent to a browser (OCM §Resource Access step 6).</summary>
    [JsonPropertyName("sharedSecret")]
    public string? SharedSecret { get; init; }

    /// <summary>Human name of the app.</summary>
    [JsonPropertyName("appName")]
    public string? AppName { get; init; }

    /// <summary>Media type hint for an icon; never fetched.</summary>
    [JsonPropertyName("appIconHint")]
    public string? AppIconHint { get; init; }

    /// <summary>Media types the app can open (hint).</summary>
    [JsonPropertyName("mediaTypes")]
    public IReadOnlyList<string>? MediaTypes { get; init; }

    /// <summary>Legacy 1.1–1.3 <c>viewMode</c> (<c>view</c>|<c>read</c>|<c>write</c>); read only, never written.</summary>
    [JsonIgnore]
    public string? LegacyViewMode { get; init; }

    /// <summary>Legacy 1.1 <c>uriTemplate</c> (oCIS still sends it); read only, never written.</summary>
    [JsonIgnore]
    public string? LegacyUriTemplate { get; init; }

    /// <summary>True when the object has the pre-1.4 shape (no <c>targets</c>, a <c>viewMode</c> or <c>uriTemplate</c>); such objects are read into <see cref="ShareProtocol.LegacyWebApp"/>.</summary>
    [JsonIgnore]
    public bool IsLegacy => Targets is null && (LegacyViewMode is not null || LegacyUriTemplate is not null);
}

/// <summary><c>protocol.ssh</c> (OCM §Share Creation Notification › Fields).</summary>
public sealed record SshProtocol
{
    /// <summary><c>username@host.fqdn:port/resource/path</c>.</summary>
    [JsonPropertyName("uri")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "scp-style target, not a URI.")]
    public required string Uri { get; init; }

    /// <summary><c>remote</c> (sshfs) and/or <c>datatx</c> (scp).</summary>
    [JsonPropertyName("accessTypes")]
    public IReadOnlyList<string>? AccessTypes { get; init; }
}
