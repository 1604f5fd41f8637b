using System.Buffers;

namespace Ocm.Files;

/// <summary>
/// Bytes of one part of an upload to the object store, held in pooled 1 MiB blocks: memory grows with what was written
/// (a 4 KiB file takes one block, not a whole part) and returns to the pool on dispose. <see cref="OpenRead"/> gives the
/// seekable stream the SDK needs (it hashes the body for the request signature, then sends it, and rewinds on a retry).
/// </summary>
internal sealed class PartBuffer : IDisposable
{
    private const int BlockSize = 1024 * 1024;

    private readonly List<byte[]> _blocks = [];

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var offset = (int)(Length % BlockSize);
            if (offset == 0 && _blocks.Count * (long)BlockSize == Length)
            {
                _blocks.Add(ArrayPool<byte>.Shared.Rent(BlockSize));
            }

            var take = Math.Min(data.Length, BlockSize - offset);
            data[..take].CopyTo(_blocks[^1].AsSpan(offset, take));
            Length += take;
            data = data[take..];
        }
    }

    public void Append(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Append(segment.Span);
        }
    }

    /// <summary>A read-only view of the bytes; valid until the buffer is disposed.</summary>
    public Stream OpenRead() => new Reader(this);

    public void Dispose() => Clear();

    /// <summary>Empties the buffer; its blocks go back to the pool.</summary>
    public void Clear()
    {
        foreach (var block in _blocks)
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        _blocks.Clear();
        Length = 0;
    }

    private sealed class Reader(PartBuffer buffer) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => buffer.Length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] array, int offset, int count) => Read(array.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            var total = 0;
            while (!destination.IsEmpty && _position < buffer.Length)
            {
                var block = buffer._blocks[(int)(_position / BlockSize)];
                var offset = (int)(_position % BlockSize);
                var take = (int)Math.Min(Math.Min(destination.Length, BlockSize - offset), buffer.Length - _position);
                block.AsSpan(offset, take).CopyTo(destination);
                destination = destination[take..];
                _position += take;
                total += take;
            }

            return total;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(destination.Span));

        public override Task<int> ReadAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(array.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => buffer.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] array, int offset, int count) => throw new NotSupportedException();
    }
}
