using System.Security.Cryptography;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// A request body of seeded pseudo-random bytes made while it is sent (the test holds none of it), which stops at
/// <c>pauseAt</c> (if given) until <see cref="Resume"/>.
/// </summary>
internal sealed class GeneratedBody(long length, long? pauseAt)
{
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private long Length { get; } = length;

    private long? PauseAt { get; } = pauseAt;

    public Task Paused => _paused.Task;

    public void Resume() => _resumed.TrySetResult();

    public byte[] Sha256() => _sha256.GetHashAndReset();

    public HttpContent Content()
    {
        var content = new StreamContent(new Generator(this), 256 * 1024);
        content.Headers.ContentLength = Length;
        return content;
    }

    private sealed class Generator(GeneratedBody body) : Stream
    {
        private readonly Random _random = new(42);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => body.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == body.PauseAt && _position < body.Length)
            {
                body._paused.TrySetResult();
                await body._resumed.Task.WaitAsync(cancellationToken);
            }

            var limit = body.PauseAt is long pause && _position < pause ? pause : body.Length;
            var count = (int)Math.Min(buffer.Length, limit - _position);
            _random.NextBytes(buffer.Span[..count]);
            body._sha256.AppendData(buffer.Span[..count]);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("HttpClient reads request bodies asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
