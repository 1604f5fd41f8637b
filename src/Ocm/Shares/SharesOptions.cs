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
}
