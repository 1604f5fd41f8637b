using Amazon.S3.Model;

namespace Ocm.Files;

/// <summary>
/// An object read as a seekable stream of known length, so ASP.NET Core's file result answers <c>Range</c> requests
/// (RFC 9110 §14) by seeking: every read is a ranged GET from the current position. The window of each GET starts at
/// 1 MiB and doubles up to 64 MiB, so a small range fetches little and a whole download takes few requests; a seek
/// elsewhere drops the current response and starts a new one there. Memory use is the caller's buffer only.
/// </summary>
internal sealed class S3ReadStream(S3Connection bucket, string key, long length) : Stream
{
    private const long FirstWindow = 1024 * 1024;
    private const long LargestWindow = 64 * 1024 * 1024;

    private long _position;
    private long _window = FirstWindow;
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _bodyPosition;
    private long _bodyEnd;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        if (_body is null || _bodyPosition != _position || _bodyPosition >= _bodyEnd)
        {
            await OpenAtPositionAsync(cancellationToken);
        }

        var wanted = (int)Math.Min(buffer.Length, _bodyEnd - _bodyPosition);
        int read;
        try
        {
            read = await _body!.ReadAsync(buffer[..wanted], cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonClientException)
        {
            CloseBody();
            throw new IOException($"Reading from the object store ({bucket.Description}) failed.", ex);
        }

        if (read == 0)
        {
            CloseBody();
            throw new IOException($"The object store ({bucket.Description}) ended a response early.");
        }

        _position += read;
        _bodyPosition += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Synchronous reads are not offered: every consumer here reads asynchronously (a blocked thread per download would not scale).</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the object store asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
        }

        base.Dispose(disposing);
    }

    private async Task OpenAtPositionAsync(CancellationToken cancellationToken)
    {
        CloseBody();
        var end = Math.Min(length, _position + _window);
        _window = Math.Min(_window * 2, LargestWindow);
        var start = _position;
        _response = await bucket.CallAsync("read an object", () => bucket.Client.GetObjectAsync(
            new GetObjectRequest { BucketName = bucket.Name, Key = key, ByteRange = new ByteRange(start, end - 1) },
            cancellationToken));
        _body = _response.ResponseStream;
        _bodyPosition = start;
        _bodyEnd = end;
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }
}
