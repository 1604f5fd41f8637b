namespace Ocm.Protocol.Shares;

/// <summary>
/// What this receiver supports, deciding between "invalid" (400) and "unsupported" (501) when a share is read
/// (OCM §Share Creation Notification › Fields and › Response). The defaults accept the spec registries: <c>file</c>/<c>folder</c>,
/// <c>user</c>/<c>group</c> (<c>federation</c> needs OCM-MLS), <c>webdav</c>/<c>webapp</c>/<c>ssh</c>, and
/// both requirements.
/// </summary>
public sealed record ShareValidationOptions
{
    /// <summary>The defaults.</summary>
    public static ShareValidationOptions Default { get; } = new();

    /// <summary>Resource types this server accepts; others are unsupported (501).</summary>
    public IReadOnlySet<string> SupportedResourceTypes { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { ResourceTypes.File, ResourceTypes.Folder };

    /// <summary>Share types this server accepts; others are unsupported (501).</summary>
    public IReadOnlySet<string> SupportedShareTypes { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { ShareTypes.User, ShareTypes.Group };

    /// <summary>Protocols this server can act as client for; a share offering none of them is unsupported (501).</summary>
    public IReadOnlySet<string> SupportedProtocols { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { ProtocolNames.WebDav, ProtocolNames.WebApp, ProtocolNames.Ssh };

    /// <summary>
    /// Requirements this server can honour (the OpenAPI <c>NewShare</c>: reject what is not understood; <c>must-use-mfa</c> only with
    /// <c>enforce-mfa</c>, OCM Appendix A). Others are unsupported (501).
    /// </summary>
    public IReadOnlySet<string> SupportedRequirements { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { ShareRequirements.MustExchangeToken, ShareRequirements.MustUseMfa };

    /// <summary>Our <c>webapp-receive.targets</c>; when set, a webapp share with no common target is unsupported (OCM §Resource Access step 6).</summary>
    public IReadOnlySet<string>? WebAppTargets { get; init; }

    /// <summary>
    /// True when we advertise the criterion <c>must-exchange-token</c>: every offered protocol must then list the
    /// requirement (OCM §Share Creation Notification), otherwise the share is invalid.
    /// </summary>
    public bool RequireTokenExchange { get; init; }

    /// <summary>When set, an <c>expiration</c> at or before this instant is invalid (<c>EXPIRED</c>).</summary>
    public DateTimeOffset? Now { get; init; }
}
