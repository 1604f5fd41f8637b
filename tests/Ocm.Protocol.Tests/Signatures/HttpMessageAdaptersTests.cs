using System.Net;
using System.Text;
using Ocm.Protocol.Http;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

public sealed class HttpMessageAdaptersTests
{
    [Fact]
    public async Task FromResponseAsync_KeepsStatusHeadersBodyAndTheRequestItAnswers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://cloud.example.org/ocm/shares");
        using var response = new HttpResponseMessage(HttpStatusCode.Created)
        {
            RequestMessage = request,
            Content = new StringContent("{\"recipientDisplayName\":\"Bob\"}", Encoding.UTF8, "application/json"),
        };

        var message = await HttpMessageAdapters.FromResponseAsync(response);

        Assert.Equal(201, message.StatusCode);
        Assert.Equal("{\"recipientDisplayName\":\"Bob\"}", Encoding.UTF8.GetString(message.Body!.Value.Span));
        Assert.Equal("application/json; charset=utf-8", Assert.Single(message.Headers.GetValues("Content-Type")));
        Assert.Equal("POST", message.RelatedRequest!.Method);
    }

    [Fact]
    public async Task FromResponseAsync_RefusesABodyAboveTheCap_EvenWithoutContentLength()
    {
        // A peer's answer streamed without a length: the snapshot stops at the cap instead of reading it all.
        using var endless = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new EndlessStream()) };
        var error = await Assert.ThrowsAsync<ResponseTooLargeException>(() => HttpMessageAdapters.FromResponseAsync(endless));
        Assert.Equal(HttpMessageAdapters.DefaultMaxResponseBodyBytes, error.Limit);

        using var declared = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[2048]) };
        Assert.Equal(1024, (await Assert.ThrowsAsync<ResponseTooLargeException>(() => HttpMessageAdapters.FromResponseAsync(declared, 1024))).Limit);
    }

    /// <summary>Zero bytes for ever, with no length: what a misbehaving peer can send.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
