using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Discovery.Client;

/// <summary>Finds out what a remote OCM server is and speaks.</summary>
public interface IOcmDiscoveryClient
{
    /// <summary>
    /// Discovers <paramref name="target"/> (host, host:port, OCM address or URL). Cached; concurrent calls for one
    /// host share one fetch; failures are remembered for a short while. Throws <see cref="OcmDiscoveryException"/>
    /// naming every URL tried and why it failed, or <see cref="FormatException"/> for input that names no host.
    /// </summary>
    Task<DiscoveredServer> DiscoverAsync(string target, CancellationToken cancellationToken);

    /// <summary>Forgets what is cached for the host (after a peer was seen to change, e.g. an unknown key id).</summary>
    void Invalidate(string target);
}

/// <summary>
/// Discovery per OCM §OCM API Discovery › Process: <c>GET https://host[:port]/.well-known/ocm</c>, falling back to
/// <c>/ocm-provider</c> and <c>/ocm-provider/</c> for pre-1.4 peers, and to plain http only for hosts the
/// <see cref="OutboundPolicy"/> allows as insecure (test setups). A target given as a URL is discovered with the scheme
/// it names and no other. The <see cref="HttpClient"/> given must be the guarded outbound client (SSRF guard and
/// redirect checks). What went wrong is said in words a person understands (<see cref="OcmDiscoveryException.Summary"/>):
/// a web page where the document should be, TLS spoken on a plain-http port and the reverse, a redirect loop.
/// </summary>
public sealed partial class OcmDiscoveryClient(
    HttpClient http,
    OutboundPolicy policy,
    DiscoveryClientOptions options,
    TimeProvider timeProvider,
    ILogger<OcmDiscoveryClient>? logger = null) : IOcmDiscoveryClient
{
    // The order that reaches every deployed peer: 1.4 servers answer the well-known path, pre-1.4 Nextcloud and
    // ownCloud 10 only /ocm-provider, some with and some without the trailing slash.
    private static readonly string[] Paths = ["/.well-known/ocm", "/ocm-provider/", "/ocm-provider"];

    // How common servers answer a plain-http request on their TLS port: nginx, Apache httpd, Go's net/http.
    private static readonly string[] PlainHttpToTlsPortPages =
        ["plain HTTP request was sent to HTTPS port", "speaking plain HTTP to an SSL-enabled server port", "HTTP request to an HTTPS server"];

    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = logger ?? NullLogger<OcmDiscoveryClient>.Instance;

    /// <inheritdoc />
    /// <remarks>
    /// Concurrent callers for the same target share one fetch. A success is cached for
    /// <see cref="DiscoveryClientOptions.CacheTtl"/>, a failure (the same <see cref="OcmDiscoveryException"/>) for
    /// <see cref="DiscoveryClientOptions.NegativeCacheTtl"/>, so a dead peer is not asked again on every operation.
    /// </remarks>
    public async Task<DiscoveredServer> DiscoverAsync(string target, CancellationToken cancellationToken)
    {
        var parsed = DiscoveryTarget.Parse(target);
        var key = parsed.ExplicitScheme is null ? parsed.Authority : parsed.ExplicitScheme + "://" + parsed.Authority;
        while (true)
        {
            var now = timeProvider.GetUtcNow();
            if (_cache.Count >= options.MaxEntries && !_cache.ContainsKey(key))
            {
                Trim(now);
            }

            var entry = _cache.GetOrAdd(key, _ => new CacheEntry(() => FetchAsync(parsed)));
            if (entry.ExpiresAt is { } expires && expires <= now)
            {
                // Expired: replace it, unless another caller already did.
                _cache.TryUpdate(key, new CacheEntry(() => FetchAsync(parsed)), entry);
                continue;
            }

            try
            {
                var result = await entry.Task.WaitAsync(cancellationToken);
                entry.ExpiresAt ??= result.FetchedAt + options.CacheTtl;
                return result;
            }
            catch (OcmDiscoveryException)
            {
                entry.ExpiresAt ??= timeProvider.GetUtcNow() + options.NegativeCacheTtl;
                throw;
            }
        }
    }

    /// <inheritdoc />
    public void Invalidate(string target)
    {
        if (DiscoveryTarget.TryParse(target, out var parsed, out _))
        {
            _cache.TryRemove(parsed.Authority, out _);
            _cache.TryRemove("http://" + parsed.Authority, out _);
            _cache.TryRemove("https://" + parsed.Authority, out _);
        }
    }

    /// <summary>
    /// Keeps the cache within <see cref="DiscoveryClientOptions.MaxEntries"/> however many hosts are asked about: expired
    /// answers go first, then, if that is not enough, the half that expires soonest (fetches in flight stay).
    /// </summary>
    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, entry) in _cache)
        {
            if (entry.ExpiresAt is { } expires && expires <= now)
            {
                _cache.TryRemove(new KeyValuePair<string, CacheEntry>(key, entry));
            }
        }

        if (_cache.Count >= options.MaxEntries)
        {
            foreach (var (key, entry) in _cache.Where(e => e.Value.ExpiresAt is not null).OrderBy(e => e.Value.ExpiresAt).Take(_cache.Count / 2).ToList())
            {
                _cache.TryRemove(new KeyValuePair<string, CacheEntry>(key, entry));
            }
        }
    }

    private async Task<DiscoveredServer> FetchAsync(DiscoveryTarget target)
    {
        // Runs detached from any one caller's cancellation: other callers may be waiting on the same fetch.
        await Task.Yield();
        var attempts = new List<DiscoveryAttempt>();
        foreach (var scheme in Schemes(target))
        {
            foreach (var path in options.TryLegacyPaths ? Paths : Paths[..1])
            {
                var url = new Uri($"{scheme}://{target.Authority}{path}");
                var outcome = await TryFetchAsync(target, url);
                if (outcome.Server is not null)
                {
                    Log.Discovered(_logger, target.Authority, url.ToString(), outcome.Server.Dialect.ToString());
                    return outcome.Server;
                }

                attempts.Add(new DiscoveryAttempt(url, outcome.Failure!, outcome.Kind));
                if (outcome.HostUnreachable)
                {
                    // The same host will not answer on another path over this scheme.
                    break;
                }
            }
        }

        var exception = new OcmDiscoveryException(target.Authority, attempts);
        Log.Failed(_logger, target.Authority, string.Join("; ", attempts.Select(a => $"{a.Url} → {a.Outcome}")));
        throw exception;
    }

    private IEnumerable<string> Schemes(DiscoveryTarget target)
    {
        if (target.ExplicitScheme is not null)
        {
            // The user typed the scheme: use it, and only it. A refused http:// is reported as refused, not
            // silently replaced with https://.
            yield return target.ExplicitScheme;
            yield break;
        }

        yield return Uri.UriSchemeHttps;
        if (policy.IsInsecureAllowed(target.Host, target.Port ?? 443) || policy.IsInsecureAllowed(target.Host, target.Port ?? 80))
        {
            yield return Uri.UriSchemeHttp;
        }
    }

    private async Task<FetchOutcome> TryFetchAsync(DiscoveryTarget target, Uri url)
    {
        using var timeout = new CancellationTokenSource(options.AttemptTimeout, timeProvider);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return await DescribeStatusAsync(response, url, timeout.Token);
            }

            var body = await BoundedContent.ReadAsBytesAsync(response.Content, options.MaxResponseBytes, timeout.Token);
            if (IsWebPage(response, body))
            {
                return FetchOutcome.Fail(DiscoveryFailure.WebPage, "a web page (HTML), not an OCM discovery document");
            }

            var finalUrl = response.RequestMessage?.RequestUri ?? url;
            var analysis = DiscoveryAnalysis.Analyze(body);
            var found = new List<string>(analysis.Violations);
            if (!finalUrl.AbsolutePath.StartsWith("/.well-known/ocm", StringComparison.Ordinal))
            {
                found.Add($"served only at the legacy path {finalUrl.AbsolutePath}; OCM 1.4 requires /.well-known/ocm");
            }

            if (finalUrl.Scheme == Uri.UriSchemeHttp)
            {
                found.Add("served over plain http; OCM requires TLS outside test setups");
            }

            return FetchOutcome.Success(new DiscoveredServer
            {
                Authority = target.Authority,
                DocumentUrl = finalUrl,
                Document = analysis.Document,
                Dialect = analysis.Dialect,
                Violations = found,
                FetchedAt = timeProvider.GetUtcNow(),
            });
        }
        catch (OcmFormatException ex)
        {
            return FetchOutcome.Fail(DiscoveryFailure.NotDiscoveryDocument, "not a discovery document: " + ex.Message);
        }
        catch (ResponseTooLargeException ex)
        {
            return FetchOutcome.Fail(DiscoveryFailure.TooLarge, $"response larger than {ex.Limit} bytes");
        }
        catch (OutboundRequestBlockedException ex) when (ex.Reason == OutboundBlockReason.Policy)
        {
            return FetchOutcome.Unreachable(DiscoveryFailure.Blocked, "blocked: " + ex.Message);
        }
        catch (OutboundRequestBlockedException ex)
        {
            return FetchOutcome.Fail(DiscoveryFailure.RedirectLoop, ex.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return FetchOutcome.Unreachable(DiscoveryFailure.Timeout, $"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return TlsFailure(ex) switch
            {
                TlsAnswer.NotTls => FetchOutcome.Unreachable(
                    DiscoveryFailure.PlainHttpOnTlsPort, "no TLS answer: this port speaks plain http, not https"),
                TlsAnswer.BadCertificate => FetchOutcome.Unreachable(
                    DiscoveryFailure.Certificate, "its TLS certificate is not valid: " + InnermostMessage(ex)),
                _ => FetchOutcome.Unreachable(DiscoveryFailure.Unreachable, "TLS handshake failed: " + InnermostMessage(ex)),
            };
        }
        catch (HttpRequestException ex)
        {
            var reachable = ex.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded;
            if (reachable && url.Scheme == Uri.UriSchemeHttp && await SpeaksTlsAsync(url, timeout.Token))
            {
                return FetchOutcome.Unreachable(
                    DiscoveryFailure.TlsOnPlainHttpPort, $"answered in TLS: this is an https port, use https://{url.Authority}");
            }

            var outcome = "connection failed: " + (ex.InnerException?.Message ?? ex.Message);
            return reachable ? FetchOutcome.Fail(DiscoveryFailure.Other, outcome) : FetchOutcome.Unreachable(Classify(ex), outcome);
        }
    }

    /// <summary>
    /// A status other than 200. A 400 whose body says that plain http reached a TLS port (what nginx, Apache httpd and
    /// Go answer) is named as such.
    /// </summary>
    private static async Task<FetchOutcome> DescribeStatusAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        if (response.StatusCode == HttpStatusCode.BadRequest && url.Scheme == Uri.UriSchemeHttp)
        {
            string body;
            try
            {
                body = Encoding.UTF8.GetString(await BoundedContent.ReadAsBytesAsync(response.Content, 4096, cancellationToken));
            }
            catch (ResponseTooLargeException)
            {
                body = "";
            }

            if (PlainHttpToTlsPortPages.Any(p => body.Contains(p, StringComparison.OrdinalIgnoreCase)))
            {
                return FetchOutcome.Unreachable(
                    DiscoveryFailure.TlsOnPlainHttpPort, $"{status}: plain http sent to an https port, use https://{url.Authority}");
            }
        }

        return (int)response.StatusCode switch
        {
            404 or 410 => FetchOutcome.Fail(DiscoveryFailure.NotFound, status),
            408 or 429 or >= 500 => FetchOutcome.Fail(DiscoveryFailure.ServerError, status),
            401 or 403 => FetchOutcome.Fail(DiscoveryFailure.Refused, status),
            _ => FetchOutcome.Fail(DiscoveryFailure.HttpError, status),
        };
    }

    /// <summary>HTML where JSON should be: a web site, a login page or a single-page app answering every path.</summary>
    private static bool IsWebPage(HttpResponseMessage response, byte[] body)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "text/html" or "application/xhtml+xml")
        {
            return true;
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// After a plain-http request ended without an HTTP answer: does the port speak TLS? One https request to the same
    /// address tells — any answer, or a handshake that got as far as a certificate or a TLS alert, means yes.
    /// </summary>
    private async Task<bool> SpeaksTlsAsync(Uri url, CancellationToken cancellationToken)
    {
        var https = new UriBuilder(url) { Scheme = Uri.UriSchemeHttps, Port = url.Port }.Uri;
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, https);
            using var response = await http.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return true;
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return TlsFailure(ex) != TlsAnswer.NotTls;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Tells a TLS handshake that failed on the certificate, or on a TLS alert, from one that got no TLS at all — the
    /// peer answered with something else (usually plain http), which .NET reports as a corrupted frame without an inner
    /// error.
    /// </summary>
    private static TlsAnswer TlsFailure(HttpRequestException ex)
    {
        var authentication = Chain(ex).OfType<AuthenticationException>().FirstOrDefault();
        if (authentication is null)
        {
            return TlsAnswer.Other;
        }

        // "The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot", "… according to
        // the validation procedure: RemoteCertificateNameMismatch": the server did present a certificate.
        if (authentication.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
        {
            return TlsAnswer.BadCertificate;
        }

        return authentication.InnerException is null ? TlsAnswer.NotTls : TlsAnswer.Other;
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var current = ex; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private static string InnermostMessage(Exception ex) => Chain(ex).Last().Message;

    private enum TlsAnswer
    {
        Other,
        NotTls,
        BadCertificate,
    }

    /// <summary>
    /// Why a request got no HTTP answer. The guarded handler resolves names itself and the connection pool wraps what
    /// it throws, so the cause is looked for down the chain of inner exceptions.
    /// </summary>
    internal static DiscoveryFailure Classify(HttpRequestException exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OutboundRequestBlockedException:
                    return DiscoveryFailure.Blocked;
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData }:
                    // NXDOMAIN or no address for the name; a DNS server that does not answer is TryAgain (transient).
                    return DiscoveryFailure.UnknownHost;
            }
        }

        return DiscoveryFailure.Unreachable;
    }

    private sealed class CacheEntry(Func<Task<DiscoveredServer>> fetch)
    {
        private readonly Lazy<Task<DiscoveredServer>> _task = new(fetch, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>Started by the first caller that reads it; a losing entry of a race is never started.</summary>
        public Task<DiscoveredServer> Task => _task.Value;

        public DateTimeOffset? ExpiresAt { get; set; }
    }

    private sealed record FetchOutcome(DiscoveredServer? Server, string? Failure, DiscoveryFailure Kind, bool HostUnreachable)
    {
        public static FetchOutcome Success(DiscoveredServer server) => new(server, null, DiscoveryFailure.Other, false);

        /// <summary>This URL failed; the same host may still answer on the next path.</summary>
        public static FetchOutcome Fail(DiscoveryFailure kind, string reason) => new(null, reason, kind, false);

        /// <summary>The host will not answer on any path over this scheme.</summary>
        public static FetchOutcome Unreachable(DiscoveryFailure kind, string reason) => new(null, reason, kind, true);
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Debug, "Discovered {Authority} at {Url} ({Dialect})")]
        public static partial void Discovered(ILogger logger, string authority, string url, string dialect);

        [LoggerMessage(101, LogLevel.Warning, "Discovery of {Authority} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string authority, string reason);
    }
}
