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

/// <summary>One URL tried during discovery and what happened.</summary>
/// <param name="Url">The URL requested.</param>
/// <param name="Outcome">What happened, in words.</param>
/// <param name="Failure">What kind of failure it was.</param>
public sealed record DiscoveryAttempt(Uri Url, string Outcome, DiscoveryFailure Failure = DiscoveryFailure.Other);

/// <summary>Why a discovery URL gave no discovery document.</summary>
public enum DiscoveryFailure
{
    /// <summary>None of the kinds below.</summary>
    Other,

    /// <summary>Nothing answered: the connection was refused or reset, no route, or DNS could not be asked. May pass.</summary>
    Unreachable,

    /// <summary>Connected, but no answer came in time. May pass.</summary>
    Timeout,

    /// <summary>DNS answered that the host name does not exist.</summary>
    UnknownHost,

    /// <summary>The server answered with a temporary error (5xx, 408, 429). May pass.</summary>
    ServerError,

    /// <summary>The server refused to answer (401, 403).</summary>
    Refused,

    /// <summary>Our own outbound policy refused it (a non-public address, or plain http to a host not allowed).</summary>
    Blocked,

    /// <summary>The server answered 404 or 410: there is no discovery document at that path.</summary>
    NotFound,

    /// <summary>The server answered another client error status (4xx other than 401, 403, 404, 408, 410, 429).</summary>
    HttpError,

    /// <summary>The server answered with an HTML page: a web site, not an OCM server.</summary>
    WebPage,

    /// <summary>The server answered 200 with something that is not a discovery document.</summary>
    NotDiscoveryDocument,

    /// <summary>The answer was larger than the limit.</summary>
    TooLarge,

    /// <summary>A plain-http request was answered in TLS: the port is an https port.</summary>
    TlsOnPlainHttpPort,

    /// <summary>An https request got no TLS answer: the port speaks plain http.</summary>
    PlainHttpOnTlsPort,

    /// <summary>The server's TLS certificate is not valid for it.</summary>
    Certificate,

    /// <summary>Redirects that loop or never end.</summary>
    RedirectLoop,
}

/// <summary>
/// Discovery failed. <see cref="Summary"/> says why in one sentence a person understands; <see cref="Exception.Message"/>
/// adds every URL tried and what each answered.
/// </summary>
public sealed class OcmDiscoveryException : Exception
{
    // Our own policy comes first (only an operator can change it). Then what the server turned out to be outranks how
    // we failed to reach it: an https attempt refused by a plain-http server tells less than the 404 the same server
    // then answered over http, and a plain-http server that connects but never answers is slow, not "no TLS". Among
    // answers a temporary error wins, since the server may be mid-restart.
    private static readonly DiscoveryFailure[] Precedence =
    [
        DiscoveryFailure.Blocked, DiscoveryFailure.RedirectLoop, DiscoveryFailure.ServerError, DiscoveryFailure.WebPage,
        DiscoveryFailure.NotDiscoveryDocument, DiscoveryFailure.TooLarge, DiscoveryFailure.Refused, DiscoveryFailure.HttpError,
        DiscoveryFailure.NotFound, DiscoveryFailure.Timeout, DiscoveryFailure.TlsOnPlainHttpPort, DiscoveryFailure.PlainHttpOnTlsPort,
        DiscoveryFailure.Certificate, DiscoveryFailure.Unreachable, DiscoveryFailure.UnknownHost, DiscoveryFailure.Other,
    ];

    /// <summary>
    /// Discovery of <paramref name="target"/> failed after <paramref name="attempts"/>, in the order they were made; the
    /// <see cref="Summary"/> is taken from the attempt that tells the most (our own policy first, then what the server
    /// turned out to be, then how it could not be reached).
    /// </summary>
    /// <param name="target">What was discovered, as the caller gave it (host, host:port, OCM address or URL).</param>
    /// <param name="attempts">Every URL tried and what it answered; may be empty.</param>
    public OcmDiscoveryException(string target, IReadOnlyList<DiscoveryAttempt> attempts)
        : this(target, attempts, Main(attempts))
    {
    }

    /// <summary>
    /// Discovery of <paramref name="target"/> failed before any request was made, e.g. because the target cannot be
    /// parsed or our outbound policy forbids it; <paramref name="reason"/> becomes the <see cref="Summary"/>.
    /// </summary>
    /// <param name="target">What was discovered, as the caller gave it.</param>
    /// <param name="reason">One sentence a person understands, without the target's name.</param>
    public OcmDiscoveryException(string target, string reason)
        : base($"Discovery of '{target}' failed: {reason}")
    {
        Target = target;
        Attempts = [];
        Summary = reason;
    }

    /// <summary>A discovery failure without details; <see cref="Target"/> is empty and no attempt is listed.</summary>
    public OcmDiscoveryException()
    {
        Target = "";
        Attempts = [];
        Summary = Message;
    }

    /// <summary>A discovery failure described by <paramref name="message"/>, which is also the <see cref="Summary"/>.</summary>
    /// <param name="message">One sentence a person understands.</param>
    public OcmDiscoveryException(string message)
        : base(message)
    {
        Target = "";
        Attempts = [];
        Summary = message;
    }

    /// <summary>A discovery failure caused by <paramref name="innerException"/>; <paramref name="message"/> is the <see cref="Summary"/>.</summary>
    /// <param name="message">One sentence a person understands.</param>
    /// <param name="innerException">What went wrong underneath (a socket, TLS or parse error).</param>
    public OcmDiscoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
        Attempts = [];
        Summary = message;
    }

    private OcmDiscoveryException(string target, IReadOnlyList<DiscoveryAttempt> attempts, DiscoveryAttempt? main)
        : base($"Discovery of '{target}' failed: {Summarize(target, attempts, main)} Tried: "
            + string.Join("; ", attempts.Select(a => $"{a.Url} → {a.Outcome}")))
    {
        Target = target;
        Attempts = attempts;
        Failure = main?.Failure ?? DiscoveryFailure.Other;
        Summary = Summarize(target, attempts, main);
    }

    /// <summary>The host that could not be discovered.</summary>
    public string Target { get; }

    /// <summary>Each URL tried, in order.</summary>
    public IReadOnlyList<DiscoveryAttempt> Attempts { get; }

    /// <summary>The failure that says most about the target (see <see cref="Summary"/>).</summary>
    public DiscoveryFailure Failure { get; }

    /// <summary>Why discovery failed, in one sentence for people (no list of URLs).</summary>
    public string Summary { get; }

    /// <summary>
    /// True when asking again later can succeed without anyone changing anything (a server down, slow, or answering a
    /// temporary error); false when the name does not exist, the server is no OCM server, refuses, or our policy forbids.
    /// </summary>
    public bool IsTransient => Failure is DiscoveryFailure.Unreachable or DiscoveryFailure.Timeout or DiscoveryFailure.ServerError;

    private static DiscoveryAttempt? Main(IReadOnlyList<DiscoveryAttempt> attempts) =>
        attempts.OrderBy(a => Array.IndexOf(Precedence, a.Failure)).FirstOrDefault();

    private static string Summarize(string target, IReadOnlyList<DiscoveryAttempt> attempts, DiscoveryAttempt? main) => main?.Failure switch
    {
        null => $"nothing was tried for {target}.",
        DiscoveryFailure.Blocked => Detail(main),
        DiscoveryFailure.RedirectLoop => $"{target} sends the discovery request round in circles. {Detail(main)}",
        DiscoveryFailure.WebPage => $"{target} answers with a web page where the OCM discovery document should be: this is a web page, not an OCM server.",
        DiscoveryFailure.NotDiscoveryDocument => $"{target} answers, but not with an OCM discovery document ({main.Outcome}): it does not look like an OCM server.",
        DiscoveryFailure.TooLarge => $"{target} answers with a discovery document too large to read ({main.Outcome}).",
        DiscoveryFailure.ServerError => $"{target} answers {main.Outcome} at {main.Url.AbsolutePath}: it may be down or restarting; try again later.",
        DiscoveryFailure.Refused => $"{target} refuses to show its OCM discovery document ({main.Outcome} at {main.Url.AbsolutePath}).",
        DiscoveryFailure.HttpError => $"{target} answers {main.Outcome} at {main.Url.AbsolutePath}: it does not serve an OCM discovery document there.",
        DiscoveryFailure.NotFound => $"{target} answers, but has no OCM discovery document ({string.Join(", ", attempts.Where(a => a.Failure == DiscoveryFailure.NotFound).Select(a => a.Url.AbsolutePath).Distinct())}): it is not an OCM server, or OCM is not enabled there.",
        DiscoveryFailure.TlsOnPlainHttpPort => $"{target} speaks TLS on that port: it is an https port, not plain http; use https://{main.Url.Authority}.",
        DiscoveryFailure.PlainHttpOnTlsPort => $"{target} does not speak TLS on that port: it is a plain-http port, not https (plain http is for test setups only).",
        DiscoveryFailure.Certificate => $"{target} has a TLS certificate this server does not accept: {Detail(main)}",
        DiscoveryFailure.Unreachable => $"the server {target} cannot be reached right now: {Detail(main)}",
        DiscoveryFailure.Timeout => $"{target} did not answer in time: {Detail(main)}",
        DiscoveryFailure.UnknownHost => $"there is no server named {target}: the name does not resolve.",
        _ => $"{target} cannot be discovered: {Detail(main)}",
    };

    private static string Detail(DiscoveryAttempt attempt)
    {
        var detail = attempt.Outcome.StartsWith("blocked: ", StringComparison.Ordinal) ? attempt.Outcome["blocked: ".Length..] : attempt.Outcome;
        return detail.EndsWith('.') ? detail : detail + ".";
    }
}
