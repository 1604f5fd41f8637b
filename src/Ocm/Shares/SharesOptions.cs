namespace Ocm.Shares;

/// <summary>Section <c>Ocm:Shares</c>.</summary>
internal sealed record SharesOptions
{
    public const string Section = "Ocm:Shares";

    /// <summary>The folder in each user's tree where accepted received shares appear. Default <c>Shared with me</c>.</summary>
    public string ReceivedFolder { get; init; } = "Shared with me";

    /// <summary>Seconds a recipient waits for the sender's server before that share folder fails (502/504). Default 15.</summary>
    public int RemoteTimeoutSeconds { get; init; } = 15;

    /// <summary>Lifetime of access tokens issued by our token endpoint, in seconds. Default 3600.</summary>
    public int AccessTokenSeconds { get; init; } = 3600;

    /// <summary>
    /// New shares one sending server may offer our users at once (<c>POST /ocm/shares</c>, re-deliveries of a share
    /// already received do not count). Default 300: a folder shared with a large group arrives in one go.
    /// </summary>
    public int IncomingBurst { get; init; } = 300;

    /// <summary>New shares per hour one sending server may offer after its burst is spent. Default 3600 (one a second).</summary>
    public int IncomingPerHour { get; init; } = 3600;

    /// <summary>
    /// Every share we send carries <c>must-use-mfa</c> (OCM Appendix A): the recipient's server must let only users
    /// who signed in with a second factor open it, and servers that do not advertise <c>enforce-mfa</c> are refused
    /// as recipients. Default false: the owner decides per share.
    /// </summary>
    public bool RequireMfa { get; init; }

    /// <summary>Seconds between looks for copies of received shares that are due (a copy asked for on this node starts at once). Default 5.</summary>
    public double TransferPollSeconds { get; init; } = 5;

    /// <summary>Seconds before a copy whose sender could not be reached is tried again; doubled each time. Default 5.</summary>
    public double TransferRetrySeconds { get; init; } = 5;

    /// <summary>The longest pause between attempts at a copy, in seconds. Default 300.</summary>
    public double TransferMaxRetrySeconds { get; init; } = 300;

    /// <summary>Attempts without any progress after which a copy fails. Default 100 (over eight hours at the longest pause).</summary>
    public int TransferMaxAttempts { get; init; } = 100;

    public IEnumerable<string> Validate()
    {
        if (RemoteTimeoutSeconds < 1)
        {
            yield return "Ocm:Shares:RemoteTimeoutSeconds must be at least 1.";
        }

        if (AccessTokenSeconds < 60)
        {
            yield return "Ocm:Shares:AccessTokenSeconds must be at least 60.";
        }

        if (IncomingBurst < 1)
        {
            yield return "Ocm:Shares:IncomingBurst must be at least 1.";
        }

        if (TransferPollSeconds <= 0 || TransferRetrySeconds <= 0 || TransferMaxRetrySeconds < TransferRetrySeconds)
        {
            yield return "Ocm:Shares:TransferPollSeconds and TransferRetrySeconds must be positive, TransferMaxRetrySeconds at least TransferRetrySeconds.";
        }

        if (TransferMaxAttempts < 1)
        {
            yield return "Ocm:Shares:TransferMaxAttempts must be at least 1.";
        }

        if (IncomingPerHour < 1)
        {
            yield return "Ocm:Shares:IncomingPerHour must be at least 1.";
        }
    }
}
