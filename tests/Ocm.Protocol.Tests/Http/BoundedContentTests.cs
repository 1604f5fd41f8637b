using Ocm.Protocol.Http;

namespace Ocm.Protocol.Tests.Http;

/// <summary>Bodies read as they stream in stop at the cap, whatever the body says about its length.</summary>
public sealed class BoundedContentTests
{
    [Fact]
    public async Task ReadAsStream_BodyOfExactlyTheCap_IsReadToItsEnd()
    {
        using var content = Unannounced(new byte[4096]);

        await using var stream = await BoundedContent.ReadAsStreamAsync(content, 4096, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(4096, copy.Length);
    }

    [Fact]
    public async Task ReadAsStream_LongerBodyWithoutLength_FailsOnceTheCapIsCrossed()
    {
        using var content = Unannounced(new byte[100_000]);

        await using var stream = await BoundedContent.ReadAsStreamAsync(content, 4096, CancellationToken.None);
        using var copy = new MemoryStream();
        var error = await Assert.ThrowsAsync<ResponseTooLargeException>(() => stream.CopyToAsync(copy));

        Assert.Equal(4096, error.Limit);
        Assert.True(copy.Length <= 4096, $"{copy.Length} bytes were handed on");
    }

    [Fact]
    public async Task ReadAsStream_DeclaredLengthAboveTheCap_FailsBeforeReading()
    {
        using var content = new ByteArrayContent(new byte[10_000]);

        await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsStreamAsync(content, 4096, CancellationToken.None));
    }

    /// <summary>A body that does not say how long it is (as a chunked answer).</summary>
    private static StreamContent Unannounced(byte[] body)
    {
        var content = new StreamContent(new NonSeekableStream(body));
        Assert.Null(content.Headers.ContentLength);
        return content;
    }

    private sealed class NonSeekableStream(byte[] body) : MemoryStream(body)
    {
        public override bool CanSeek => false;
    }
}
