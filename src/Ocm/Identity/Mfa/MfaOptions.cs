namespace Ocm.Identity.Mfa;

/// <summary>Who must use a second factor when signing in to the web interface.</summary>
internal enum MfaRequirement
{
    /// <summary>Users choose; an admin may still require it of single users (<c>ocm mfa require</c>).</summary>
    None,

    /// <summary>Everyone: a user without TOTP is sent to enrolment right after signing in.</summary>
    All,
}

/// <summary>Section <c>Ocm:Identity:Mfa</c>: TOTP second factor (RFC 6238) for the web interface.</summary>
internal sealed record MfaOptions
{
    public const string Section = "Ocm:Identity:Mfa";

    /// <summary><c>none</c> (default) or <c>all</c>. Single users can be required with <c>ocm mfa require NAME</c> in either case.</summary>
    public MfaRequirement Required { get; init; } = MfaRequirement.None;

    /// <summary>
    /// Groups whose members must use a second factor, by name (local groups, or groups from the identity provider's
    /// claim or the directory, which need not exist yet). Admins also mark groups with <c>ocm mfa require --group NAME</c>.
    /// </summary>
    public string[] RequiredGroups { get; init; } = [];

    /// <summary>
    /// Accept received shares that carry OCM's <c>must-use-mfa</c> requirement and open them only to users whose session
    /// (or app password) passed a second factor; advertised as the <c>enforce-mfa</c> capability. Default true. False:
    /// such shares are refused (501), as a server that cannot honour the requirement must (OCM Appendix A).
    /// </summary>
    public bool EnforceForShares { get; init; } = true;

    /// <summary>The name authenticator apps show for the account; default: <c>Ocm:ProviderName</c>.</summary>
    public string? Issuer { get; init; }

    /// <summary>How many single-use recovery codes an enrolment creates. Default 10.</summary>
    public int RecoveryCodes { get; init; } = 10;

    /// <summary>How long the code may be entered after the password was accepted, in minutes. Default 5.</summary>
    public int CodeEntryMinutes { get; init; } = 5;

    public IEnumerable<string> Validate()
    {
        if (!Enum.IsDefined(Required))
        {
            yield return "Ocm:Identity:Mfa:Required must be none or all.";
        }

        if (RequiredGroups.Any(g => !Groups.GroupNames.IsValid(g)))
        {
            yield return "Ocm:Identity:Mfa:RequiredGroups must list group names (1 to 200 printable characters each).";
        }

        if (RecoveryCodes is < 1 or > 50)
        {
            yield return "Ocm:Identity:Mfa:RecoveryCodes must be between 1 and 50.";
        }

        if (CodeEntryMinutes is < 1 or > 60)
        {
            yield return "Ocm:Identity:Mfa:CodeEntryMinutes must be between 1 and 60.";
        }

        if (Issuer is { Length: > 100 } || (Issuer is not null && Issuer.Contains(':', StringComparison.Ordinal)))
        {
            yield return "Ocm:Identity:Mfa:Issuer must be at most 100 characters without ':' (it is the label's prefix in otpauth:// URIs).";
        }
    }
}
