using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Ocm.Files;

/// <summary>
/// Blobs on the local disk: <c>{DataDir}/files/{ownerId}/{first two hex digits}/{blobId}</c>. An upload is written to
/// <c>{DataDir}/files/.uploads/</c> (the same file system), flushed to disk, then renamed into place — a rename is atomic,
/// so a reader sees either no blob or the whole blob, and a killed upload leaves only a temp file the sweep deletes.
/// Paths are built from numbers and random hex only; no user-supplied name ever reaches the file system.
/// </summary>
internal sealed partial class LocalFileStore : IFileStore
{
    private const string UploadsFolder = ".uploads";
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _root;
    private readonly string _uploads;
    private readonly bool _flushToDisk;
    private readonly RandomNumberGenerator _random;
    private readonly ILogger<LocalFileStore> _logger;

    public LocalFileStore(string root, bool flushToDisk, RandomNumberGenerator random, ILogger<LocalFileStore> logger)
    {
        _root = Path.GetFullPath(root);
        _uploads = Path.Combine(_root, UploadsFolder);
        _flushToDisk = flushToDisk;
        _random = random;
        _logger = logger;
        CreateFolder(_root);
        CreateFolder(_uploads);
    }

    public Task<IBlobUpload> BeginUploadAsync(long ownerId, CancellationToken cancellationToken)
    {
        var blobId = NewBlobId();
        var tempPath = Path.Combine(_uploads, blobId + ".part");
        var handle = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        return Task.FromResult<IBlobUpload>(new Upload(this, ownerId, blobId, tempPath, handle));
    }

    public Task<Stream> OpenReadAsync(long ownerId, string blobId, CancellationToken cancellationToken)
    {
        // No FileStream buffer: callers copy in large chunks. FileShare.Delete lets a replaced blob be unlinked while
        // a download of the old content is still running (it keeps reading the old inode).
        Stream stream = new FileStream(BlobPath(ownerId, blobId), new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
        return Task.FromResult(stream);
    }

    public async Task<string> CopyAsync(long ownerId, string blobId, long targetOwnerId, CancellationToken cancellationToken)
    {
        var newId = NewBlobId();
        var tempPath = Path.Combine(_uploads, newId + ".part");
        try
        {
            await using (var source = await OpenReadAsync(ownerId, blobId, cancellationToken))
            await using (var target = new FileStream(tempPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = 0,
                PreallocationSize = source.Length,
            }))
            {
                await source.CopyToAsync(target, 1024 * 1024, cancellationToken);
                if (_flushToDisk)
                {
                    target.Flush(flushToDisk: true);
                }
            }

            Publish(tempPath, targetOwnerId, newId);
            return newId;
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    public Task DeleteAsync(long ownerId, string blobId, CancellationToken cancellationToken)
    {
        TryDelete(BlobPath(ownerId, blobId));
        return Task.CompletedTask;
    }

    public Task DeleteOwnerAsync(long ownerId, CancellationToken cancellationToken)
    {
        var folder = OwnerFolder(ownerId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        // A write, not a look: a disk remounted read-only or full still lists its folders.
        var probe = Path.Combine(_uploads, "ready-" + NewBlobId() + ".part");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The file store at {_root} does not take writes: {ex.Message}", ex);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    public long? AvailableBytes()
    {
        try
        {
            return new DriveInfo(_root).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async Task<int> SweepAsync(
        Func<long, CancellationToken, Task<IReadOnlySet<string>?>> referencedBlobs, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var removed = 0;

        // Uploads still being written are touched continuously; only give up on ones idle for a day.
        foreach (var part in Directory.EnumerateFiles(_uploads))
        {
            if (File.GetLastWriteTimeUtc(part) < DateTime.UtcNow.AddDays(-1) && TryDelete(part))
            {
                removed++;
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(_root))
        {
            if (!long.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var ownerId))
            {
                continue;
            }

            var referenced = await referencedBlobs(ownerId, cancellationToken);
            foreach (var blob in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var blobId = Path.GetFileName(blob);
                if ((referenced is null || !referenced.Contains(blobId)) && File.GetLastWriteTimeUtc(blob) < cutoff && TryDelete(blob))
                {
                    removed++;
                }
            }
        }

        if (removed > 0)
        {
            Log.Swept(_logger, removed);
        }

        return removed;
    }

    private string OwnerFolder(long ownerId) => Path.Combine(_root, ownerId.ToString(CultureInfo.InvariantCulture));

    private string BlobPath(long ownerId, string blobId)
    {
        if (blobId.Length != 32 || !blobId.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a blob id.", nameof(blobId));
        }

        return Path.Combine(OwnerFolder(ownerId), blobId[..2], blobId);
    }

    private string NewBlobId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.GetBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private void Publish(string tempPath, long ownerId, string blobId)
    {
        var target = BlobPath(ownerId, blobId);
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            CreateFolder(OwnerFolder(ownerId));
            CreateFolder(folder);
        }

        File.Move(tempPath, target, overwrite: false);
    }

    private static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateFolder);
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException ex)
        {
            Log.DeleteFailed(_logger, ex);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.DeleteFailed(_logger, ex);
            return false;
        }
    }

    private sealed class Upload(LocalFileStore store, long ownerId, string blobId, string tempPath, SafeFileHandle handle) : IBlobUpload
    {
        private readonly List<ReadOnlyMemory<byte>> _segments = [];
        private long _offset;
        private bool _completed;

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
        {
            if (data.IsSingleSegment)
            {
                await RandomAccess.WriteAsync(handle, data.First, _offset, cancellationToken);
            }
            else
            {
                // One vectored write (pwritev) for the whole sequence instead of a copy or one call per segment.
                _segments.Clear();
                foreach (var segment in data)
                {
                    _segments.Add(segment);
                }

                await RandomAccess.WriteAsync(handle, _segments, _offset, cancellationToken);
            }

            _offset += data.Length;
        }

        public Task<string> CompleteAsync(CancellationToken cancellationToken)
        {
            if (store._flushToDisk)
            {
                RandomAccess.FlushToDisk(handle);
            }

            handle.Dispose();
            store.Publish(tempPath, ownerId, blobId);
            _completed = true;
            return Task.FromResult(blobId);
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            if (!_completed)
            {
                store.TryDelete(tempPath);
            }

            return ValueTask.CompletedTask;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2320, LogLevel.Warning, "Could not delete a stored file")]
        public static partial void DeleteFailed(ILogger logger, Exception exception);

        [LoggerMessage(2321, LogLevel.Information, "Removed {Count} unreferenced stored files left by interrupted operations")]
        public static partial void Swept(ILogger logger, int count);
    }
}
