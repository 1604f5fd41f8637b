using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Http;
using Ocm.Protocol.Json;
using Ocm.Protocol.Tokens;
using Ocm.Shares;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>Why a remote share could not be reached, with the status to answer the recipient's client.</summary>
internal sealed class RemoteShareException(int status, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>What a PROPFIND Depth 0 on a share's remote root said.</summary>
internal sealed record RemoteStat(bool IsFolder, long Size, string? ETag, DateTimeOffset? Modified, DateTimeOffset FetchedAt);

/// <summary>One member of a folder inside a received share, as the sender listed it.</summary>
/// <summary>
/// One member of a folder inside a received share, as the sender listed it; <see cref="Checksums"/> is the sender's
/// <c>oc:checksums</c> (e.g. <c>SHA1:… SHA256:…</c>) when it offers one.
/// </summary>
internal sealed record RemoteMember(string Name, bool IsFolder, long? Size, string? ETag, DateTimeOffset? Modified, string? Checksums = null);

/// <summary>
/// A folder inside a received share (PROPFIND Depth 1): its members, or <see cref="IsFolder"/> false when the path
/// names a file. <see cref="Truncated"/> when the sender listed more than <see cref="RemoteShareClient.MaxListedMembers"/>.
/// </summary>
internal sealed record RemoteFolder(bool IsFolder, IReadOnlyList<RemoteMember> Members, bool Truncated);

/// <summary>
/// Talks to the sender's WebDAV for a received share (OCM §Resource Access): finds the URL (absolute <c>uri</c>, or
/// the sender's discovered WebDAV root plus the id, or the root alone for legacy shares), picks credentials — an
/// exchanged token when the share demands it (OCM §Resource Access step 3.1) or the sender offers the code flow, else <c>Bearer</c> with the
/// secret and <c>Basic base64(secret:)</c> for legacy shares, in that order of preference — remembers per share what
/// worked, and bounds every call by the share timeout and the per-peer circuit breaker. Thread-safe singleton.
/// </summary>
internal sealed partial class RemoteShareClient(
    PeerClient peers,
    SecretProtector secrets,
    OcmServerInfo server,
    SharesOptions options,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<RemoteShareClient> logger)
{
    /// <summary>The most members of one folder read from a sender's listing; the rest is left unread.</summary>
    public const int MaxListedMembers = 10_000;

    /// <summary>
    /// The most bytes of a sender's PROPFIND answer read: ample for <see cref="MaxListedMembers"/> entries (a few hundred
    /// bytes each), and a bound on what a sender answering without end can make us read.
    /// </summary>
    public const long MaxListingBytes = 32L * 1024 * 1024;

    private const string OwnCloudNamespace = "http://owncloud.org/ns";

    private static readonly TimeSpan StatFreshFor = TimeSpan.FromSeconds(15);

    /// <summary>How long a share's last known stat is kept for <see cref="CachedStat"/> without being asked for.</summary>
    private static readonly TimeSpan StatKeptFor = TimeSpan.FromHours(1);

    /// <summary>Shares whose tokens or stats are held before the expired ones are dropped.</summary>
    private const int TrimAbove = 1000;

    private readonly ConcurrentDictionary<long, (string Token, DateTimeOffset Expires)> _tokens = new();
    private readonly ConcurrentDictionary<long, RemoteStat> _stats = new();

    public TimeSpan Timeout => TimeSpan.FromSeconds(options.RemoteTimeoutSeconds);

    /// <summary>The last known stat of a share's remote root, without contacting anyone.</summary>
    public RemoteStat? CachedStat(long shareId) => _stats.TryGetValue(shareId, out var stat) ? stat : null;

    /// <summary>The share's remote root URL: a folder URL ends with a slash.</summary>
    public Task<Uri> LocateAsync(ReceivedShare share, CancellationToken cancellationToken) =>
        LocateAsync(share, new Sender(peers, share.SenderHost), cancellationToken);

    private static async Task<Uri> LocateAsync(ReceivedShare share, Sender sender, CancellationToken cancellationToken)
    {
        Uri location;
        if (share.WebDavUri is { } uri && Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "https" or "http")
        {
            location = absolute;
        }
        else
        {
            DiscoveredServer discovered;
            try
            {
                discovered = await sender.DiscoverAsync(cancellationToken);
            }
            catch (OcmDiscoveryException ex)
            {
                throw new RemoteShareException(StatusCodes.Status502BadGateway, $"The sender's server {share.SenderHost} could not be discovered: {ex.Message}");
            }

            var root = discovered.Document.GetWebDavRoot(share.ResourceType)
                ?? throw new RemoteShareException(StatusCodes.Status502BadGateway, $"The sender's server {share.SenderHost} advertises no WebDAV root.");
            location = share.WebDavUri is { Length: > 0 } id ? new Uri(root, Uri.EscapeDataString(id.Trim('/'))) : root;
        }

        return share.ResourceType == "folder" || share.IsFolder == true ? WithTrailingSlash(location) : location;
    }

    /// <summary>
    /// Sends a request built for the share's remote root with the right credentials. A request that can be sent again
    /// (<paramref name="replayable"/>: no body) is retried with the next kind of credentials on 401; one with a body
    /// first makes sure which kind works with a PROPFIND. The response's headers are read within the share timeout;
    /// the body streams on.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(ReceivedShare share, Func<Uri, HttpRequestMessage> build, bool replayable, CancellationToken cancellationToken)
    {
        if (peers.IsOpen(share.SenderHost, out var retryAt))
        {
            throw CircuitOpen(share, retryAt);
        }

        // One operation, one look at the sender's discovery (cached), shared by the location, the choice of
        // credentials and the token exchange.
        var sender = new Sender(peers, share.SenderHost);
        var root = await LocateAsync(share, sender, cancellationToken);
        var methods = await CandidatesAsync(share, sender, cancellationToken);
        if (!replayable && share.AccessMethod is null && methods.Count > 1)
        {
            using var probe = await SendOnceAsync(share, sender, () => Propfind(root), methods, retryOnRefusal: true, cancellationToken);
            methods = [share.AccessMethod ?? methods[0]];
        }

        return await SendOnceAsync(share, sender, () => build(root), methods, replayable, cancellationToken);
    }

    /// <summary>PROPFIND Depth 0 on the share's root, cached briefly; null when the sender cannot say right now.</summary>
    public async Task<RemoteStat?> StatAsync(ReceivedShare share, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (_stats.TryGetValue(share.Id, out var cached) && time.GetUtcNow() - cached.FetchedAt < StatFreshFor)
        {
            return cached;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(maxWait);
        try
        {
            using var response = await SendAsync(share, Propfind, replayable: true, timeout.Token);
            if ((int)response.StatusCode != 207)
            {
                return cached;
            }

            await using var body = await BoundedContent.ReadAsStreamAsync(response.Content, MaxListingBytes, timeout.Token);
            var (entries, _) = await ReadMultistatusAsync(body, maxEntries: 1, timeout.Token);
            if (entries is not [{ IsFolder: { } isFolder } root, ..])
            {
                return cached;
            }

            var stat = new RemoteStat(isFolder, root.Size ?? 0, root.ETag, root.Modified, time.GetUtcNow());

            Trim(_stats, (_, kept) => time.GetUtcNow() - kept.FetchedAt > StatKeptFor);
            _stats[share.Id] = stat;
            if (stat.IsFolder && share.ResourceType == "file" && share.IsFolder != true)
            {
                // Nextcloud announces folders as files; what the remote says wins.
                share.IsFolder = true;
                await UpdateAsync(share.Id, s => s.IsFolder = true, CancellationToken.None);
            }

            return stat;
        }
        catch (Exception ex) when (ex is RemoteShareException or OperationCanceledException or HttpRequestException or XmlException)
        {
            return cached;
        }
    }

    /// <summary>
    /// Lists the folder at <paramref name="folder"/> inside the share with a PROPFIND Depth 1 on the sender. A sender
    /// that cannot be reached, refuses access (403), has no such folder (404) or answers something unusable (502) raises
    /// <see cref="RemoteShareException"/> with the status to show.
    /// </summary>
    public async Task<RemoteFolder> ListAsync(ReceivedShare share, StoragePath folder, CancellationToken cancellationToken)
    {
        Uri? requested = null;
        using var response = await SendAsync(
            share,
            root => Propfind(requested = Combine(root, folder.IsRoot ? "" : folder.ToUrlPath() + "/"), depth: "1"),
            replayable: true,
            cancellationToken);
        var status = (int)response.StatusCode;
        switch (status)
        {
            case 207:
                break;
            case 401 or 403:
                throw new RemoteShareException(StatusCodes.Status403Forbidden, $"{share.SenderHost} refused access to '{share.Name}' ({status}); the share may have ended.");
            case 404:
                throw new RemoteShareException(StatusCodes.Status404NotFound, $"{share.SenderHost} has no folder {folder} in '{share.Name}'.");
            default:
                throw new RemoteShareException(StatusCodes.Status502BadGateway, $"{share.SenderHost} answered the folder listing with HTTP {status}.");
        }

        List<RemoteEntry> entries;
        bool truncated;
        try
        {
            await using var body = await BoundedContent.ReadAsStreamAsync(response.Content, MaxListingBytes, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            (entries, truncated) = await ReadMultistatusAsync(body, MaxListedMembers + 1, timeout.Token);
        }
        catch (XmlException)
        {
            throw new RemoteShareException(StatusCodes.Status502BadGateway, $"{share.SenderHost} answered the folder listing with XML that cannot be read.");
        }
        catch (ResponseTooLargeException ex)
        {
            throw new RemoteShareException(
                StatusCodes.Status502BadGateway, $"{share.SenderHost} answered the folder listing with more than {ex.Limit} bytes; the rest was left unread.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteShareException(StatusCodes.Status504GatewayTimeout, $"{share.SenderHost} did not finish the folder listing within {Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException)
        {
            throw new RemoteShareException(StatusCodes.Status502BadGateway, $"{share.SenderHost} broke off the folder listing.");
        }

        // Hrefs are matched segment by segment, decoded, against the URL asked for (after redirects, if any), so the
        // sender's own escaping does not matter and an encoded "/" cannot smuggle a path into a name.
        var self = Segments((response.RequestMessage?.RequestUri ?? requested!).AbsolutePath);
        var members = new List<RemoteMember>();
        var isFolder = true;
        foreach (var entry in entries)
        {
            if (DavLocations.PathOf(entry.Href) is not { } path)
            {
                continue;
            }

            var segments = Segments(path);
            if (segments.Count == self.Count && segments.SequenceEqual(self, StringComparer.Ordinal))
            {
                isFolder = entry.IsFolder != false;
                continue;
            }

            // Only direct children with names that can be shown and asked for again; anything else is ignored.
            if (segments.Count != self.Count + 1 || !segments.Take(self.Count).SequenceEqual(self, StringComparer.Ordinal)
                || StoragePath.CheckName(segments[^1]) != PathError.None)
            {
                continue;
            }

            members.Add(new RemoteMember(segments[^1], entry.IsFolder == true, entry.Size, entry.ETag, entry.Modified, entry.Checksums));
        }

        return new RemoteFolder(isFolder, members, truncated);
    }

    /// <summary><paramref name="relativeUrlPath"/> (percent-encoded, no leading slash) below the share's remote root.</summary>
    internal static Uri Combine(Uri root, string relativeUrlPath)
    {
        if (relativeUrlPath.Length == 0)
        {
            return root;
        }

        var path = root.AbsolutePath.EndsWith('/') ? root.AbsolutePath + relativeUrlPath : root.AbsolutePath + "/" + relativeUrlPath;
        return new UriBuilder(root) { Path = path }.Uri;
    }

    private static List<string> Segments(string encodedPath) =>
        encodedPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();

    private static HttpRequestMessage Propfind(Uri root) => Propfind(root, depth: "0");

    private static HttpRequestMessage Propfind(Uri url, string depth)
    {
        var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), url)
        {
            Content = new StringContent(
                "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\"><d:prop><d:resourcetype/><d:getcontentlength/><d:getetag/><d:getlastmodified/><oc:checksums/></d:prop></d:propfind>",
                Encoding.UTF8,
                "application/xml"),
        };
        request.Headers.TryAddWithoutValidation("Depth", depth);
        return request;
    }

    /// <summary>
    /// Sends with the first kind of credentials that can be had; on 401 the next kind is tried when
    /// <paramref name="retryOnRefusal"/> (the request has no body). An optional token exchange that fails — endpoint down,
    /// refused, an unusable answer — falls back to the shared secret (OCM §Resource Access 3.1, Decision Table 3; R89): nothing
    /// was sent yet, so this holds for a request with a body too.
    /// </summary>
    private async Task<HttpResponseMessage> SendOnceAsync(
        ReceivedShare share, Sender sender, Func<HttpRequestMessage> build, IReadOnlyList<ShareAccessMethod> methods, bool retryOnRefusal, CancellationToken cancellationToken)
    {
        HttpResponseMessage? last = null;
        for (var i = 0; i < methods.Count; i++)
        {
            var method = methods[i];
            AuthenticationHeaderValue credential;
            try
            {
                credential = await CredentialAsync(share, sender, method, cancellationToken);
            }
            catch (RemoteShareException ex) when (method == ShareAccessMethod.Token && !share.MustExchangeToken && ex.RetryAfter is null && i + 1 < methods.Count)
            {
                Log.TokenExchangeFallback(logger, share.Id, share.SenderHost, ex.Message);
                continue;
            }

            last?.Dispose();
            var request = build();
            request.Headers.Authorization = credential;
            try
            {
                last = await peers.SendStreamingAsync(share.SenderHost, request, Timeout, cancellationToken);
            }
            catch (PeerCallException ex)
            {
                throw ex.Failure switch
                {
                    PeerFailure.CircuitOpen => CircuitOpen(share, ex.RetryAt!.Value),
                    PeerFailure.Timeout => new RemoteShareException(
                        StatusCodes.Status504GatewayTimeout, $"The sender's server {share.SenderHost} did not answer within {Timeout.TotalSeconds:0} s."),
                    _ => new RemoteShareException(StatusCodes.Status502BadGateway, $"The sender's server {share.SenderHost} could not be reached: {ex.Detail}"),
                };
            }

            if (last.StatusCode != HttpStatusCode.Unauthorized)
            {
                if (share.AccessMethod != method)
                {
                    share.AccessMethod = method;
                    await UpdateAsync(share.Id, s => s.AccessMethod = method, CancellationToken.None);
                }

                return last;
            }

            if (method == ShareAccessMethod.Token)
            {
                _tokens.TryRemove(share.Id, out _);
            }

            Log.CredentialRefused(logger, share.Id, share.SenderHost, method.Name());
            if (!retryOnRefusal)
            {
                return last;
            }
        }

        return last!;
    }

    private RemoteShareException CircuitOpen(ReceivedShare share, DateTimeOffset retryAt) => new(
        StatusCodes.Status503ServiceUnavailable,
        $"The sender's server {share.SenderHost} is not answering; the next attempt is at {retryAt:u}.",
        retryAt - time.GetUtcNow());

    /// <summary>The kinds of credentials to try, best first; what worked last time leads.</summary>
    private static async Task<List<ShareAccessMethod>> CandidatesAsync(ReceivedShare share, Sender sender, CancellationToken cancellationToken)
    {
        if (share.MustExchangeToken)
        {
            return [ShareAccessMethod.Token];
        }

        List<ShareAccessMethod> methods = share.Legacy ? [ShareAccessMethod.Basic, ShareAccessMethod.Bearer] : [ShareAccessMethod.Bearer, ShareAccessMethod.Basic];
        if (!share.Legacy && await OffersTokenExchangeAsync(sender, cancellationToken))
        {
            methods.Insert(0, ShareAccessMethod.Token);
        }

        if (share.AccessMethod is { } known && methods.Remove(known))
        {
            methods.Insert(0, known);
        }

        return methods;
    }

    private static async Task<bool> OffersTokenExchangeAsync(Sender sender, CancellationToken cancellationToken)
    {
        try
        {
            var discovered = await sender.DiscoverAsync(cancellationToken);
            return discovered.Document.SupportsCapability("exchange-token") && discovered.Document.GetTokenEndPointUri() is not null;
        }
        catch (OcmDiscoveryException)
        {
            return false;
        }
    }

    private async Task<AuthenticationHeaderValue> CredentialAsync(ReceivedShare share, Sender sender, ShareAccessMethod method, CancellationToken cancellationToken)
    {
        var secret = secrets.Unprotect(share.ProtectedSecret);
        return method switch
        {
            ShareAccessMethod.Basic => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret + ":"))),
            ShareAccessMethod.Token => new AuthenticationHeaderValue("Bearer", await ExchangeAsync(share, sender, secret, cancellationToken)),
            _ => new AuthenticationHeaderValue("Bearer", secret),
        };
    }

    /// <summary>
    /// A fresh token for the share's web app (OCM §Resource Access step 6): its own secret exchanged at the sender's token
    /// endpoint, never cached (each opening gets its own, and the web app's session lives as long as it).
    /// </summary>
    public Task<string> ExchangeWebAppTokenAsync(ReceivedShare share, CancellationToken cancellationToken) =>
        ExchangeAsync(share, new Sender(peers, share.SenderHost), secrets.Unprotect(share.WebAppProtectedSecret!), cancellationToken, remember: false);

    /// <summary>
    /// The code flow (OCM §Code Flow): a signed form POST to the sender's token endpoint; tokens are reused until
    /// shortly before they expire. The answer is read up to <c>Ocm:Federation:MaxResponseBytes</c>; a longer one is cut
    /// off unread.
    /// </summary>
    private async Task<string> ExchangeAsync(ReceivedShare share, Sender sender, string secret, CancellationToken cancellationToken, bool remember = true)
    {
        var now = time.GetUtcNow();
        if (remember && _tokens.TryGetValue(share.Id, out var cached))
        {
            if (cached.Expires > now)
            {
                return cached.Token;
            }

            // Not kept past its life (OCM §Security Considerations › Code Flow, R103); renewed below (R100).
            _tokens.TryRemove(new KeyValuePair<long, (string, DateTimeOffset)>(share.Id, cached));
        }

        DiscoveredServer discovered;
        try
        {
            discovered = await sender.DiscoverAsync(cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            throw new RemoteShareException(StatusCodes.Status502BadGateway, $"The sender's server {share.SenderHost} could not be discovered: {ex.Message}");
        }

        var endpoint = discovered.Document.GetTokenEndPointUri()
            ?? throw new RemoteShareException(StatusCodes.Status502BadGateway, $"The share requires token exchange, but {share.SenderHost} advertises no tokenEndPoint.");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(TokenRequestForm.FormatUtf8(new TokenRequest { GrantType = TokenTypes.AuthorizationCodeGrant, ClientId = server.Authority, Code = secret })),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        PeerResponse response;
        try
        {
            // Token requests are always signed (OCM §Code Flow › Token Request; §Security Considerations › Code Flow, R103):
            // the signature is how the sender knows the client is the share's receiving server.
            response = await peers.SendAsync(discovered, request, Timeout, cancellationToken, alwaysSign: true);
        }
        catch (PeerCallException ex)
        {
            throw ex.Failure == PeerFailure.CircuitOpen
                ? CircuitOpen(share, ex.RetryAt!.Value)
                : new RemoteShareException(StatusCodes.Status502BadGateway, $"The token exchange with {share.SenderHost} failed: {ex.Detail}");
        }

        if (response.TooLarge is { } limit)
        {
            throw new RemoteShareException(
                StatusCodes.Status502BadGateway, $"{share.SenderHost} answered the token exchange with more than {limit} bytes; the answer was cut off unread.");
        }

        if (!response.IsSuccess)
        {
            string reason;
            try
            {
                var error = OcmJson.ReadOAuthError(response.Body);
                reason = error.Error + (error.ErrorDescription is { } d ? ": " + d : "");
            }
            catch (Exception ex) when (ex is OcmFormatException or FormatException)
            {
                reason = "HTTP " + response.Status;
            }

            throw new RemoteShareException(StatusCodes.Status502BadGateway, $"{share.SenderHost} refused the token exchange ({reason}).");
        }

        TokenResponse token;
        try
        {
            token = OcmJson.ReadTokenResponse(response.Body);
        }
        catch (Exception ex) when (ex is OcmFormatException or FormatException)
        {
            throw new RemoteShareException(StatusCodes.Status502BadGateway, $"{share.SenderHost} answered the token exchange with an unusable body: {ex.Message}");
        }

        var lifetime = TimeSpan.FromSeconds(Math.Clamp(token.ExpiresIn ?? 300, 10, 86400));
        // Renew before expiry: use a token for at most 80 % of its life.
        if (remember)
        {
            Trim(_tokens, (_, kept) => kept.Expires <= now);
            _tokens[share.Id] = (token.AccessToken, now + (lifetime * 0.8));
        }

        return token.AccessToken;
    }

    /// <summary>
    /// Keeps what is remembered per share bounded: once more than <see cref="TrimAbove"/> shares are held, what has gone
    /// stale goes (shares that ended are never asked about again, so nothing else would remove them).
    /// </summary>
    private static void Trim<T>(ConcurrentDictionary<long, T> cache, Func<long, T, bool> stale)
    {
        if (cache.Count < TrimAbove)
        {
            return;
        }

        foreach (var (id, value) in cache)
        {
            if (stale(id, value))
            {
                cache.TryRemove(new KeyValuePair<long, T>(id, value));
            }
        }

        if (cache.Count >= TrimAbove * 10)
        {
            cache.Clear(); // more shares in use than that at once: asking the senders again is the lesser cost
        }
    }

    private async Task UpdateAsync(long shareId, Action<ReceivedShare> update, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var share = await db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == shareId, cancellationToken);
        if (share is not null)
        {
            update(share);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The sender's discovery, looked up at most once per operation (and then from the cache): the location, the
    /// choice of credentials and the token exchange all read the one answer.
    /// </summary>
    private sealed class Sender(PeerClient peers, string host)
    {
        private Task<DiscoveredServer>? _discovered;

        public Task<DiscoveredServer> DiscoverAsync(CancellationToken cancellationToken) => _discovered ??= peers.DiscoverAsync(host, cancellationToken);
    }

    /// <summary>One <c>DAV:response</c> of a multistatus: its href (still percent-encoded) and what we asked for.</summary>
    private sealed record RemoteEntry(string Href, bool? IsFolder, long? Size, string? ETag, DateTimeOffset? Modified, string? Checksums);

    /// <summary>
    /// Reads a PROPFIND multistatus (RFC 4918 §14.16) as it streams in, one entry per <c>DAV:response</c>, at most
    /// <paramref name="maxEntries"/> (then reports <c>Truncated</c> and stops reading). Lenient: properties are taken
    /// wherever they appear in the response, an unparsable size or date is left out, unknown elements are skipped.
    /// </summary>
    private static async Task<(List<RemoteEntry> Entries, bool Truncated)> ReadMultistatusAsync(Stream body, int maxEntries, CancellationToken cancellationToken)
    {
        var settings = new XmlReaderSettings
        {
            Async = true,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        using var reader = XmlReader.Create(body, settings);
        var entries = new List<RemoteEntry>();
        var responseDepth = -1;
        string? href = null;
        bool? isFolder = null;
        long? size = null;
        string? etag = null;
        DateTimeOffset? modified = null;
        string? checksums = null;

        var more = await reader.ReadAsync();
        while (more)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (responseDepth >= 0 && reader.NodeType == XmlNodeType.Element && reader.LocalName == "checksum" && reader.NamespaceURI == OwnCloudNamespace)
            {
                // oc:checksums/oc:checksum, "SHA1:… MD5:… ADLER32:…" (what ownCloud, Nextcloud and we serve).
                checksums = (await reader.ReadElementContentAsStringAsync()).Trim() is { Length: > 0 } sums ? sums : null;
                more = !reader.EOF;
                continue;
            }

            if (reader.NamespaceURI != "DAV:" || reader.NodeType is not (XmlNodeType.Element or XmlNodeType.EndElement))
            {
                more = await reader.ReadAsync();
                continue;
            }

            if (reader.NodeType == XmlNodeType.EndElement)
            {
                if (reader.LocalName == "response" && reader.Depth == responseDepth)
                {
                    if (href is not null)
                    {
                        entries.Add(new RemoteEntry(href, isFolder, size, etag, modified, checksums));
                        if (entries.Count >= maxEntries)
                        {
                            return (entries, await AnotherResponseFollowsAsync(reader));
                        }
                    }

                    responseDepth = -1;
                }

                more = await reader.ReadAsync();
                continue;
            }

            // Reading an element's content leaves the reader on the node after it, which must not be skipped.
            switch (reader.LocalName)
            {
                case "response" when !reader.IsEmptyElement:
                    responseDepth = reader.Depth;
                    (href, isFolder, size, etag, modified, checksums) = (null, null, null, null, null, null);
                    more = await reader.ReadAsync();
                    break;
                case "href" when responseDepth >= 0 && reader.Depth == responseDepth + 1:
                    var text = (await reader.ReadElementContentAsStringAsync()).Trim();
                    href ??= text;
                    more = !reader.EOF;
                    break;
                case "resourcetype" when responseDepth >= 0 && reader.IsEmptyElement:
                    isFolder = false;
                    more = await reader.ReadAsync();
                    break;
                case "resourcetype" when responseDepth >= 0:
                    isFolder = (await reader.ReadInnerXmlAsync()).Contains("collection", StringComparison.Ordinal);
                    more = !reader.EOF;
                    break;
                case "getcontentlength" when responseDepth >= 0:
                    size = long.TryParse(await reader.ReadElementContentAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture, out var length) && length >= 0 ? length : null;
                    more = !reader.EOF;
                    break;
                case "getetag" when responseDepth >= 0:
                    etag = (await reader.ReadElementContentAsStringAsync()).Trim() is { Length: > 0 } tag ? tag : null;
                    more = !reader.EOF;
                    break;
                case "getlastmodified" when responseDepth >= 0:
                    modified = DateTimeOffset.TryParse(
                        await reader.ReadElementContentAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var m)
                        ? m
                        : null;
                    more = !reader.EOF;
                    break;
                default:
                    more = await reader.ReadAsync();
                    break;
            }
        }

        return (entries, false);
    }

    /// <summary>Whether the multistatus goes on with another <c>DAV:response</c> (reads up to its start, no further).</summary>
    private static async Task<bool> AnotherResponseFollowsAsync(XmlReader reader)
    {
        while (await reader.ReadAsync())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                return reader.LocalName == "response" && reader.NamespaceURI == "DAV:";
            }

            if (reader.NodeType == XmlNodeType.EndElement)
            {
                return false;
            }
        }

        return false;
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;

    private static partial class Log
    {
        [LoggerMessage(1491, LogLevel.Warning, "Received share {ShareId}: the optional token exchange with {Sender} failed, using the shared secret instead: {Reason}")]
        public static partial void TokenExchangeFallback(ILogger logger, long shareId, string sender, string reason);

        [LoggerMessage(1400, LogLevel.Debug, "Received share {ShareId}: {Sender} refused {Method} credentials")]
        public static partial void CredentialRefused(ILogger logger, long shareId, string sender, string method);
    }
}
