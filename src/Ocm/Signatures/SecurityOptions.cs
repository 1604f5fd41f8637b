namespace Ocm.Signatures;

/// <summary>Section <c>Ocm:Security</c>: how requests between servers are authenticated.</summary>
internal sealed record SecurityOptions
{
    public const string Section = "Ocm:Security";

    /// <summary>
    /// Reject unsigned server-to-server requests and advertise the <c>must-use-http-sig</c> criterion. An invalid
    /// signature is always rejected, whatever this says. Default false (legacy peers do not sign).
    /// </summary>
    public bool RequireSignatures { get; init; }

    /// <summary>Sign outgoing requests even to peers that advertise no way to verify them. Default false.</summary>
    public bool AlwaysSign { get; init; }

    /// <summary>
    /// Require the code flow for shares: advertise the <c>must-exchange-token</c> criterion, refuse received shares
    /// whose protocols do not carry the requirement, and only accept exchanged tokens (never the shared secret) on
    /// shares we send. Default false.
    /// </summary>
    public bool RequireTokenExchange { get; init; }

    /// <summary>
    /// Compatibility exceptions to OCM §Verification Requirements: peers (<c>host</c> or <c>host:port</c>) whose RFC 9421
    /// signature labelled <c>ocm</c> is accepted although it lacks <c>tag="ocm"</c> (draft -05 implementations, Nextcloud
    /// before 35). From every other peer such a request is refused with the reason. Default none.
    /// </summary>
    public string[] UntaggedSignaturePeers { get; init; } = [];

    /// <summary>
    /// Hear unsigned notifications (<c>POST /ocm/notifications</c>) from peers that cannot sign — their discovery publishes
    /// no signing key — when they carry the share's secret (Nextcloud before 30, ownCloud 10). Off: every notification must
    /// be signed. Peers that can sign must always sign (OCM §Share Acceptance Notification). Default true.
    /// </summary>
    public bool AcceptUnsignedNotifications { get; init; } = true;

    /// <summary>How far in the future a signature's <c>created</c> may be. Default 60 s.</summary>
    public int MaxFutureSkewSeconds { get; init; } = 60;

    /// <summary>How old a signature (RFC 9421 <c>created</c>, cavage <c>Date</c>) may be. Default 300 s.</summary>
    public int MaxAgeSeconds { get; init; } = 300;

    public IEnumerable<string> Validate()
    {
        if (MaxFutureSkewSeconds < 0)
        {
            yield return "Ocm:Security:MaxFutureSkewSeconds must be 0 or more.";
        }

        if (MaxAgeSeconds < 1)
        {
            yield return "Ocm:Security:MaxAgeSeconds must be at least 1.";
        }

        for (var i = 0; i < UntaggedSignaturePeers.Length; i++)
        {
            var peer = UntaggedSignaturePeers[i];
            if (string.IsNullOrWhiteSpace(peer) || peer.Contains('/', StringComparison.Ordinal) || peer.Contains('@', StringComparison.Ordinal) || peer.Any(char.IsWhiteSpace))
            {
                yield return $"Ocm:Security:UntaggedSignaturePeers:{i} must be a host or host:port (e.g. cloud.example.org), not '{peer}'.";
            }
        }
    }
}
