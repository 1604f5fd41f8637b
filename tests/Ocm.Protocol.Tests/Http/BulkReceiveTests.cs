using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Tests.Http;

/// <summary>
/// Bulk-receive connections (<c>GuardedHttpHandler.Create(policy, bulkReceive: true)</c>): a promised read waits for
/// the promised bytes, never for more, so a body of known length on a kept-alive connection always completes; an
/// unpromised read returns what has arrived at once. The server is a raw socket on 127.0.0.8 that sends each body in
/// small pieces and keeps the connection open.
/// </summary>
public sealed class BulkReceiveTests
{
    private static readonly OutboundPolicy Loopback = new() { AllowInsecurePeers = true };

    /// <summary>Answers every request on a connection with a body of <paramref name="sizes"/>[i] bytes sent in 8 KiB pieces.</summary>
    private static async Task ServeAsync(TcpListener listener, int[] sizes, TimeSpan pauseAfterFirstPiece)
    {
        using var socket = await listener.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket);
        var buffer = new byte[8192];
        foreach (var size in sizes)
        {
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n"));
            for (var sent = 0; sent < size; sent += 8192)
            {
                var piece = Math.Min(8192, size - sent);
                Array.Fill(buffer, (byte)(sent / 8192 % 251), 0, piece);
                await stream.WriteAsync(buffer.AsMemory(0, piece));
                if (sent == 0)
                {
                    await Task.Delay(pauseAfterFirstPiece);
                }
            }
        }

        // Keep the connection open: a read that waited for more than the body would hang here.
        await Task.Delay(TimeSpan.FromSeconds(30));
    }

    private static async Task<long> ReadBodyAsync(HttpClient client, Uri uri, bool promise)
    {
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        var remaining = response.Content.Headers.ContentLength!.Value;
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[512 * 1024];
        long total = 0;
        while (true)
        {
            int read;
            using (BulkReceive.Expect(promise ? Math.Min(remaining, buffer.Length) : 0))
            {
                read = await body.ReadAsync(buffer);
            }

            if (read == 0)
            {
                return total;
            }

            total += read;
            remaining -= read;
        }
    }

    [Fact]
    public async Task PromisedReads_BodiesOfKnownLengthOnAKeptAliveConnection_AllComplete()
    {
        var listener = new TcpListener(IPAddress.Parse("127.0.0.8"), 0);
        listener.Start();
        int[] sizes = [3 * 1024 * 1024 + 7, 300 * 1024, 1000, 256 * 1024];
        var server = ServeAsync(listener, sizes, TimeSpan.Zero);
        using var client = new HttpClient(GuardedHttpHandler.Create(Loopback, bulkReceive: true)) { Timeout = TimeSpan.FromSeconds(20) };
        var uri = new Uri($"http://127.0.0.8:{((IPEndPoint)listener.LocalEndpoint).Port}/file");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        foreach (var size in sizes)
        {
            Assert.Equal(size, await ReadBodyAsync(client, uri, promise: true).WaitAsync(timeout.Token));
        }

        listener.Stop();
        _ = server;
    }

    [Fact]
    public async Task UnpromisedRead_ReturnsWhatHasArrived_WithoutWaitingForMore()
    {
        var listener = new TcpListener(IPAddress.Parse("127.0.0.8"), 0);
        listener.Start();
        var server = ServeAsync(listener, [1024 * 1024], TimeSpan.FromSeconds(3));
        using var client = new HttpClient(GuardedHttpHandler.Create(Loopback, bulkReceive: true));
        var uri = new Uri($"http://127.0.0.8:{((IPEndPoint)listener.LocalEndpoint).Port}/file");

        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var clock = Stopwatch.StartNew();
        var read = await body.ReadAsync(new byte[512 * 1024]);

        Assert.InRange(read, 1, 8192);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the first read waited {clock.Elapsed} for data that was not promised");
        listener.Stop();
        _ = server;
    }
}
