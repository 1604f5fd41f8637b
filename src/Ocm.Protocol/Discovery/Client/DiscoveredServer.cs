namespace Ocm.Protocol.Discovery.Client;

/// <summary>The outcome of a successful discovery.</summary>
public sealed record DiscoveredServer
{
    /// <summary><c>host[:port]</c> that was discovered.</summary>
    public required string Authority { get; init; }

    /// <summary>The URL the document was finally read from.</summary>
    public required Uri DocumentUrl { get; init; }

    /// <summary>The normalized discovery document.</summary>
    public required DiscoveryDocument Document { get; init; }

    /// <summary>Which dialect the peer speaks.</summary>
    public required OcmDialect Dialect { get; init; }

    /// <summary>Spec violations found in the document or in how it was served (human-readable).</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    /// <summary>When it was fetched.</summary>
    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>True when the document came over plain http (test setups only).</summary>
    public bool Insecure => DocumentUrl.Scheme == Uri.UriSchemeHttp;
}

/// <summary>Why one discovery request failed, as far as it decides what a caller should do next.</summary>
public enum DiscoveryFailure
{
    /// <summary>Nothing answered: connection refused or reset, no route, or DNS could not be asked. May pass.</summary>
    Unreachable,

    /// <summary>Connected, but no answer came in time. May pass.</summary>
    Timeout,

    /// <summary>The server answered with a temporary error (5xx, 408, 429). May pass.</summary>
    ServerError,

    /// <summary>DNS answered that the host name does not exist.</summary>
    UnknownHost,

    /// <summary>The server answered, but not as an OCM server (404, a web page, not a discovery document, too large).</summary>
    NotOcm,

    /// <summary>The server refused to answer (401, 403).</summary>
    Refused,

    /// <summary>No TLS connection could be made: the port speaks no TLS, or the certificate is not valid.</summary>
    Tls,

    /// <summary>Our own outbound policy forbids the request (plain http, a non-public address, too many redirects).</summary>
    Blocked,
}

/// <summary>One URL tried during discovery and what happened.</summary>
public sealed record DiscoveryAttempt(Uri Url, string Outcome)
{
    /// <summary>What kind of failure <see cref="Outcome"/> describes.</summary>
    public DiscoveryFailure Failure { get; init; } = DiscoveryFailure.Unreachable;
}

/// <summary>Discovery failed; <see cref="Exception.Message"/> lists every URL tried and why each failed.</summary>
public sealed class OcmDiscoveryException : Exception
{
    public OcmDiscoveryException(string target, IReadOnlyList<DiscoveryAttempt> attempts)
        : base(Describe(target, attempts))
    {
        Target = target;
        Attempts = attempts;
        Failure = Decide(attempts);
    }

    public OcmDiscoveryException(string target, string reason)
        : base($"Discovery of '{target}' failed: {reason}")
    {
        Target = target;
        Attempts = [];
    }

    public OcmDiscoveryException()
    {
        Target = "";
        Attempts = [];
    }

    public OcmDiscoveryException(string message)
        : base(message)
    {
        Target = "";
        Attempts = [];
    }

    public OcmDiscoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
        Attempts = [];
    }

    /// <summary>The host that could not be discovered.</summary>
    public string Target { get; }

    /// <summary>Each URL tried, in order.</summary>
    public IReadOnlyList<DiscoveryAttempt> Attempts { get; }

    /// <summary>
    /// The failure that speaks for the whole discovery: what the server said when it answered at all (on any scheme or
    /// path), else why it could not be asked. <see cref="DiscoveryFailure.Unreachable"/> when nothing was tried.
    /// </summary>
    public DiscoveryFailure Failure { get; } = DiscoveryFailure.Unreachable;

    /// <summary>
    /// True when asking again later can succeed without anyone changing anything (a server down, slow, or answering a
    /// temporary error); false when the name does not exist, the server is no OCM server, refuses, or our policy forbids.
    /// </summary>
    public bool IsTransient => Failure is DiscoveryFailure.Unreachable or DiscoveryFailure.Timeout or DiscoveryFailure.ServerError;

    /// <summary>The failure in plain words, starting with the server's name, for people rather than logs.</summary>
    public string Reason
    {
        get
        {
            var first = Attempts.FirstOrDefault(a => a.Failure == Failure)?.Outcome ?? Message;
            return Failure switch
            {
                DiscoveryFailure.UnknownHost => $"there is no server named '{Target}' (the name does not resolve)",
                DiscoveryFailure.Unreachable => $"the server {Target} cannot be reached right now ({first})",
                DiscoveryFailure.Timeout => $"the server {Target} did not answer in time ({first})",
                DiscoveryFailure.ServerError => $"the server {Target} answered with a temporary error ({first})",
                DiscoveryFailure.NotOcm => $"{Target} does not speak OCM: no discovery document at /.well-known/ocm or /ocm-provider ({first})",
                DiscoveryFailure.Refused => $"{Target} refused to say what it supports ({first})",
                DiscoveryFailure.Tls => $"no secure (https) connection to {Target} could be made ({first})",
                _ => $"this server's policy does not allow contacting {Target}: {first.Replace("blocked: ", "", StringComparison.Ordinal)}",
            };
        }
    }

    private static string Describe(string target, IReadOnlyList<DiscoveryAttempt> attempts) =>
        $"Discovery of '{target}' failed: " + string.Join("; ", attempts.Select(a => $"{a.Url} → {a.Outcome}"));

    /// <summary>
    /// An answer from the server outranks every failure to get one (https failing and http answering 404 is a server
    /// that answers, and is not OCM); among answers a temporary error wins, since the server may be mid-restart.
    /// </summary>
    private static DiscoveryFailure Decide(IReadOnlyList<DiscoveryAttempt> attempts)
    {
        DiscoveryFailure[] precedence =
        [
            DiscoveryFailure.ServerError, DiscoveryFailure.NotOcm, DiscoveryFailure.Refused, DiscoveryFailure.Timeout,
            DiscoveryFailure.Unreachable, DiscoveryFailure.Tls, DiscoveryFailure.Blocked, DiscoveryFailure.UnknownHost,
        ];
        foreach (var failure in precedence)
        {
            if (attempts.Any(a => a.Failure == failure))
            {
                return failure;
            }
        }

        return DiscoveryFailure.Unreachable;
    }
}
