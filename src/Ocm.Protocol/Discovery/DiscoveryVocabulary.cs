namespace Ocm.Protocol.Discovery;

/// <summary>Capability names (OCM §OCM API Discovery › Fields) and the mapping of legacy spellings (renamed in OCM 1.4).</summary>
public static class OcmCapabilities
{
    /// <summary>Will apply a sender's <c>must-use-mfa</c>.</summary>
    public const string EnforceMfa = "enforce-mfa";

    /// <summary>Supports the Code Flow (hosts <c>tokenEndPoint</c>).</summary>
    public const string ExchangeToken = "exchange-token";

    /// <summary>RFC 9421 signatures, keys at <c>jwksUri</c>.</summary>
    public const string HttpSig = "http-sig";

    /// <summary>Invite Sender and Receiver.</summary>
    public const string Invites = "invites";

    /// <summary>Has a WAYF page.</summary>
    public const string InviteWayf = "invite-wayf";

    /// <summary>Handles <c>/notifications</c>.</summary>
    public const string Notifications = "notifications";

    /// <summary>Accepts per-protocol objects in <c>protocol</c>.</summary>
    public const string ProtocolObject = "protocol-object";

    /// <summary>[legacy 1.2–1.3] Can append a relative URI to the WebDAV root (superseded by <c>webdav-receive</c>).</summary>
    public const string LegacyWebDavUri = "webdav-uri";

    /// <summary>
    /// Maps a historical spelling to its 1.4 name: <c>receive-code</c> → <c>exchange-token</c>; 1.1 path style
    /// <c>/notifications</c>, <c>/invite-accepted</c>, <c>/mfa-capable</c>; Nextcloud's <c>invite-accepted</c>.
    /// Unknown values pass through (trimmed).
    /// </summary>
    public static string Normalize(string capability)
    {
        var c = capability.Trim();
        var bare = c.TrimStart('/');
        return bare switch
        {
            "receive-code" => ExchangeToken,
            "invite-accepted" => Invites,
            "mfa-capable" => EnforceMfa,
            "notifications" => Notifications,
            "rfc-http-sig" => HttpSig,
            _ => c.StartsWith('/') ? bare : c,
        };
    }
}

/// <summary>Criterion names (OCM §OCM API Discovery › Fields) and the mapping of legacy spellings (renamed in OCM 1.4).</summary>
public static class OcmCriteria
{
    /// <summary>Unsigned API requests are rejected.</summary>
    public const string MustUseHttpSig = "must-use-http-sig";

    /// <summary>Every inbound share must require token exchange in every protocol.</summary>
    public const string MustExchangeToken = "must-exchange-token";

    /// <summary>Some servers may be blocked.</summary>
    public const string Denylist = "denylist";

    /// <summary>Unknown servers may be blocked.</summary>
    public const string Allowlist = "allowlist";

    /// <summary>An invite must have been exchanged first.</summary>
    public const string MustInvite = "must-invite";

    /// <summary>
    /// Maps a historical spelling to its 1.4 name: <c>http-request-signatures</c> → <c>must-use-http-sig</c>,
    /// <c>code</c>/<c>token-exchange</c> → <c>must-exchange-token</c>, <c>invite</c> → <c>must-invite</c>.
    /// </summary>
    public static string Normalize(string criterion)
    {
        var c = criterion.Trim();
        return c switch
        {
            "http-request-signatures" => MustUseHttpSig,
            "code" or "token-exchange" => MustExchangeToken,
            "invite" => MustInvite,
            _ => c,
        };
    }
}
