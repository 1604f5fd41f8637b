using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Ocm.Contacts;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery;

namespace Ocm.Trust;

/// <summary>The outcome of a trust check; <see cref="Reason"/> says why in words for the peer and the log.</summary>
internal readonly record struct TrustDecision(bool Allowed, string? Reason)
{
    public static TrustDecision Allow => new(true, null);

    public static TrustDecision Deny(string reason) => new(false, reason);
}

/// <summary>
/// The one place that decides which servers may federate with us (allowlist, denylist), whether a share needs an
/// invite first (<c>must-invite</c>), and how incoming shares are treated (auto-accept from trusted peers, quarantine for
/// unknown senders). Reflected in discovery <c>criteria</c>. Every refusal of an incoming request is logged.
/// </summary>
internal sealed partial class TrustPolicy(TrustOptions options, ILogger<TrustPolicy>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<TrustPolicy>.Instance;

    public TrustOptions Options => options;

    /// <summary>May <paramref name="host"/> (<c>host[:port]</c>) send us requests, or receive ours?</summary>
    public TrustDecision EvaluatePeer(string host)
    {
        if (options.Denylist.Any(pattern => HostPattern.Matches(pattern, host)))
        {
            return TrustDecision.Deny($"The server {host} is on this server's denylist.");
        }

        if (options.Allowlist.Length > 0 && !options.Allowlist.Any(pattern => HostPattern.Matches(pattern, host)))
        {
            return TrustDecision.Deny($"The server {host} is not on this server's allowlist.");
        }

        return TrustDecision.Allow;
    }

    /// <summary>Shares from this host need no confirmation by the recipient.</summary>
    public bool AutoAccepts(string host) => options.AutoAcceptFrom.Any(pattern => HostPattern.Matches(pattern, host));

    /// <summary>
    /// Decides what becomes of a share from <paramref name="sender"/>, sent by the server <paramref name="senderHost"/>
    /// (the verified signer, else the sender's host), to the local user <paramref name="recipientUserId"/>:
    /// <list type="number">
    /// <item>the sending server is denied by the deny/allow lists → <see cref="IncomingShareAction.Refuse"/> (403);</item>
    /// <item><c>must-invite</c> is on and no invite was exchanged between sender and recipient → Refuse (403, OCM §OCM API Discovery › Fields, <c>must-invite</c>);</item>
    /// <item>the sending server is in <c>AutoAcceptFrom</c> → <see cref="IncomingShareAction.AutoAccept"/>;</item>
    /// <item>the sender is one of the recipient's contacts → <see cref="IncomingShareAction.Pending"/>;</item>
    /// <item>otherwise (an unknown sender, must-invite off) → <see cref="IncomingShareAction.Quarantine"/>, or Pending
    /// when <c>QuarantineUnknownSenders</c> is off.</item>
    /// </list>
    /// Refusals are logged with their reason.
    /// </summary>
    public async Task<IncomingShareDecision> EvaluateIncomingShareAsync(
        OcmDb db,
        string senderHost,
        OcmAddress sender,
        long recipientUserId,
        CancellationToken ct,
        OcmAddress? owner = null)
    {
        var peer = EvaluatePeer(senderHost);
        if (!peer.Allowed)
        {
            Log.ShareRefused(_logger, senderHost, peer.Reason!);
            return IncomingShareDecision.Refuse(peer.Reason!);
        }

        if (!string.Equals(senderHost, sender.Authority, StringComparison.OrdinalIgnoreCase))
        {
            var senderServer = EvaluatePeer(sender.Authority);
            if (!senderServer.Allowed)
            {
                Log.ShareRefused(_logger, senderHost, senderServer.Reason!);
                return IncomingShareDecision.Refuse(senderServer.Reason!);
            }
        }

        // A reshare (OCM §Resharing) is signed by the owner's server, which only claims who the resharer is: contacts and
        // must-invite are judged on the owner, the one party its signature vouches for, so no server can pass for a contact.
        var known = owner ?? sender;
        var contact = await db.Set<Contact>().AsNoTracking()
            .Where(c => c.UserId == recipientUserId && c.Provider == known.Authority && c.RemoteUserId == known.Identifier)
            .Select(c => new { c.Source })
            .FirstOrDefaultAsync(ct);

        if (options.MustInvite && contact?.Source != ContactSource.Invite)
        {
            var reason = $"This server accepts shares only from contacts with whom an invite was exchanged (must-invite); {known} is not one.";
            Log.ShareRefused(_logger, senderHost, reason);
            return IncomingShareDecision.Refuse(reason);
        }

        if (AutoAccepts(senderHost))
        {
            return IncomingShareDecision.AutoAccept($"The server {senderHost} is trusted: its shares are accepted automatically.");
        }

        if (contact is not null)
        {
            return IncomingShareDecision.Pending($"{sender} is a contact of the recipient ({contact.Source.ToString().ToLowerInvariant()}).");
        }

        return options.QuarantineUnknownSenders
            ? IncomingShareDecision.Quarantine($"{sender} is not a contact of the recipient: the share is kept in quarantine.")
            : IncomingShareDecision.Pending($"{sender} is not a contact of the recipient.");
    }

    /// <summary>
    /// The answer to an incoming OCM request from a server the policy refuses: logged (endpoint, host, reason) and
    /// answered 403 with the OCM error body.
    /// </summary>
    public IResult Refuse(string endpoint, string host, string reason)
    {
        Log.RequestRefused(_logger, endpoint, host, reason);
        return OcmApi.Error(StatusCodes.Status403Forbidden, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(2100, LogLevel.Warning, "Refused a share from {Host}: {Reason}")]
        public static partial void ShareRefused(ILogger logger, string host, string reason);

        [LoggerMessage(2101, LogLevel.Warning, "Refused {Endpoint} from {Host}: {Reason}")]
        public static partial void RequestRefused(ILogger logger, string endpoint, string host, string reason);
    }
}

/// <summary>Host patterns: exact (<c>cloud.example.org</c>), wildcard (<c>*.example.org</c>), optional <c>:port</c>.</summary>
internal static class HostPattern
{
    public static bool Matches(string pattern, string host)
    {
        pattern = pattern.Trim().ToLowerInvariant();
        host = host.Trim().ToLowerInvariant();
        if (pattern.Length == 0)
        {
            return false;
        }

        var (patternHost, patternPort) = Split(pattern);
        var (hostName, hostPort) = Split(host);
        if (patternPort is not null && patternPort != hostPort)
        {
            return false;
        }

        if (patternHost == "*")
        {
            return true;
        }

        return patternHost.StartsWith("*.", StringComparison.Ordinal)
            ? hostName.EndsWith(patternHost[1..], StringComparison.Ordinal)
            : string.Equals(patternHost, hostName, StringComparison.Ordinal);
    }

    /// <summary>
    /// Why <paramref name="pattern"/> can never match as meant (a URL, a misplaced wildcard, a bad port), in words that
    /// follow the pattern in a sentence; null when it is a pattern.
    /// </summary>
    public static string? Problem(string? pattern)
    {
        pattern = pattern?.Trim().ToLowerInvariant() ?? "";
        if (pattern.Length == 0)
        {
            return "is empty";
        }

        if (pattern.Contains('/', StringComparison.Ordinal) || pattern.Contains('@', StringComparison.Ordinal))
        {
            return "is not a host name; give the host alone (cloud.example.org, *.example.org, optionally with :port)";
        }

        var (host, port) = Split(pattern);
        if (port is not null && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535))
        {
            return $"has the port '{port}', which is not a number from 1 to 65535";
        }

        if (host == "*")
        {
            return null;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        if (name.Contains('*', StringComparison.Ordinal))
        {
            return "may use '*' only as its whole first label (*.example.org)";
        }

        var kind = Uri.CheckHostName(name.Trim('[', ']'));
        return kind == UriHostNameType.Unknown || (name != host && kind != UriHostNameType.Dns)
            ? "is not a host name or IP address"
            : null;
    }

    private static (string Host, string? Port) Split(string value)
    {
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            return close > 0 && close + 1 < value.Length && value[close + 1] == ':'
                ? (value[..(close + 1)], value[(close + 2)..])
                : (value, null);
        }

        var colon = value.LastIndexOf(':');
        return colon > 0 && value.IndexOf(':', StringComparison.Ordinal) == colon ? (value[..colon], value[(colon + 1)..]) : (value, null);
    }
}

/// <summary>Advertises <c>allowlist</c>, <c>denylist</c> and <c>must-invite</c> when they are in force.</summary>
internal sealed class TrustDiscoveryContributor(TrustOptions options) : IDiscoveryContributor
{
    public void Contribute(DiscoveryDocumentBuilder document, OcmServerInfo server)
    {
        if (options.Allowlist.Length > 0)
        {
            document.WithCriterion(OcmCriteria.Allowlist);
        }

        if (options.Denylist.Length > 0)
        {
            document.WithCriterion(OcmCriteria.Denylist);
        }

        if (options.MustInvite)
        {
            document.WithCriterion(OcmCriteria.MustInvite);
        }
    }
}

internal static class TrustServiceCollectionExtensions
{
    public static IServiceCollection AddOcmTrust(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TrustOptions.Section).Get<TrustOptions>() ?? new TrustOptions();
        services.AddSingleton(options);
        services.AddSingleton<TrustPolicy>();
        services.AddSingleton<IDiscoveryContributor, TrustDiscoveryContributor>();
        return services;
    }
}
