using System.Net;
using System.Net.Sockets;

namespace Ocm.Protocol.Http;

/// <summary>Thrown when the SSRF guard refuses an outbound connection or URL; the message says exactly why.</summary>
public sealed class OutboundRequestBlockedException(string message, OutboundBlockReason reason = OutboundBlockReason.Policy)
    : HttpRequestException(message)
{
    /// <summary>Whether the policy refused the target, or the redirects leading away from it were refused.</summary>
    public OutboundBlockReason Reason { get; } = reason;
}

/// <summary>Why <see cref="OutboundRequestBlockedException"/> was thrown.</summary>
public enum OutboundBlockReason
{
    /// <summary>The <see cref="OutboundPolicy"/> refuses the address or the scheme (a configuration can allow it).</summary>
    Policy,

    /// <summary>More redirects than <see cref="OutboundPolicy.MaxRedirects"/>.</summary>
    TooManyRedirects,

    /// <summary>A redirect leads back to a URL already visited.</summary>
    RedirectLoop,
}

/// <summary>
/// Builds the one primary handler every outbound OCM request goes through. DNS is resolved here and every resolved
/// address is checked against the <see cref="OutboundPolicy"/> before connecting, so DNS rebinding cannot slip a
/// private address past the check. Redirects are not followed by the handler (see <see cref="GuardedRedirectHandler"/>).
/// </summary>
public static class GuardedHttpHandler
{
    /// <param name="policy">Which addresses may be connected to.</param>
    /// <param name="bulkReceive">
    /// For clients that download large bodies (file data): reads may wait in the kernel for the bytes a caller has
    /// promised with <see cref="BulkReceive.Expect"/>.
    /// </param>
    public static SocketsHttpHandler Create(OutboundPolicy policy, bool bulkReceive = false)
    {
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = policy.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, bulkReceive, context, cancellationToken),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(OutboundPolicy policy, bool bulkReceive, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new HttpRequestException(HttpRequestError.NameResolutionError, $"Cannot resolve host '{host}': {ex.SocketErrorCode}.", ex);
            }
        }

        var allowed = addresses.Where(a => policy.IsAddressAllowed(host, port, a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new OutboundRequestBlockedException(
                $"Refusing to connect to '{host}': it resolves only to non-public addresses ({string.Join(", ", addresses.Select(a => a.ToString()))}). " +
                "If this is intended, allow it with Ocm:Federation:InsecurePeers (this host or its network), or in a test setup with Ocm:Federation:AllowInsecurePeers.");
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return bulkReceive ? new BulkReceiveStream(socket) : new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException(HttpRequestError.ConnectionError, $"Cannot connect to '{host}:{port}': {last?.Message}", last);
    }
}

/// <summary>
/// Lets a caller that streams a large body of known length from a connection made with
/// <c>GuardedHttpHandler.Create(policy, bulkReceive: true)</c> say how many bytes are certain to arrive, so that the
/// read waits in the kernel until a good part of them is there (socket receive low-water mark, <c>SO_RCVLOWAT</c>)
/// instead of waking up for every packet: at loopback or LAN speed, several times fewer wake-ups and receive calls.
/// Only a caller that knows the body's remaining length may promise bytes; everything else reads as usual.
/// </summary>
public static class BulkReceive
{
    /// <summary>The most a single read waits for.</summary>
    public const int MaxWatermark = 256 * 1024;

    private static readonly AsyncLocal<int> Promised = new();

    internal static int Current => Promised.Value;

    /// <summary>
    /// Until the result is disposed, reads in this flow may wait for up to <paramref name="bytes"/> bytes (capped at
    /// <see cref="MaxWatermark"/>): the peer must be certain to send at least that many, or to close the connection.
    /// </summary>
    public static Scope Expect(long bytes)
    {
        var previous = Promised.Value;
        Promised.Value = (int)Math.Clamp(bytes, 0, MaxWatermark);
        return new Scope(previous);
    }

    /// <summary>The promise made by <see cref="Expect"/>; disposing it restores the previous one.</summary>
    /// <param name="previous">The watermark in force before <see cref="Expect"/>.</param>
    public readonly struct Scope(int previous) : IDisposable
    {
        /// <summary>Restores the watermark in force before <see cref="Expect"/> (1 byte when none was promised).</summary>
        public void Dispose() => Promised.Value = previous;
    }
}

/// <summary>The socket stream of a bulk-receive connection: applies what <see cref="BulkReceive"/> was promised.</summary>
internal sealed class BulkReceiveStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    private int _mark = 1;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        SetMark(Math.Max(1, Math.Min(BulkReceive.Current, buffer.Length)));
        return base.ReadAsync(buffer, cancellationToken);
    }

    public override int Read(Span<byte> buffer)
    {
        SetMark(1);
        return base.Read(buffer);
    }

    private void SetMark(int mark)
    {
        if (mark != _mark)
        {
            Socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, mark);
            _mark = mark;
        }
    }
}

/// <summary>
/// Follows redirects itself so that every hop is checked: the scheme must stay https unless the target host is
/// allow-listed as insecure, the hop count is bounded, and the next connection again passes the address check in
/// <see cref="GuardedHttpHandler"/>. Only GET and HEAD are redirected; other methods get the 3xx back.
/// </summary>
public sealed class GuardedRedirectHandler(OutboundPolicy policy) : DelegatingHandler
{
    /// <summary>
    /// Sends <paramref name="request"/> and follows up to the policy's limit of redirects for GET and HEAD, checking the
    /// scheme of every hop.
    /// </summary>
    /// <param name="request">The request, with an absolute URI; a redirect is followed with a copy that carries no credentials.</param>
    /// <param name="cancellationToken">Aborts the exchange.</param>
    /// <returns>The first answer that is not a redirect, or a 3xx for other methods.</returns>
    /// <exception cref="OutboundRequestBlockedException">A hop leaves https for a host not allowed as insecure, the redirects loop, or there are too many.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CheckScheme(policy, request.RequestUri!);
        var visited = new List<Uri> { request.RequestUri! };
        var response = await SendGuardedAsync(request, cancellationToken);
        for (var hop = 0; IsRedirect(response.StatusCode) && response.Headers.Location is not null; hop++)
        {
            if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
            {
                return response;
            }

            var location = response.Headers.Location;
            var next = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            if (visited.Contains(next))
            {
                response.Dispose();
                throw new OutboundRequestBlockedException(
                    $"Redirect loop: {string.Join(" → ", visited.Append(next).Select(Redact))}.", OutboundBlockReason.RedirectLoop);
            }

            if (hop >= policy.MaxRedirects)
            {
                response.Dispose();
                throw new OutboundRequestBlockedException(
                    $"Too many redirects (more than {policy.MaxRedirects}) starting at {Redact(visited[0])}.", OutboundBlockReason.TooManyRedirects);
            }

            visited.Add(next);
            response.Dispose();
            CheckScheme(policy, next);

            var follow = new HttpRequestMessage(request.Method, next) { Version = request.Version, VersionPolicy = request.VersionPolicy };
            foreach (var header in request.Headers)
            {
                // Credentials and signatures are bound to the original target; never forward them to another host.
                if (header.Key is "Authorization" or "Signature" or "Signature-Input" or "Cookie")
                {
                    continue;
                }

                follow.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            foreach (var option in request.Options)
            {
                ((IDictionary<string, object?>)follow.Options)[option.Key] = option.Value;
            }

            request = follow;
            response = await SendGuardedAsync(request, cancellationToken);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendGuardedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is OutboundRequestBlockedException blocked)
        {
            // The connection pool wraps what the connect callback throws; surface the guard's own reason.
            throw new OutboundRequestBlockedException(blocked.Message, blocked.Reason);
        }
    }

    /// <summary>Plain http is only allowed to hosts allow-listed as insecure.</summary>
    public static void CheckScheme(OutboundPolicy policy, Uri uri)
    {
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && policy.IsInsecureAllowed(uri.IdnHost, uri.Port))
        {
            return;
        }

        throw new OutboundRequestBlockedException(
            $"Refusing {uri.Scheme}:// request to '{uri.Authority}': only https is allowed, unless the host is allowed with Ocm:Federation:InsecurePeers "
            + "(or, in a test setup, every host with Ocm:Federation:AllowInsecurePeers).");
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static string Redact(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}
