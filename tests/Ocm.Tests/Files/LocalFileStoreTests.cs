using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Ocm.Files;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Files;

public sealed class LocalFileStoreTests : IDisposable
{
    private readonly string _root = TempDirectory.Create("ocm-store");
    private readonly LocalFileStore _store;

    public LocalFileStoreTests()
    {
        _store = new LocalFileStore(_root, flushToDisk: true, RandomNumberGenerator.Create(), NullLogger<LocalFileStore>.Instance);
    }

    public void Dispose() => TempDirectory.Delete(_root);

    [Fact]
    public async Task Upload_Completed_IsReadableUnderItsId()
    {
        string blobId;
        await using (var upload = await _store.BeginUploadAsync(7, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>("hello "u8.ToArray()), default);
            await upload.WriteAsync(Sequence("wor"u8.ToArray(), "ld"u8.ToArray()), default);
            blobId = await upload.CompleteAsync(default);
        }

        await using var read = await _store.OpenReadAsync(7, blobId, default);
        using var reader = new StreamReader(read);
        Assert.Equal("hello world", await reader.ReadToEndAsync());
        Assert.Matches("^[0-9a-f]{32}$", blobId);
        Assert.True(File.Exists(Path.Combine(_root, "7", blobId[..2], blobId)));
    }

    [Fact]
    public async Task Upload_NotCompleted_LeavesNothingBehind()
    {
        await using (var upload = await _store.BeginUploadAsync(7, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[100_000]), default);
        }

        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task OpenRead_RejectsAnythingButABlobId()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenReadAsync(7, "../../etc/passwd", default));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenReadAsync(7, new string('A', 32), default));
    }

    [Fact]
    public async Task Sweep_RemovesOldUnreferencedBlobsOnly()
    {
        var kept = await StoreAsync(1);
        var orphan = await StoreAsync(1);
        var young = await StoreAsync(1);
        var ofDeletedUser = await StoreAsync(2);
        foreach (var (owner, id) in new[] { (1L, kept), (1L, orphan), (2L, ofDeletedUser) })
        {
            File.SetLastWriteTimeUtc(Path.Combine(_root, owner.ToString(CultureInfo.InvariantCulture), id[..2], id), DateTime.UtcNow.AddHours(-2));
        }

        var removed = await _store.SweepAsync(
            (owner, _) => Task.FromResult<IReadOnlySet<string>?>(owner == 1 ? new HashSet<string> { kept } : null),
            TimeSpan.FromHours(1),
            default);

        Assert.Equal(2, removed);
        Assert.True(Exists(1, kept));
        Assert.True(Exists(1, young));
        Assert.False(Exists(1, orphan));
        Assert.False(Exists(2, ofDeletedUser));
    }

    private bool Exists(long owner, string id) => File.Exists(Path.Combine(_root, owner.ToString(CultureInfo.InvariantCulture), id[..2], id));

    private async Task<string> StoreAsync(long owner)
    {
        await using var upload = await _store.BeginUploadAsync(owner, default);
        await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[10]), default);
        return await upload.CompleteAsync(default);
    }

    private static ReadOnlySequence<byte> Sequence(byte[] first, byte[] second)
    {
        var start = new Segment(first);
        var end = start.Append(second);
        return new ReadOnlySequence<byte>(start, 0, end, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
