using System.Net;
using System.Net.Sockets;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// HTTP clients whose connections leave from a chosen loopback address (any of 127.0.0.0/8), so that one test can play
/// several clients that a server, a proxy or a throttle tells apart by their address.
/// </summary>
internal static class LoopbackSource
{
    /// <summary>A client that binds every connection it opens to <paramref name="source"/>.</summary>
    public static HttpClient Client(string source) => new(Handler(IPAddress.Parse(source)), disposeHandler: true);

    private static SocketsHttpHandler Handler(IPAddress source) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
