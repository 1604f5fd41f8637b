using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Ocm.Files;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Files;

/// <summary>
/// What every <see cref="IFileStore"/> promises the file tree, run against each store: the local disk
/// (<see cref="LocalDiskKeepsTheFileStoreContract"/>) and a real S3 object store, the Ceph RADOS Gateway test.sh starts
/// (<see cref="ObjectStoreKeepsTheFileStoreContract"/>).
/// </summary>
public abstract class FileStoreContract : IAsyncLifetime
{
    private protected IFileStore Store { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Everything the store holds that is not a completed blob: temp files, unfinished multipart uploads.</summary>
    private protected abstract Task<int> UnfinishedUploadsAsync();

    /// <summary>The number of blobs stored for an owner.</summary>
    private protected abstract Task<int> BlobCountAsync(long ownerId);

    [Fact]
    public async Task Upload_WrittenInPieces_ReadsBackIdentically()
    {
        var content = RandomBytes(300_000, seed: 1);
        string blobId;
        await using (var upload = await Store.BeginUploadAsync(7, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(content, 0, 1000), default);
            await upload.WriteAsync(Sequence(content.AsMemory(1000, 100_000), content.AsMemory(101_000)), default);
            blobId = await upload.CompleteAsync(default);
        }

        Assert.Matches("^[0-9a-f]{32}$", blobId);
        Assert.Equal(content, await ReadAllAsync(7, blobId));
    }

    [Fact]
    public async Task Upload_NotCompleted_LeavesNothingVisibleOrBehind()
    {
        await using (var upload = await Store.BeginUploadAsync(8, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[100_000]), default);
        }

        Assert.Equal(0, await BlobCountAsync(8));
        Assert.Equal(0, await UnfinishedUploadsAsync());
    }

    [Fact]
    public async Task Read_SeekToARange_ReturnsExactlyThoseBytes()
    {
        var content = RandomBytes(3_000_000, seed: 2);
        var blobId = await StoreAsync(7, content);

        await using var stream = await Store.OpenReadAsync(7, blobId, default);
        Assert.True(stream.CanSeek);
        Assert.Equal(content.Length, stream.Length);
        stream.Seek(2_500_000, SeekOrigin.Begin);
        var part = new byte[1000];
        await stream.ReadExactlyAsync(part);
        Assert.Equal(content.AsSpan(2_500_000, 1000).ToArray(), part);

        stream.Position = 10;
        await stream.ReadExactlyAsync(part.AsMemory(0, 5));
        Assert.Equal(content.AsSpan(10, 5).ToArray(), part[..5]);
    }

    [Fact]
    public async Task Copy_IsIndependentOfItsSource()
    {
        var content = RandomBytes(50_000, seed: 3);
        var source = await StoreAsync(7, content);

        var copy = await Store.CopyAsync(7, source, 9, default);
        await Store.DeleteAsync(7, source, default);

        Assert.NotEqual(source, copy);
        Assert.Equal(content, await ReadAllAsync(9, copy));
        await Assert.ThrowsAnyAsync<IOException>(() => Store.OpenReadAsync(7, source, default));
    }

    [Fact]
    public async Task Delete_MissingBlob_IsNoError_AndReadingItFails()
    {
        var blobId = await StoreAsync(7, [1, 2, 3]);
        await Store.DeleteAsync(7, blobId, default);
        await Store.DeleteAsync(7, blobId, default);

        await Assert.ThrowsAnyAsync<IOException>(() => Store.OpenReadAsync(7, blobId, default));
    }

    [Fact]
    public async Task DeleteOwner_RemovesThatOwnersBlobsOnly()
    {
        await StoreAsync(11, [1]);
        await StoreAsync(11, [2]);
        var other = await StoreAsync(12, [3]);

        await Store.DeleteOwnerAsync(11, default);

        Assert.Equal(0, await BlobCountAsync(11));
        Assert.Equal([3], await ReadAllAsync(12, other));
    }

    [Fact]
    public async Task OpenRead_RejectsAnythingButABlobId()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(7, "../../etc/passwd", default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(7, new string('A', 32), default));
    }

    [Fact]
    public async Task Sweep_RemovesOldUnreferencedBlobsOnly()
    {
        var kept = await StoreAsync(21, [1]);
        var orphan = await StoreAsync(21, [2]);
        var ofDeletedUser = await StoreAsync(22, [3]);
        // Ages come from the store's own clock (file times, S3's LastModified in whole seconds), so time really passes.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var young = await StoreAsync(21, [4]);

        var removed = await Store.SweepAsync(
            (owner, _) => Task.FromResult<IReadOnlySet<string>?>(owner == 21 ? new HashSet<string> { kept } : null),
            TimeSpan.FromSeconds(2),
            default);

        Assert.Equal(2, removed);
        Assert.Equal([1], await ReadAllAsync(21, kept));
        Assert.Equal([4], await ReadAllAsync(21, young));
        await Assert.ThrowsAnyAsync<IOException>(() => Store.OpenReadAsync(21, orphan, default));
        await Assert.ThrowsAnyAsync<IOException>(() => Store.OpenReadAsync(22, ofDeletedUser, default));
    }

    private protected async Task<string> StoreAsync(long owner, byte[] content)
    {
        await using var upload = await Store.BeginUploadAsync(owner, default);
        await upload.WriteAsync(new ReadOnlySequence<byte>(content), default);
        return await upload.CompleteAsync(default);
    }

    private protected async Task<byte[]> ReadAllAsync(long owner, string blobId)
    {
        await using var stream = await Store.OpenReadAsync(owner, blobId, default);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static ReadOnlySequence<byte> Sequence(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
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

public sealed class LocalDiskKeepsTheFileStoreContract : FileStoreContract
{
    private readonly string _root = TempDirectory.Create("ocm-store");

    public override Task InitializeAsync()
    {
        Store = new LocalFileStore(_root, flushToDisk: true, RandomNumberGenerator.Create(), NullLogger<LocalFileStore>.Instance);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        TempDirectory.Delete(_root);
        return Task.CompletedTask;
    }

    private protected override Task<int> UnfinishedUploadsAsync() =>
        Task.FromResult(Directory.EnumerateFiles(Path.Combine(_root, ".uploads")).Count());

    private protected override Task<int> BlobCountAsync(long ownerId)
    {
        var folder = Path.Combine(_root, ownerId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Task.FromResult(Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count() : 0);
    }
}

public sealed class ObjectStoreKeepsTheFileStoreContract : FileStoreContract
{
    private TestObjectStore _bucket = null!;

    public override Task InitializeAsync()
    {
        _bucket = TestObjectStore.Create(partSizeBytes: S3StorageOptions.MinPartBytes);
        Store = new S3FileStore(new S3Connection(_bucket.Options), RandomNumberGenerator.Create(), NullLogger<S3FileStore>.Instance);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        ((S3FileStore)Store).Bucket.Dispose();
        await _bucket.DisposeAsync();
    }

    /// <summary>Above the part size an upload goes in parts, sent while the next is received; S3 marks such an object's ETag with its part count.</summary>
    [Fact]
    public async Task Upload_LargerThanAPart_StoredAsAMultipartUpload_ReadsBackIdentically()
    {
        var content = RandomBytes(12 * 1024 * 1024, seed: 4);
        string blobId;
        await using (var upload = await Store.BeginUploadAsync(7, default))
        {
            for (var offset = 0; offset < content.Length; offset += 256 * 1024)
            {
                await upload.WriteAsync(new ReadOnlySequence<byte>(content, offset, Math.Min(256 * 1024, content.Length - offset)), default);
            }

            blobId = await upload.CompleteAsync(default);
        }

        var head = await _bucket.Client.GetObjectMetadataAsync(_bucket.Bucket, S3FileStore.BlobKey(7, blobId));
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await ReadAllAsync(7, blobId)));
        Assert.Equal(0, await _bucket.OpenUploadsAsync());
    }

    /// <summary>A declared length above the part size: the parts are sent while the writes come, with no part buffered.</summary>
    [Fact]
    public async Task Upload_OfDeclaredLength_StreamedPartByPart_ReadsBackIdentically()
    {
        var content = RandomBytes(12 * 1024 * 1024 + 3, seed: 5);
        string blobId;
        await using (var upload = await Store.BeginUploadAsync(7, content.Length, default))
        {
            // A 1 MiB write is not yet a 5 MiB part, yet the multipart upload is already open and receiving it.
            await upload.WriteAsync(new ReadOnlySequence<byte>(content, 0, 1024 * 1024), default);
            Assert.Equal(1, await _bucket.OpenUploadsAsync());
            for (var offset = 1024 * 1024; offset < content.Length; offset += 300_001)
            {
                await upload.WriteAsync(new ReadOnlySequence<byte>(content, offset, Math.Min(300_001, content.Length - offset)), default);
            }

            blobId = await upload.CompleteAsync(default);
        }

        var head = await _bucket.Client.GetObjectMetadataAsync(_bucket.Bucket, S3FileStore.BlobKey(7, blobId));
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await ReadAllAsync(7, blobId)));
        Assert.Equal(0, await _bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task Upload_OfDeclaredLength_EndingShortOrLong_FailsAndLeavesNothing()
    {
        await using (var upload = await Store.BeginUploadAsync(7, 8 * 1024 * 1024, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[6 * 1024 * 1024]), default);
            await Assert.ThrowsAsync<IOException>(() => upload.CompleteAsync(default));
        }

        await using (var upload = await Store.BeginUploadAsync(7, 6 * 1024 * 1024, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[6 * 1024 * 1024]), default);
            await Assert.ThrowsAsync<IOException>(async () => await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[1]), default));
        }

        Assert.Equal(0, await _bucket.OpenUploadsAsync());
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public void StreamedPartSize_GrowsOnlyWhenTenThousandPartsWouldNotHoldTheFile()
    {
        const long MiB = 1024 * 1024;
        Assert.Equal(16 * MiB, S3FileStore.StreamedPartSize(1024 * MiB, 16 * MiB));
        Assert.Equal(16 * MiB, S3FileStore.StreamedPartSize(10_000 * 16 * MiB, 16 * MiB));
        // 1 TiB in at most 10,000 parts: 104.9 MiB each, rounded up to whole MiB.
        var size = S3FileStore.StreamedPartSize(1024 * 1024 * MiB, 16 * MiB);
        Assert.True(size * S3FileStore.MaxParts >= 1024 * 1024 * MiB, $"{size} bytes per part");
        Assert.Equal(0, size % MiB);
        Assert.True(size == 105 * MiB, $"{size} bytes per part");
    }

    [Fact]
    public async Task Upload_FailingPartWay_AbortsItsMultipartUpload()
    {
        await using (var upload = await Store.BeginUploadAsync(7, default))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[6 * 1024 * 1024]), default);
            Assert.Equal(1, await _bucket.OpenUploadsAsync());
        }

        Assert.Equal(0, await _bucket.OpenUploadsAsync());
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public async Task Assemble_ChunksOfMixedSizes_CopiedInTheStore_ChecksumsOfTheWhole()
    {
        // Large chunks become server-side part copies; runs of small ones are sent as parts; the last may be small.
        var store = (S3FileStore)Store;
        var sizes = new[] { 6 * 1024 * 1024, 1024 * 1024, 1024 * 1024, 7 * 1024 * 1024, 300_000 };
        var chunks = new List<(string Key, long Length)>();
        using var whole = new MemoryStream();
        for (var i = 0; i < sizes.Length; i++)
        {
            var bytes = RandomBytes(sizes[i], seed: 10 + i);
            whole.Write(bytes);
            var key = $"uploads/7/test/{i:D20}";
            await _bucket.Connection.EnsureAsync(default);
            await _bucket.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = _bucket.Bucket, Key = key, InputStream = new MemoryStream(bytes) });
            chunks.Add((key, bytes.Length));
        }

        var content = await store.AssembleAsync(7, chunks, default);

        var expected = whole.ToArray();
        Assert.Equal(expected.Length, content.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), content.Sha256);
#pragma warning disable CA5350 // the checksum sync clients compare
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(expected)), content.Sha1);
#pragma warning restore CA5350
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await ReadAllAsync(7, content.BlobId!)));
        Assert.Equal(0, await _bucket.OpenUploadsAsync());
    }

    [Fact]
    public async Task Copy_DoneInsideTheStore_NoContentPassesThroughTheServer()
    {
        var content = RandomBytes(12 * 1024 * 1024, seed: 5);
        var source = await StoreAsync(7, content);
        var traffic = new CountingS3Traffic();
        using var connection = new S3Connection(_bucket.Options, traffic);
        var counted = new S3FileStore(connection, RandomNumberGenerator.Create(), NullLogger<S3FileStore>.Instance);

        var copy = await counted.CopyAsync(7, source, 9, default);

        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await ReadAllAsync(9, copy)));
        Assert.InRange(traffic.BytesSent, 0, 64 * 1024);
        Assert.InRange(traffic.BytesReceived, 0, 64 * 1024);
    }

    [Fact]
    public async Task Assemble_ChunksOfAtLeastAPart_NotSentAgain()
    {
        // A sync client's chunks of 6, 6 and 2 MiB: every one starts on a part boundary, so all become part copies
        // (the last part may be small); the server sends none of the 14 MiB again.
        var sizes = new[] { 6 * 1024 * 1024, 6 * 1024 * 1024, 2 * 1024 * 1024 };
        var chunks = new List<(string Key, long Length)>();
        using var whole = new MemoryStream();
        await _bucket.Connection.EnsureAsync(default);
        for (var i = 0; i < sizes.Length; i++)
        {
            var bytes = RandomBytes(sizes[i], seed: 20 + i);
            whole.Write(bytes);
            var key = $"uploads/7/copied/{i:D20}";
            await _bucket.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = _bucket.Bucket, Key = key, InputStream = new MemoryStream(bytes) });
            chunks.Add((key, bytes.Length));
        }

        var traffic = new CountingS3Traffic();
        using var connection = new S3Connection(_bucket.Options, traffic);
        var counted = new S3FileStore(connection, RandomNumberGenerator.Create(), NullLogger<S3FileStore>.Instance);

        var content = await counted.AssembleAsync(7, chunks, default);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(whole.ToArray())), content.Sha256);
        Assert.Equal(SHA256.HashData(whole.ToArray()), SHA256.HashData(await ReadAllAsync(7, content.BlobId!)));
        Assert.InRange(traffic.BytesSent, 0, 64 * 1024);
    }

    private protected override Task<int> UnfinishedUploadsAsync() => _bucket.OpenUploadsAsync();

    private protected override async Task<int> BlobCountAsync(long ownerId) =>
        (await _bucket.KeysAsync($"blobs/{ownerId}/")).Count;
}
