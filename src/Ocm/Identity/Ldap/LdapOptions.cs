namespace Ocm.Identity.Ldap;

/// <summary>
/// Section <c>Ocm:Identity:Ldap</c>: sign-in with the accounts of an LDAP directory (OpenLDAP, Active Directory) for the
/// web interface and for WebDAV/API Basic authentication, by binding as the user (RFC 4513 §5.1.3, simple bind). Off
/// while <see cref="Url"/> is unset.
/// </summary>
internal sealed record LdapOptions
{
    public const string Section = "Ocm:Identity:Ldap";

    /// <summary>
    /// The <see cref="ExternalLogin.Issuer"/> and <see cref="Groups.Group.Issuer"/> of the directory's accounts and groups.
    /// A fixed name rather than the URL, so that moving the directory to another host (or to ldaps) keeps every link.
    /// An OpenID provider's issuer is always an absolute URL, so the two never collide.
    /// </summary>
    public const string Issuer = "ldap";

    /// <summary><c>ldap://host[:port]</c> or <c>ldaps://host[:port]</c>. Unset: no directory sign-in.</summary>
    public string? Url { get; init; }

    /// <summary>The service account's DN the server binds with to search for users and groups. Unset: anonymous search.</summary>
    public string? BindDn { get; init; }

    /// <summary>The service account's password (never logged).</summary>
    public string? BindPassword { get; init; }

    /// <summary>Where users are searched (subtree), e.g. <c>ou=people,dc=example,dc=org</c>.</summary>
    public string? UserBase { get; init; }

    /// <summary>
    /// The search filter for one user; <c>{0}</c> stands for the typed user name, escaped as RFC 4515 §3 asks, e.g.
    /// <c>(&amp;(objectClass=inetOrgPerson)(uid={0}))</c>. The periodic sync uses it with <c>*</c> for all users.
    /// </summary>
    public string UserFilter { get; init; } = "(&(objectClass=inetOrgPerson)(uid={0}))";

    /// <summary>Where groups are searched (subtree). Unset: no groups from the directory.</summary>
    public string? GroupBase { get; init; }

    /// <summary>The search filter for a user's groups; <c>{0}</c> stands for the user's DN (escaped), e.g. <c>(&amp;(objectClass=groupOfNames)(member={0}))</c>.</summary>
    public string GroupFilter { get; init; } = "(&(objectClass=groupOfNames)(member={0}))";

    /// <summary>The attribute that names the account created at the first sign-in. Default <c>uid</c> (Active Directory: <c>sAMAccountName</c>).</summary>
    public string UserNameAttribute { get; init; } = "uid";

    /// <summary>The attribute with the display name. Default <c>cn</c> (Active Directory: <c>displayName</c>).</summary>
    public string DisplayNameAttribute { get; init; } = "cn";

    /// <summary>The attribute with the e-mail address. Default <c>mail</c>.</summary>
    public string EmailAttribute { get; init; } = "mail";

    /// <summary>
    /// The attribute that identifies an entry for ever, so a user renamed in the directory keeps their account. Default
    /// <c>entryUUID</c> (RFC 4530, OpenLDAP); Active Directory: <c>objectGUID</c> (read as a GUID).
    /// </summary>
    public string IdAttribute { get; init; } = "entryUUID";

    /// <summary>The attribute with a group's name. Default <c>cn</c>.</summary>
    public string GroupNameAttribute { get; init; } = "cn";

    /// <summary>Upgrade an <c>ldap://</c> connection with StartTLS (RFC 4511 §4.14) before binding. Default false.</summary>
    public bool StartTls { get; init; }

    /// <summary>
    /// A folder of CA certificates (OpenSSL's hashed layout, as <c>openssl rehash</c> writes it) that the directory's
    /// certificate must chain to, for <c>ldaps://</c> and StartTLS. Unset: the system's trusted CAs.
    /// </summary>
    public string? TrustedCertificatesDirectory { get; init; }

    /// <summary>How long one directory operation may take before the directory counts as not answering. Default 10.</summary>
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>How often the periodic sync disables accounts gone from the directory; 0 turns it off. Default 15.</summary>
    public int SyncIntervalMinutes { get; init; } = 15;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(BindDn) || !string.IsNullOrWhiteSpace(UserBase) || !string.IsNullOrWhiteSpace(GroupBase))
            {
                yield return $"{Section}:Url is required when {Section}:BindDn, UserBase or GroupBase is set.";
            }

            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != "ldap" && url.Scheme != "ldaps") || string.IsNullOrEmpty(url.Host)
            || url.AbsolutePath is not ("" or "/") || url.Query.Length > 0)
        {
            yield return $"{Section}:Url must look like ldap://host[:port] or ldaps://host[:port], not '{Url}'.";
        }
        else if (url.Scheme == "ldaps" && StartTls)
        {
            yield return $"{Section}:StartTls upgrades an ldap:// connection; with an ldaps:// Url the connection is already encrypted. Drop one of them.";
        }

        if (!string.IsNullOrEmpty(BindDn) && string.IsNullOrEmpty(BindPassword))
        {
            yield return $"{Section}:BindPassword is required with {Section}:BindDn (an empty password is an unauthenticated bind, RFC 4513 §5.1.2).";
        }

        if (string.IsNullOrWhiteSpace(UserBase))
        {
            yield return $"{Section}:UserBase is required with {Section}:Url, e.g. ou=people,dc=example,dc=org.";
        }

        foreach (var (name, filter) in new[] { ("UserFilter", UserFilter), ("GroupFilter", GroupFilter) })
        {
            if (string.IsNullOrWhiteSpace(filter) || !filter.Contains("{0}", StringComparison.Ordinal) || !filter.StartsWith('(') || !filter.EndsWith(')'))
            {
                yield return $"{Section}:{name} must be a parenthesised LDAP filter with {{0}} where the {(name == "UserFilter" ? "user name" : "user's DN")} goes, not '{filter}'.";
            }
            else if (!FormatsCleanly(filter))
            {
                yield return $"{Section}:{name} may contain braces only in {{0}}, not '{filter}'.";
            }
        }

        foreach (var (name, value) in new[]
                 {
                     ("UserNameAttribute", UserNameAttribute), ("DisplayNameAttribute", DisplayNameAttribute), ("EmailAttribute", EmailAttribute),
                     ("IdAttribute", IdAttribute), ("GroupNameAttribute", GroupNameAttribute),
                 })
        {
            if (string.IsNullOrWhiteSpace(value) || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or ';'))
            {
                yield return $"{Section}:{name} must name an attribute (letters, digits, '-'), not '{value}'.";
            }
        }

        if (TrustedCertificatesDirectory is { } ca && !Directory.Exists(ca))
        {
            yield return $"{Section}:TrustedCertificatesDirectory '{ca}' is not a folder.";
        }

        if (TimeoutSeconds is < 1 or > 300)
        {
            yield return $"{Section}:TimeoutSeconds must be between 1 and 300, not {TimeoutSeconds}.";
        }

        if (SyncIntervalMinutes is < 0 or > 10080)
        {
            yield return $"{Section}:SyncIntervalMinutes must be between 0 (off) and 10080 (a week), not {SyncIntervalMinutes}.";
        }
    }

    private static bool FormatsCleanly(string filter)
    {
        try
        {
            _ = string.Format(System.Globalization.CultureInfo.InvariantCulture, filter, "x");
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
