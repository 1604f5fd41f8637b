namespace Ocm.Protocol.Shares;

/// <summary>Registered share types (OCM §IANA Considerations › OCM Share Types Registry).</summary>
public static class ShareTypes
{
    /// <summary>A user of the receiving server.</summary>
    public const string User = "user";

    /// <summary>A group of the receiving server.</summary>
    public const string Group = "group";

    /// <summary>A federated group (registered by the OCM-MLS draft).</summary>
    public const string Federation = "federation";
}

/// <summary>Registered resource types (OCM §IANA Considerations › OCM Resource Types Registry).</summary>
public static class ResourceTypes
{
    /// <summary>A file (Nextcloud also sends folders as <c>file</c>).</summary>
    public const string File = "file";

    /// <summary>A folder.</summary>
    public const string Folder = "folder";

    /// <summary>A trusted user, in notifications (<c>USER_REMOVED</c>).</summary>
    public const string User = "user";
}

/// <summary>Protocol names (OCM §IANA Considerations › OCM Protocols Registry).</summary>
public static class ProtocolNames
{
    /// <summary>Several protocols, one object each (preferred).</summary>
    public const string Multi = "multi";

    /// <summary>WebDAV.</summary>
    public const string WebDav = "webdav";

    /// <summary>WebApp (1.4 form).</summary>
    public const string WebApp = "webapp";

    /// <summary>SSH.</summary>
    public const string Ssh = "ssh";

    /// <summary>Legacy ≤1.2 data-transfer protocol (replaced by <c>accessTypes: ["datatx"]</c>).</summary>
    public const string LegacyDataTx = "datatx";
}

/// <summary>Per-protocol requirements (OCM §Share Creation Notification › Fields, <c>requirements</c>; renamed from 1.2's <c>use-code</c>/<c>mfa-enforced</c>).</summary>
public static class ShareRequirements
{
    /// <summary>Exchange the secret at the token endpoint first and use only the bearer token.</summary>
    public const string MustExchangeToken = "must-exchange-token";

    /// <summary>Only users with a second factor may access.</summary>
    public const string MustUseMfa = "must-use-mfa";
}

/// <summary><c>webdav.permissions</c> values.</summary>
public static class WebDavPermissions
{
    /// <summary>Read and download.</summary>
    public const string Read = "read";

    /// <summary>Create, update, delete.</summary>
    public const string Write = "write";

    /// <summary>Re-share (still needs the owner's action).</summary>
    public const string Share = "share";
}

/// <summary><c>webapp.permissions</c> values.</summary>
public static class WebAppPermissions
{
    /// <summary>View only.</summary>
    public const string View = "view";

    /// <summary>Read and download.</summary>
    public const string Read = "read";

    /// <summary>Full edit.</summary>
    public const string Write = "write";

    /// <summary>Re-share through the app.</summary>
    public const string Share = "share";
}

/// <summary><c>webapp.targets</c> and <c>webapp-receive.targets</c> values.</summary>
public static class WebAppTargets
{
    /// <summary>Top-level browsing context.</summary>
    public const string Blank = "blank";

    /// <summary>Embedded in the receiver's UI.</summary>
    public const string Iframe = "iframe";
}

/// <summary><c>accessTypes</c> values.</summary>
public static class AccessTypes
{
    /// <summary>Interactive / remote access.</summary>
    public const string Remote = "remote";

    /// <summary>Data to be transferred.</summary>
    public const string DataTx = "datatx";
}
