using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Discovery;

/// <summary>
/// Builds our own discovery document: strict OCM 1.4 (OCM §OCM API Discovery › Fields), checked by
/// <see cref="DiscoveryAnalysis"/> on <see cref="Build"/> so a misconfiguration fails at start-up, not at a peer.
/// </summary>
/// <example>
/// <code>
/// var doc = new DiscoveryDocumentBuilder(new Uri("https://files.example.net/ocm"))
///     .WithProvider("Ocm")
///     .AddWebDavResourceType(ResourceTypes.File, "/dav/ocm/")
///     .WithJwksUri(new Uri("https://files.example.net/ocm/jwks"))
///     .WithTokenEndPoint(new Uri("https://files.example.net/ocm/token"))
///     .Build();
/// </code>
/// </example>
public sealed class DiscoveryDocumentBuilder
{
    private readonly Uri _endPoint;
    private readonly List<ResourceTypeDescriptor> _resourceTypes = [];
    private readonly SortedSet<string> _capabilities = new(StringComparer.Ordinal) { OcmCapabilities.ProtocolObject };
    private readonly SortedSet<string> _criteria = new(StringComparer.Ordinal);
    private string _apiVersion = "1.4.0";
    private string? _provider;
    private Uri? _jwksUri;
    private Uri? _tokenEndPoint;
    private string? _inviteAcceptDialog;
    private LegacyPublicKey? _legacyPublicKey;

    /// <summary>Starts a document for the OCM API at <paramref name="endPoint"/> (absolute https URL; http only for tests).</summary>
    public DiscoveryDocumentBuilder(Uri endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (!endPoint.IsAbsoluteUri || (endPoint.Scheme != Uri.UriSchemeHttps && endPoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("The endPoint must be an absolute https (or, for tests, http) URL.", nameof(endPoint));
        }

        _endPoint = endPoint;
    }

    /// <summary>Overrides the advertised <c>apiVersion</c> (default <c>1.4.0</c>).</summary>
    public DiscoveryDocumentBuilder WithApiVersion(string apiVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiVersion);
        _apiVersion = apiVersion;
        return this;
    }

    /// <summary>Sets the friendly brand name.</summary>
    public DiscoveryDocumentBuilder WithProvider(string provider)
    {
        _provider = provider;
        return this;
    }

    /// <summary>Adds a resource type with explicit protocols.</summary>
    public DiscoveryDocumentBuilder AddResourceType(string name, IEnumerable<string> shareTypes, DiscoveryProtocols protocols)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shareTypes);
        ArgumentNullException.ThrowIfNull(protocols);
        _resourceTypes.Add(new ResourceTypeDescriptor { Name = name, ShareTypes = shareTypes.Distinct(StringComparer.Ordinal).ToArray(), Protocols = protocols });
        return this;
    }

    /// <summary>
    /// Adds a resource type served and received over WebDAV: <c>webdav</c> = <paramref name="webDavPath"/> (a path,
    /// normalized to leading and trailing slash) and <c>webdav-receive.uri</c> = <paramref name="receiveUriForm"/>.
    /// Use the same path for every resource type (OCM §Resource Access step 1 reads only the first entry).
    /// </summary>
    public DiscoveryDocumentBuilder AddWebDavResourceType(
        string name,
        string webDavPath,
        string receiveUriForm = WebDavUriForms.Relative,
        IEnumerable<string>? shareTypes = null,
        WebAppReceive? webAppReceive = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(webDavPath);
        var path = "/" + webDavPath.Trim().Trim('/') + "/";
        if (path == "//")
        {
            path = "/";
        }

        return AddResourceType(name, shareTypes ?? [ShareTypes.User], new DiscoveryProtocols
        {
            WebDav = path,
            WebDavReceive = new WebDavReceive { Uri = receiveUriForm },
            WebAppReceive = webAppReceive,
        });
    }

    /// <summary>Advertises a capability (1.4 name; legacy spellings are normalized).</summary>
    public DiscoveryDocumentBuilder WithCapability(string capability)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(capability);
        _capabilities.Add(OcmCapabilities.Normalize(capability));
        return this;
    }

    /// <summary>Advertises a criterion (1.4 name; legacy spellings are normalized).</summary>
    public DiscoveryDocumentBuilder WithCriterion(string criterion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(criterion);
        _criteria.Add(OcmCriteria.Normalize(criterion));
        return this;
    }

    /// <summary>Publishes <c>jwksUri</c> and advertises <c>http-sig</c> (OCM §HTTP Message Signatures: keys as a JWK Set).</summary>
    public DiscoveryDocumentBuilder WithJwksUri(Uri jwksUri)
    {
        _jwksUri = RequireAbsolute(jwksUri, nameof(jwksUri));
        _capabilities.Add(OcmCapabilities.HttpSig);
        return this;
    }

    /// <summary>Publishes <c>tokenEndPoint</c> and advertises <c>exchange-token</c> (one requires the other).</summary>
    public DiscoveryDocumentBuilder WithTokenEndPoint(Uri tokenEndPoint)
    {
        _tokenEndPoint = RequireAbsolute(tokenEndPoint, nameof(tokenEndPoint));
        _capabilities.Add(OcmCapabilities.ExchangeToken);
        return this;
    }

    /// <summary>Advertises <c>invites</c> (and optionally <c>invite-wayf</c>) with the accept dialog path (SHOULD go together).</summary>
    public DiscoveryDocumentBuilder WithInvites(string inviteAcceptDialogPath, bool wayf = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inviteAcceptDialogPath);
        _inviteAcceptDialog = inviteAcceptDialogPath;
        _capabilities.Add(OcmCapabilities.Invites);
        if (wayf)
        {
            _capabilities.Add(OcmCapabilities.InviteWayf);
        }

        return this;
    }

    /// <summary>
    /// [legacy interop] Also publishes a draft-cavage <c>publicKey</c> (removed in 1.4, but Nextcloud ≤32 verifies
    /// and signs only with it).
    /// </summary>
    public DiscoveryDocumentBuilder WithLegacyPublicKey(string keyId, string publicKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyPem);
        _legacyPublicKey = new LegacyPublicKey { KeyId = keyId, PublicKeyPem = publicKeyPem };
        return this;
    }

    /// <summary>Builds the document.</summary>
    /// <exception cref="InvalidOperationException">The document would violate OCM 1.4; the message lists every violation.</exception>
    public DiscoveryDocument Build()
    {
        var document = new DiscoveryDocument
        {
            Enabled = true,
            ApiVersion = _apiVersion,
            EndPoint = _endPoint.AbsoluteUri.TrimEnd('/'),
            Provider = _provider,
            ResourceTypes = _resourceTypes.ToArray(),
            Capabilities = _capabilities.ToArray(),
            Criteria = _criteria.ToArray(),
            InviteAcceptDialog = _inviteAcceptDialog,
            JwksUri = _jwksUri?.AbsoluteUri,
            TokenEndPoint = _tokenEndPoint?.AbsoluteUri,
            PublicKey = _legacyPublicKey,
        };

        var analysis = DiscoveryAnalysis.Analyze(document);

        // http endpoints are allowed for test setups (OCM §OCM API Discovery › Process), so the https rules are not fatal here.
        var fatal = analysis.Violations.Where(v => !v.Contains("must use https", StringComparison.Ordinal)).ToArray();
        if (fatal.Length > 0)
        {
            throw new InvalidOperationException("The discovery document violates OCM 1.4: " + string.Join(" ", fatal));
        }

        return document;
    }

    private static Uri RequireAbsolute(Uri uri, string name)
    {
        ArgumentNullException.ThrowIfNull(uri, name);
        return uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new ArgumentException("Must be an absolute https (or, for tests, http) URL.", name);
    }
}
