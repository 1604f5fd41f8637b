using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ocm.Protocol.Discovery;

/// <summary>
/// The <c>protocols</c> map of a resource type (OCM §OCM API Discovery › Fields): a key named after a protocol means "can
/// send it", a key with the <c>-receive</c> suffix means "can receive it". Unknown keys are kept verbatim.
/// </summary>
public sealed record DiscoveryProtocols
{
    /// <summary>The WebDAV root path (e.g. <c>/remote/dav/ocm/</c>); old servers put an absolute URL here.</summary>
    [JsonPropertyName("webdav")]
    public string? WebDav { get; init; }

    /// <summary>Which WebDAV <c>uri</c> form this server accepts as receiver (1.4).</summary>
    [JsonPropertyName("webdav-receive")]
    public WebDavReceive? WebDavReceive { get; init; }

    /// <summary>Can send WebApp shares (1.4: an empty object; ≤1.3 peers sent a documentation path, dropped on read).</summary>
    [JsonPropertyName("webapp")]
    public WebAppSend? WebApp { get; init; }

    /// <summary>How this server can present WebApp shares as receiver.</summary>
    [JsonPropertyName("webapp-receive")]
    public WebAppReceive? WebAppReceive { get; init; }

    /// <summary>The ssh/scp endpoint <c>host:port</c> for sending SSH shares.</summary>
    [JsonPropertyName("ssh")]
    public string? Ssh { get; init; }

    /// <summary>Can receive SSH shares.</summary>
    [JsonPropertyName("ssh-receive")]
    public SshReceive? SshReceive { get; init; }

    /// <summary>Other protocols (e.g. <c>talk</c>, legacy <c>datatx</c>, <c>embedded-receive</c>), kept verbatim.</summary>
    [JsonExtensionData]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "System.Text.Json extension data must be settable.")]
    public Dictionary<string, JsonElement>? Other { get; set; }

    /// <summary>True when a <c>&lt;protocol&gt;-receive</c> key is present for <paramref name="protocol"/>.</summary>
    public bool HasReceive(string protocol) => protocol switch
    {
        Shares.ProtocolNames.WebDav => WebDavReceive is not null,
        Shares.ProtocolNames.WebApp => WebAppReceive is not null,
        Shares.ProtocolNames.Ssh => SshReceive is not null,
        _ => Other?.ContainsKey(protocol + "-receive") == true,
    };

    /// <summary>True when a sending key is present for <paramref name="protocol"/>.</summary>
    public bool HasSend(string protocol) => protocol switch
    {
        Shares.ProtocolNames.WebDav => WebDav is not null,
        Shares.ProtocolNames.WebApp => WebApp is not null,
        Shares.ProtocolNames.Ssh => Ssh is not null,
        _ => Other?.ContainsKey(protocol) == true,
    };

    /// <summary>True when any <c>-receive</c> key is present.</summary>
    [JsonIgnore]
    public bool HasAnyReceive => WebDavReceive is not null || WebAppReceive is not null || SshReceive is not null
        || Other?.Keys.Any(k => k.EndsWith("-receive", StringComparison.Ordinal)) == true;

    /// <summary>How many protocol keys are present.</summary>
    [JsonIgnore]
    public int Count => (WebDav is null ? 0 : 1) + (WebDavReceive is null ? 0 : 1) + (WebApp is null ? 0 : 1)
        + (WebAppReceive is null ? 0 : 1) + (Ssh is null ? 0 : 1) + (SshReceive is null ? 0 : 1) + (Other?.Count ?? 0);
}

/// <summary><c>webdav-receive</c>: <c>{"uri": "absolute" | "relative"}</c> (a single value: a receiver that takes both forms cannot say so).</summary>
public sealed record WebDavReceive
{
    /// <summary><c>absolute</c> or <c>relative</c> (see <see cref="WebDavUriForms"/>).</summary>
    [JsonPropertyName("uri")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "Not a URI: the literal 'absolute' or 'relative'.")]
    public required string Uri { get; init; }
}

/// <summary>The two <c>webdav-receive.uri</c> values.</summary>
public static class WebDavUriForms
{
    /// <summary>Accepts absolute share URLs.</summary>
    public const string Absolute = "absolute";

    /// <summary>Accepts ids relative to the sender's WebDAV root.</summary>
    public const string Relative = "relative";
}

/// <summary><c>webapp</c> as sender: an empty object in 1.4.</summary>
public sealed record WebAppSend;

/// <summary><c>webapp-receive</c>: <c>{"targets": ["blank" | "iframe", …]}</c>, at least one target.</summary>
public sealed record WebAppReceive
{
    /// <summary>Presentation targets the receiver supports.</summary>
    [JsonPropertyName("targets")]
    public required IReadOnlyList<string> Targets { get; init; }
}

/// <summary><c>ssh-receive</c>: an empty object.</summary>
public sealed record SshReceive;
