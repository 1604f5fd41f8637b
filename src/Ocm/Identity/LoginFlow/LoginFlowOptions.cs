namespace Ocm.Identity.LoginFlow;

/// <summary>Section <c>Ocm:Identity:LoginFlow</c>: Nextcloud Login Flow v2, how sync clients sign in through the browser.</summary>
internal sealed record LoginFlowOptions
{
    public const string Section = "Ocm:Identity:LoginFlow";

    /// <summary>Whether <c>/index.php/login/v2</c> answers (it needs the web interface). Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long a started flow may be approved and then polled, in minutes. Default 20 (as Nextcloud).</summary>
    public int ExpiryMinutes { get; init; } = 20;

    /// <summary>
    /// Flows one client address may have pending at once: starting a flow needs no account, so this bounds what an
    /// anonymous client can store. Default 20.
    /// </summary>
    public int MaxPendingPerAddress { get; init; } = 20;

    public IEnumerable<string> Validate()
    {
        if (ExpiryMinutes is < 1 or > 24 * 60)
        {
            yield return "Ocm:Identity:LoginFlow:ExpiryMinutes must be between 1 and 1440.";
        }

        if (MaxPendingPerAddress < 1)
        {
            yield return "Ocm:Identity:LoginFlow:MaxPendingPerAddress must be at least 1.";
        }
    }
}
