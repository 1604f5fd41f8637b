namespace Ocm.Users;

/// <summary>Section <c>Ocm:Users</c>: sign-in behaviour. Defaults suit a small self-hosted server.</summary>
internal sealed record UsersOptions
{
    public const string Section = "Ocm:Users";

    /// <summary>
    /// How long a verified password stays verified in memory, so sync clients sending Basic credentials on every request
    /// do not pay for the slow KDF each time. A password change, disable or revoke ends it at once. Default 600 s.
    /// </summary>
    public int CredentialCacheSeconds { get; init; } = 600;

    /// <summary>Failed sign-ins per user name within <see cref="FailureWindowSeconds"/> before it is throttled. Default 10.</summary>
    public int MaxFailuresPerUser { get; init; } = 10;

    /// <summary>Failed sign-ins per client IP address within <see cref="FailureWindowSeconds"/> before it is throttled. Default 50.</summary>
    public int MaxFailuresPerIp { get; init; } = 50;

    /// <summary>The sliding window failures are counted in. Default 900 s (15 minutes).</summary>
    public int FailureWindowSeconds { get; init; } = 900;

    /// <summary>Whether <c>ocm serve</c> creates an <c>admin</c> user (and prints its password once) when there is no user. Default true.</summary>
    public bool CreateAdminOnFirstStart { get; init; } = true;

    public IEnumerable<string> Validate()
    {
        if (CredentialCacheSeconds < 0)
        {
            yield return "Ocm:Users:CredentialCacheSeconds must be 0 or more.";
        }

        if (MaxFailuresPerUser < 1)
        {
            yield return "Ocm:Users:MaxFailuresPerUser must be at least 1.";
        }

        if (MaxFailuresPerIp < 1)
        {
            yield return "Ocm:Users:MaxFailuresPerIp must be at least 1.";
        }

        if (FailureWindowSeconds < 1)
        {
            yield return "Ocm:Users:FailureWindowSeconds must be at least 1.";
        }
    }
}
