using Ocm.Federation;

namespace Ocm.Trust;

/// <summary>What to do with an incoming share, decided by <see cref="TrustPolicy.EvaluateIncomingShareAsync"/>.</summary>
internal enum IncomingShareAction
{
    /// <summary>Do not accept the share: answer <see cref="IncomingShareDecision.StatusCode"/> (403) with the reason.</summary>
    Refuse,

    /// <summary>Accept the share but keep it apart: the sender is unknown to the recipient (and must-invite is off).</summary>
    Quarantine,

    /// <summary>Accept the share and let the recipient accept or decline it.</summary>
    Pending,

    /// <summary>Accept the share and accept it on the recipient's behalf (the sending server is trusted).</summary>
    AutoAccept,
}

/// <summary>
/// The trust decision about one incoming share. <see cref="Reason"/> says why in words, for the peer (when refused)
/// and for the log. The shape is stable: the shares feature switches on <see cref="Action"/>.
/// </summary>
internal sealed record IncomingShareDecision(IncomingShareAction Action, int StatusCode, string Reason)
{
    public bool IsRefused => Action == IncomingShareAction.Refuse;

    public static IncomingShareDecision Refuse(string reason) => new(IncomingShareAction.Refuse, StatusCodes.Status403Forbidden, reason);

    public static IncomingShareDecision Quarantine(string reason) => new(IncomingShareAction.Quarantine, StatusCodes.Status201Created, reason);

    public static IncomingShareDecision Pending(string reason) => new(IncomingShareAction.Pending, StatusCodes.Status201Created, reason);

    public static IncomingShareDecision AutoAccept(string reason) => new(IncomingShareAction.AutoAccept, StatusCodes.Status201Created, reason);

    /// <summary>The OCM error answer for a refused share (<c>{"message": reason}</c> with <see cref="StatusCode"/>).</summary>
    public IResult ToOcmError() => OcmApi.Error(StatusCode, Reason);
}
