namespace Ocm.Trust;

/// <summary>Section <c>Ocm:Trust</c>: which servers we federate with, and how much we trust them.</summary>
internal sealed record TrustOptions
{
    public const string Section = "Ocm:Trust";

    /// <summary>When not empty, only these hosts (wildcards like <c>*.example.org</c>, optional <c>:port</c>) may talk to us.</summary>
    public string[] Allowlist { get; init; } = [];

    /// <summary>Hosts that may never talk to us (wildcards allowed). Checked before the allowlist.</summary>
    public string[] Denylist { get; init; } = [];

    /// <summary>Shares are only accepted from senders who are contacts of the recipient (an invite was exchanged).</summary>
    public bool MustInvite { get; init; }

    /// <summary>Shares from these hosts are accepted without asking the recipient.</summary>
    public string[] AutoAcceptFrom { get; init; } = [];

    /// <summary>
    /// With <see cref="MustInvite"/> off: shares from senders the recipient does not know (no contact) are put in
    /// quarantine — kept apart from the normal pending shares and shown with a warning — instead of being offered like
    /// any other share, so invite-first is safe without locking out the unknown. Default true.
    /// </summary>
    public bool QuarantineUnknownSenders { get; init; } = true;

    /// <summary>Every error at once: each pattern must be one <see cref="HostPattern"/> can match with.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (name, patterns) in new[] { ("Allowlist", Allowlist), ("Denylist", Denylist), ("AutoAcceptFrom", AutoAcceptFrom) })
        {
            for (var i = 0; i < patterns.Length; i++)
            {
                if (HostPattern.Problem(patterns[i]) is { } problem)
                {
                    yield return $"Ocm:Trust:{name}:{i} '{patterns[i]?.Trim()}' {problem}.";
                }
            }
        }
    }
}
