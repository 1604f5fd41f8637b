using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Ocm.Hosting;

/// <summary>
/// Kestrel's memory pool for connections, with 64 KiB blocks instead of the default 4 KiB. The socket transport
/// receives into one block at a time, so with the default a 1 GiB upload took a quarter of a million receive calls
/// and as many trips through the request pipe; with 64 KiB blocks it takes sixteen times fewer. Blocks are pinned
/// (the sockets read into them), reused, and at most <see cref="MaxPooledBlocks"/> idle ones are kept.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Idle blocks kept for reuse per pool (16 MiB); more are left to the garbage collector.</summary>
    public const int MaxPooledBlocks = 256;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();

    private sealed class LargeBlockMemoryPool : MemoryPool<byte>
    {
        private readonly ConcurrentQueue<byte[]> _idle = new();
        private int _idleCount;

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
            if (_idle.TryDequeue(out var block))
            {
                Interlocked.Decrement(ref _idleCount);
            }
            else
            {
                block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
            }

            return new Lease(this, block);
        }

        protected override void Dispose(bool disposing)
        {
            _idle.Clear();
        }

        private void Return(byte[] block)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxPooledBlocks)
            {
                _idle.Enqueue(block);
            }
            else
            {
                Interlocked.Decrement(ref _idleCount);
            }
        }

        private sealed class Lease(LargeBlockMemoryPool pool, byte[] block) : IMemoryOwner<byte>
        {
            private byte[]? _block = block;

            public Memory<byte> Memory => _block ?? throw new ObjectDisposedException(nameof(Lease));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _block, null) is { } returned)
                {
                    pool.Return(returned);
                }
            }
        }
    }
}
