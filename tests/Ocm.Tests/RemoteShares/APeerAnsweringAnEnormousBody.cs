using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// carol's server (scripted on 127.0.15.21) shared a file with bob on our server (127.0.15.20) that must be opened with
/// an exchanged token (OCM §Code Flow). When bob opens it, carol's token endpoint answers with an endless body.
/// Bob's server reads no more than its cap of a peer's answer (<c>Ocm:Federation:MaxResponseBytes</c>), cuts the
/// connection and tells bob why, at once: nothing of the rest is read, nor kept in memory. What bob's server reads is
/// counted where its peer client receives it (carol's own count would include writes Kestrel drops after the hang-up).
/// </summary>
public sealed class APeerAnsweringAnEnormousBody
{
    private const long Enormous = 4L * 1024 * 1024 * 1024;

    [Fact]
    public async Task TokenEndpointAnswersWithoutEnd_BobIsToldAtOnce_AndTheAnswerIsCutOff()
    {
        var written = new System.Collections.Concurrent.ConcurrentQueue<long>();
        await using var carol = await FakeOcmPeer.StartAsync(
            "127.0.15.21",
            async (context, _) =>
            {
                if (context.Request.Path != "/token")
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                // 200 and a JSON-looking body that never ends (no Content-Length: chunked).
                context.Response.ContentType = "application/json";
                var chunk = new byte[64 * 1024];
                chunk.AsSpan().Fill((byte)' ');
                long sent = 0;
                try
                {
                    await context.Response.Body.WriteAsync("{\"access_token\":\""u8.ToArray(), context.RequestAborted);
                    while (sent < Enormous && !context.RequestAborted.IsCancellationRequested)
                    {
                        await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        sent += chunk.Length;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // Bob's server hung up: what this test expects.
                }

                written.Enqueue(sent);
            },
            (document, baseUri) =>
            {
                document["capabilities"] = new System.Text.Json.Nodes.JsonArray("notifications", "protocol-object", "exchange-token");
                document["tokenEndPoint"] = new Uri(baseUri, "token").ToString();
            });
        var received = new ReceivedBytes();
        await using var server = await OcmTestServer.StartAsync(
            "127.0.15.20",
            new Dictionary<string, string?>
            {
                ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
                ["Ocm:Shares:RemoteTimeoutSeconds"] = "30",
            },
            services => services.AddHttpClient(PeerClient.HttpClientName).AddHttpMessageHandler(() => new CountingHandler(received)));
        using var bob = await server.CreateUserAsync("bob");
        await ReceiveAsync(server, "bob", carol.Authority);

        var clock = Stopwatch.StartNew();
        using var response = await bob.GetAsync("dav/files/bob/Shared%20with%20me/numbers.txt");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"{carol.Authority} answered the token exchange with more than 1048576 bytes", text, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"bob waited {clock.Elapsed}");
        // Carol's token endpoint notices that bob's server hung up, and bob's server read the cap and the last chunk
        // that crossed it, not the rest.
        await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(written.ToArray()), w => w.Length > 0, "carol's token endpoint to notice that bob's server hung up");
        Assert.InRange(received.Count, 1024 * 1024, (1024 * 1024) + (256 * 1024));
    }

    private sealed class ReceivedBytes
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Add(int bytes) => Interlocked.Add(ref _count, bytes);
    }

    /// <summary>Counts the bytes of every answer as the peer client reads them.</summary>
    private sealed class CountingHandler(ReceivedBytes received) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            response.Content = new CountingContent(response.Content, received);
            return response;
        }
    }

    private sealed class CountingContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly ReceivedBytes _received;

        public CountingContent(HttpContent inner, ReceivedBytes received)
        {
            _inner = inner;
            _received = received;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new CountingStream(await _inner.ReadAsStreamAsync(cancellationToken), _received);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var body = await CreateContentReadStreamAsync();
            await body.CopyToAsync(stream);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class CountingStream(Stream inner, ReceivedBytes received) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            received.Add(read);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            received.Add(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>An accepted share from carol to bob, as the share notification would have left it.</summary>
    private static async Task ReceiveAsync(OcmTestServer server, string userName, string senderHost)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().SingleAsync(u => u.Name == userName);
        var now = DateTimeOffset.UtcNow;
        db.Add(new ReceivedShare
        {
            RecipientUserId = user.Id,
            SenderHost = senderHost,
            ProviderId = "numbers-1",
            Name = "numbers.txt",
            ResourceType = "file",
            Owner = "carol@" + senderHost,
            Sender = "carol@" + senderHost,
            WebDavUri = "numbers-1",
            ProtectedSecret = scope.ServiceProvider.GetRequiredService<SecretProtector>().Protect("code-for-numbers"),
            Permissions = SharePermissions.Read,
            MustExchangeToken = true,
            State = ReceivedShareState.Accepted,
            Created = now,
            Updated = now,
        });
        await db.SaveChangesAsync();
    }
}
