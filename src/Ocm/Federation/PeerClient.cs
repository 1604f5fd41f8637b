using System.Net.Http.Headers;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Http;
using Ocm.Protocol.Json;
using Ocm.Signatures;

namespace Ocm.Federation;

/// <summary>
/// The one way this server talks to another: discovery (cached, recorded for operators, <see cref="PeerDirectory"/>),
/// the guarded <see cref="HttpClient"/> (SSRF check at connect time, every redirect re-checked), a time limit per call,
/// the per-peer <see cref="PeerCircuitBreaker"/>, a capped read of every answer, and the signature scheme, chosen
/// from the peer's discovery (<see cref="SignatureSchemes.For"/>) that the caller already has, so signing never asks
/// the peer again. Callers turn the outcome into their own words; failures to get any answer are a
/// <see cref="PeerCallException"/>.
/// </summary>
internal sealed class PeerClient(
    IHttpClientFactory httpClients,
    PeerDirectory directory,
    PeerCircuitBreaker breaker,
    OutgoingRequestSigner signer,
    SecurityOptions security,
    FederationOptions options)
{
    /// <summary>The named <see cref="HttpClient"/> behind every call (a test may add a handler to it).</summary>
    public const string HttpClientName = "ocm-peer";

    /// <summary>
    /// The handler chain every connection to another server goes through: redirects followed one hop at a time, each
    /// re-checked, over connections the SSRF guard allowed. Bulk receive lets large downloads of shared files wait in
    /// the kernel for the bytes promised (<see cref="BulkReceive"/>); other reads are unaffected.
    /// </summary>
    public static HttpMessageHandler CreateHandler(OutboundPolicy policy) =>
        new GuardedRedirectHandler(policy) { InnerHandler = GuardedHttpHandler.Create(policy, bulkReceive: true) };

    /// <summary>
    /// One discovery outside a running server (<c>ocm discover</c>): the same guarded handler chain and capped read,
    /// nothing cached or recorded.
    /// </summary>
    public static async Task<DiscoveredServer> DiscoverOnceAsync(
        FederationOptions options, string target, TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        var policy = options.ToPolicy();
        using var http = new HttpClient(CreateHandler(policy));
        var client = new OcmDiscoveryClient(http, policy, options.ToDiscoveryOptions() with { AttemptTimeout = attemptTimeout }, TimeProvider.System);
        return await client.DiscoverAsync(target, cancellationToken);
    }

    /// <summary>Largest answer read from a peer's API (<c>Ocm:Federation:MaxResponseBytes</c>).</summary>
    public long MaxResponseBytes => options.MaxResponseBytes;

    /// <summary>
    /// What <paramref name="peer"/> is and speaks (OCM §OCM API Discovery). Cached: an operation asks once and passes the
    /// answer on. Throws <see cref="OcmDiscoveryException"/> (or <see cref="FormatException"/> for a name that is none).
    /// </summary>
    public Task<DiscoveredServer> DiscoverAsync(string peer, CancellationToken cancellationToken) =>
        directory.DiscoverAsync(peer, cancellationToken);

    /// <summary>
    /// Contact from <paramref name="peer"/> outside a call of ours (a request it provably sent): if calls to it were
    /// failing, they are let through again, and what waits for it goes out now.
    /// </summary>
    public void HeardFrom(string peer) => breaker.OnSuccess(peer);

    /// <summary>True when calls to <paramref name="peer"/> are not attempted now (its circuit is open until <paramref name="retryAt"/>).</summary>
    public bool IsOpen(string peer, out DateTimeOffset retryAt) => breaker.IsOpen(peer, out retryAt);

    /// <summary>
    /// Asks a peer that could not be reached whether it is back, past the discovery cache, within
    /// <paramref name="timeout"/>: true when it answers discovery again and, if its OCM endpoint lives on another host,
    /// that host answers too (any HTTP status will do) — a delivery would then reach it.
    /// </summary>
    public async Task<bool> ProbeAsync(string peer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await directory.ProbeAsync(peer, timeout, cancellationToken) is not { } discovered)
        {
            return false;
        }

        if (discovered.Document.GetEndPointUri() is not { } endPoint
            || string.Equals(endPoint.Authority, discovered.DocumentUrl.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, endPoint);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends a call to <paramref name="peer"/>'s API and reads its whole answer, at most
    /// <paramref name="maxResponseBytes"/> (default <see cref="MaxResponseBytes"/>; a longer answer is cut off unread and
    /// flagged, <see cref="PeerResponse.TooLarge"/>). A request with a body is signed in the scheme the peer's discovery
    /// calls for — with <paramref name="alwaysSign"/> also to a peer that publishes no key (as <c>Ocm:Security:AlwaysSign</c> does
    /// for every call). The call, answer included, must be done within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="PeerCallException">No answer: circuit open, timeout, unreachable, refused by our policy.</exception>
    public Task<PeerResponse> SendAsync(
        DiscoveredServer peer, HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken, long? maxResponseBytes = null, bool alwaysSign = false) =>
        SendCoreAsync(peer, request, request.Content is null ? SignatureScheme.None : SignatureSchemes.For(peer, security.AlwaysSign || alwaysSign), null, timeout, maxResponseBytes, cancellationToken);

    /// <summary>
    /// For <c>ocm doctor</c>: sends a request signed in <paramref name="scheme"/> (<see cref="SignatureScheme.None"/>:
    /// unsigned), after which <paramref name="afterSigning"/> may change it — a deliberately wrong signature, to see
    /// whether the peer refuses it. Otherwise as <see cref="SendAsync"/>.
    /// </summary>
    /// <exception cref="PeerCallException">No answer: circuit open, timeout, unreachable, refused by our policy.</exception>
    public Task<PeerResponse> SendProbeAsync(
        DiscoveredServer peer, HttpRequestMessage request, SignatureScheme scheme, Action<HttpRequestMessage>? afterSigning, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendCoreAsync(peer, request, scheme, afterSigning, timeout, null, cancellationToken);

    private async Task<PeerResponse> SendCoreAsync(
        DiscoveredServer peer, HttpRequestMessage request, SignatureScheme scheme, Action<HttpRequestMessage>? afterSigning, TimeSpan timeout,
        long? maxResponseBytes, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        CheckCircuit(peer.Authority, url);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            if (request.Content is not null)
            {
                await signer.SignAsync(request, scheme, peer.Authority, limit.Token);
            }

            afterSigning?.Invoke(request);

            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var cap = maxResponseBytes ?? options.MaxResponseBytes;
            byte[] body;
            var tooLarge = false;
            try
            {
                body = await BoundedContent.ReadAsBytesAsync(response.Content, cap, limit.Token);
            }
            catch (ResponseTooLargeException)
            {
                body = [];
                tooLarge = true;
            }

            Answered(peer.Authority, (int)response.StatusCode);
            return new PeerResponse(url, (int)response.StatusCode, response.ReasonPhrase, body, tooLarge ? cap : null, response.Headers.RetryAfter)
            {
                Date = response.Headers.Date,
                ContentType = response.Content.Headers.ContentType?.MediaType,
            };
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw Failure(peer.Authority, url, timeout, ex);
        }
    }

    /// <summary>
    /// Sends a request for data on <paramref name="peer"/> (WebDAV on a share, authorized by the share's own
    /// credentials, never signed) and returns once the answer's headers are in, within <paramref name="timeout"/>; the
    /// body streams on, and the caller disposes the response.
    /// </summary>
    /// <exception cref="PeerCallException">No answer: circuit open, timeout, unreachable, refused by our policy.</exception>
    public async Task<HttpResponseMessage> SendStreamingAsync(string peer, HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        CheckCircuit(peer, url);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            Answered(peer, (int)response.StatusCode);
            return response;
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw Failure(peer, url, timeout, ex);
        }
    }

    /// <summary>
    /// An anonymous GET of a document that is not a peer's API (a JWK Set, a directory service's list): guarded, within
    /// <paramref name="timeout"/>, at most <paramref name="maxResponseBytes"/> read; no circuit, as the host is not
    /// necessarily an OCM peer.
    /// </summary>
    /// <exception cref="PeerCallException">No answer: timeout, unreachable, refused by our policy.</exception>
    public async Task<PeerResponse> GetDocumentAsync(Uri url, long maxResponseBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            try
            {
                var body = await BoundedContent.ReadAsBytesAsync(response.Content, maxResponseBytes, limit.Token);
                return new PeerResponse(url, (int)response.StatusCode, response.ReasonPhrase, body, null, response.Headers.RetryAfter)
                {
                    Date = response.Headers.Date,
                    ContentType = response.Content.Headers.ContentType?.MediaType,
                    FinalUrl = response.RequestMessage?.RequestUri,
                };
            }
            catch (ResponseTooLargeException)
            {
                return new PeerResponse(url, (int)response.StatusCode, response.ReasonPhrase, [], maxResponseBytes, response.Headers.RetryAfter);
            }
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw Describe(url.Authority, url, timeout, ex);
        }
    }

    private HttpClient Http => httpClients.CreateClient(HttpClientName);

    private void CheckCircuit(string peer, Uri url)
    {
        if (breaker.IsOpen(peer, out var retryAt))
        {
            throw new PeerCallException(PeerFailure.CircuitOpen, peer, url, $"the server {peer} is not answering; the next attempt is at {retryAt:u}", retryAt: retryAt);
        }
    }

    /// <summary>An answer: a temporary error counts against the peer's circuit, anything else closes it.</summary>
    private void Answered(string peer, int status)
    {
        if (status is 408 or 429 or >= 500)
        {
            breaker.OnFailure(peer);
        }
        else
        {
            breaker.OnSuccess(peer);
        }
    }

    /// <summary>No answer (not a cancellation by the caller): what <see cref="Describe"/> puts in words.</summary>
    private static bool IsNoAnswer(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>No answer: counted against the peer's circuit unless our own policy refused the call.</summary>
    private PeerCallException Failure(string peer, Uri url, TimeSpan timeout, Exception exception)
    {
        var failure = Describe(peer, url, timeout, exception);
        if (failure.Failure != PeerFailure.Blocked)
        {
            breaker.OnFailure(peer, unreachable: failure.Failure == PeerFailure.Unreachable);
        }

        return failure;
    }

    private static PeerCallException Describe(string peer, Uri url, TimeSpan timeout, Exception exception)
    {
        var where = url.GetLeftPart(UriPartial.Path);
        return exception switch
        {
            OutboundRequestBlockedException blocked => new PeerCallException(PeerFailure.Blocked, peer, url, blocked.Message, blocked),
            HttpRequestException http => new PeerCallException(
                http.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError ? PeerFailure.Unreachable : PeerFailure.Broken,
                peer,
                url,
                $"the server {peer} cannot be reached right now ({where}: {http.Message})",
                http),
            _ => new PeerCallException(PeerFailure.Timeout, peer, url, $"the server {peer} did not answer within {timeout.TotalSeconds:0.#} s ({where})", exception),
        };
    }
}

/// <summary>A peer's answer, read whole (up to the cap).</summary>
/// <param name="Url">The URL called.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="ReasonPhrase">The status line's reason phrase.</param>
/// <param name="Body">The body; empty when it was longer than the cap.</param>
/// <param name="TooLarge">The cap, when the body was longer and was cut off unread.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, if any.</param>
internal sealed record PeerResponse(Uri Url, int Status, string? ReasonPhrase, byte[] Body, long? TooLarge, RetryConditionHeaderValue? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>
    /// The peer's own error message in <paramref name="body"/> (an OCM error in whichever dialect), cut short and
    /// stripped of control characters, to quote to the user; null when the body holds none.
    /// </summary>
    public static string? MessageIn(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            var message = OcmJson.ReadError(body).Message;
            if (string.IsNullOrWhiteSpace(message))
            {
                return null;
            }

            var clean = new string(message.Where(c => !char.IsControl(c)).ToArray()).Trim();
            return clean.Length > 300 ? clean[..300] + "…" : clean;
        }
        catch (Exception ex) when (ex is OcmFormatException or FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The answer's <c>Date</c> header (RFC 9110 §6.6.1): the peer's clock.</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>The media type of the body, e.g. <c>application/json</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>For a document fetched with redirects followed: the URL that finally answered (null when unknown).</summary>
    public Uri? FinalUrl { get; init; }

    /// <summary>How long the peer asks to be left alone (<c>Retry-After</c>, RFC 9110 §10.2.3), from <paramref name="now"/>.</summary>
    public TimeSpan? RetryAfterFrom(DateTimeOffset now) => RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}

/// <summary>Why a call got no answer.</summary>
internal enum PeerFailure
{
    /// <summary>The peer's circuit is open: it failed repeatedly and is left alone until <see cref="PeerCallException.RetryAt"/>.</summary>
    CircuitOpen,

    /// <summary>No answer in time.</summary>
    Timeout,

    /// <summary>No connection: refused, no route, or the name did not resolve.</summary>
    Unreachable,

    /// <summary>Connected, but the exchange broke off (reset, malformed answer, TLS failure).</summary>
    Broken,

    /// <summary>Our own outbound policy refused the address, the scheme or the redirects.</summary>
    Blocked,
}

/// <summary>A call to another server got no answer; the message says why in words, naming the server.</summary>
internal sealed class PeerCallException : Exception
{
    public PeerCallException(PeerFailure failure, string peer, Uri url, string message, Exception? inner = null, DateTimeOffset? retryAt = null)
        : base(message, inner)
    {
        Failure = failure;
        Peer = peer;
        Url = url;
        RetryAt = retryAt;
    }

    public PeerFailure Failure { get; }

    /// <summary>The peer's authority.</summary>
    public string Peer { get; }

    public Uri Url { get; }

    /// <summary>For <see cref="PeerFailure.CircuitOpen"/>: when the peer is tried again.</summary>
    public DateTimeOffset? RetryAt { get; }

    /// <summary>The underlying error's own message (e.g. the connection error), without our framing.</summary>
    public string Detail => InnerException?.Message ?? Message;
}
