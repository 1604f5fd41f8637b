namespace Ocm.SyncClients;

/// <summary>
/// The chunks of an upload read one after the other as one forward-only stream; each file is opened only when reached,
/// so assembling never holds more than one chunk file open or any chunk in memory.
/// </summary>
internal sealed class ConcatenatedReadStream(IReadOnlyList<string> files) : Stream
{
    private int _next;
    private FileStream? _current;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_current is null && !OpenNext())
            {
                return 0;
            }

            var read = _current!.Read(buffer);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }

            CloseCurrent();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_current is null && !OpenNext())
            {
                return 0;
            }

            var read = await _current!.ReadAsync(buffer, cancellationToken);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }

            CloseCurrent();
        }
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
            CloseCurrent();
        }

        base.Dispose(disposing);
    }

    private bool OpenNext()
    {
        if (_next >= files.Count)
        {
            return false;
        }

        _current = new FileStream(files[_next++], new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        return true;
    }

    private void CloseCurrent()
    {
        _current?.Dispose();
        _current = null;
    }
}
