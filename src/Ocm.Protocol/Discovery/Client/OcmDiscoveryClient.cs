using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
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
/// Discovery per ocm-protocol.md §3.1: <c>GET https://host[:port]/.well-known/ocm</c>, falling back to
/// <c>/ocm-provider</c> and <c>/ocm-provider/</c> for pre-1.4 peers, and to plain http only for hosts the
/// <see cref="OutboundPolicy"/> allows as insecure (test setups). The <see cref="HttpClient"/> given must be the
/// guarded outbound client (SSRF guard and redirect checks).
/// </summary>
public sealed partial class OcmDiscoveryClient(
    HttpClient http,
    OutboundPolicy policy,
    DiscoveryClientOptions options,
    TimeProvider timeProvider,
    ILogger<OcmDiscoveryClient>? logger = null) : IOcmDiscoveryClient
{
    // ocm-peers.md §3.1: the order that matches every deployed peer.
    private static readonly string[] Paths = ["/.well-known/ocm", "/ocm-provider/", "/ocm-provider"];

    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = logger ?? NullLogger<OcmDiscoveryClient>.Instance;

    public async Task<DiscoveredServer> DiscoverAsync(string target, CancellationToken cancellationToken)
    {
        var parsed = DiscoveryTarget.Parse(target);
        var key = parsed.ExplicitScheme is null ? parsed.Authority : parsed.ExplicitScheme + "://" + parsed.Authority;
        while (true)
        {
            var now = timeProvider.GetUtcNow();
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

    public void Invalidate(string target)
    {
        if (DiscoveryTarget.TryParse(target, out var parsed, out _))
        {
            _cache.TryRemove(parsed.Authority, out _);
            _cache.TryRemove("http://" + parsed.Authority, out _);
            _cache.TryRemove("https://" + parsed.Authority, out _);
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

                attempts.Add(new DiscoveryAttempt(url, outcome.Failure!) { Failure = outcome.Kind });
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
        var insecureAllowed = policy.IsInsecureAllowed(target.Host, target.Port ?? 443) || policy.IsInsecureAllowed(target.Host, target.Port ?? 80);
        if (target.ExplicitScheme == Uri.UriSchemeHttp)
        {
            if (insecureAllowed)
            {
                yield return Uri.UriSchemeHttp;
            }

            yield return Uri.UriSchemeHttps;
            yield break;
        }

        yield return Uri.UriSchemeHttps;
        if (insecureAllowed && target.ExplicitScheme is null)
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
                var status = (int)response.StatusCode;
                var kind = status switch
                {
                    408 or 429 or >= 500 => DiscoveryFailure.ServerError,
                    401 or 403 => DiscoveryFailure.Refused,
                    _ => DiscoveryFailure.NotOcm,
                };
                return FetchOutcome.Fail($"HTTP {status} {response.ReasonPhrase}".TrimEnd(), kind);
            }

            var body = await BoundedContent.ReadAsBytesAsync(response.Content, options.MaxResponseBytes, timeout.Token);
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
            return FetchOutcome.Fail("not a discovery document: " + ex.Message, DiscoveryFailure.NotOcm);
        }
        catch (ResponseTooLargeException ex)
        {
            return FetchOutcome.Fail($"response larger than {ex.Limit} bytes", DiscoveryFailure.NotOcm);
        }
        catch (OutboundRequestBlockedException ex)
        {
            return FetchOutcome.Unreachable("blocked: " + ex.Message, DiscoveryFailure.Blocked);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return FetchOutcome.Unreachable($"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s", DiscoveryFailure.Timeout);
        }
        catch (HttpRequestException ex)
        {
            var reachable = ex.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded;
            var outcome = "connection failed: " + (ex.InnerException?.Message ?? ex.Message);
            return reachable ? FetchOutcome.Fail(outcome, DiscoveryFailure.NotOcm) : FetchOutcome.Unreachable(outcome, Classify(ex));
        }
    }

    private sealed class CacheEntry(Func<Task<DiscoveredServer>> fetch)
    {
        private readonly Lazy<Task<DiscoveredServer>> _task = new(fetch, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>Started by the first caller that reads it; a losing entry of a race is never started.</summary>
        public Task<DiscoveredServer> Task => _task.Value;

        public DateTimeOffset? ExpiresAt { get; set; }
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
                case System.Security.Authentication.AuthenticationException:
                    return DiscoveryFailure.Tls;
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData }:
                    // NXDOMAIN or no address for the name; a DNS server that does not answer is TryAgain (transient).
                    return DiscoveryFailure.UnknownHost;
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return DiscoveryFailure.Tls;
            }
        }

        return DiscoveryFailure.Unreachable;
    }

    private sealed record FetchOutcome(DiscoveredServer? Server, string? Failure, bool HostUnreachable, DiscoveryFailure Kind)
    {
        public static FetchOutcome Success(DiscoveredServer server) => new(server, null, false, default);

        public static FetchOutcome Fail(string reason, DiscoveryFailure kind) => new(null, reason, false, kind);

        public static FetchOutcome Unreachable(string reason, DiscoveryFailure kind) => new(null, reason, true, kind);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Discovered {Authority} at {Url} ({Dialect})")]
        public static partial void Discovered(ILogger logger, string authority, string url, string dialect);

        [LoggerMessage(2, LogLevel.Warning, "Discovery of {Authority} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string authority, string reason);
    }
}
