namespace Ocm.RequestShares;

/// <summary>Section <c>Ocm:RequestShares</c>: the <c>/ocm/request-share</c> inbox (OCM 1.4).</summary>
internal sealed record RequestSharesOptions
{
    public const string Section = "Ocm:RequestShares";

    /// <summary>Requests a peer may send at once before being rate-limited. Default 10.</summary>
    public int Burst { get; init; } = 10;

    /// <summary>Requests per hour a peer may send after its burst (token bucket refill). Default 60.</summary>
    public int PerHour { get; init; } = 60;

    /// <summary>Open requests kept per local user; beyond that new ones are refused with 503. Default 500.</summary>
    public int MaxOpenPerUser { get; init; } = 500;

    public IEnumerable<string> Validate()
    {
        if (Burst < 1)
        {
            yield return "Ocm:RequestShares:Burst must be at least 1.";
        }

        if (PerHour < 1)
        {
            yield return "Ocm:RequestShares:PerHour must be at least 1.";
        }

        if (MaxOpenPerUser < 1)
        {
            yield return "Ocm:RequestShares:MaxOpenPerUser must be at least 1.";
        }
    }
}
