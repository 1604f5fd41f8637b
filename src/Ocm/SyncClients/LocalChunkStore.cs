using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ocm.Files;

namespace Ocm.SyncClients;

/// <summary>
/// Chunks of uploads in progress, on the local disk outside every user's tree:
/// <c>{DataDir}/chunks/{userId}/{SHA-256 of the transfer id}/</c> holding <c>upload.json</c> (whose modification time is
/// the last activity) and one <c>{number:D20}.chunk</c> file per chunk. Chunks are written to a temporary name and
/// renamed into place, so a chunk is either complete or absent. No client-supplied text reaches a file name: the
/// transfer id is hashed and chunk names must be numbers.
/// </summary>
internal sealed partial class LocalChunkStore(string root, SyncClientsOptions options, IFileStore files, TimeProvider time, RandomNumberGenerator random, ILogger<LocalChunkStore> logger) : IChunkStore
{
    private const string InfoFile = "upload.json";
    private const string ChunkSuffix = ".chunk";
    private const int CopyBuffer = 256 * 1024;

    public string Root { get; } = Path.GetFullPath(root);

    public Task<ChunkedUploadInfo?> FindAsync(long userId, string transferId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(userId, transferId));

    public Task<bool> CreateAsync(long userId, string transferId, long? totalLength, CancellationToken cancellationToken) =>
        Task.FromResult(Create(userId, transferId, totalLength));

    public Task<IReadOnlyList<ChunkedUploadInfo>> ListAsync(long userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ChunkedUploadInfo>>(List(userId).ToList());

    public Task<IReadOnlyList<Chunk>> ChunksAsync(long userId, string transferId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Chunk>>(Chunks(userId, transferId));

    public Task<long> BytesHeldAsync(long userId, CancellationToken cancellationToken) => Task.FromResult(BytesHeld(userId));

    public Task<bool> DeleteChunkAsync(long userId, string transferId, long number, CancellationToken cancellationToken) =>
        Task.FromResult(DeleteChunk(userId, transferId, number));

    public Task<bool> DeleteAsync(long userId, string transferId, CancellationToken cancellationToken) =>
        Task.FromResult(Delete(userId, transferId));

    public Task<int> SweepAbandonedAsync(CancellationToken cancellationToken) => Task.FromResult(SweepAbandoned());

    /// <summary>
    /// Streams the chunk files, in order, into a new blob of the file store while hashing them: on the local disk the
    /// chunks and the blob are on the same file system, and reading each chunk once is all assembling costs.
    /// </summary>
    public async Task<StoredContent> AssembleAsync(long userId, string transferId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken)
    {
        await using var content = new ConcatenatedReadStream(chunks.Select(c => c.Location).ToList());
        return await FileTree.StoreAsync(files, userId, content, cancellationToken);
    }

    private ChunkedUploadInfo? Find(long userId, string transferId)
    {
        var file = Path.Combine(UploadFolder(userId, transferId), InfoFile);
        try
        {
            using var stream = File.OpenRead(file);
            return JsonSerializer.Deserialize(stream, SyncClientsJsonContext.Default.ChunkedUploadInfo);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Starts an upload; false when one with this id exists already.</summary>
    private bool Create(long userId, string transferId, long? totalLength)
    {
        var folder = UploadFolder(userId, transferId);
        CreatePrivateFolder(Path.GetDirectoryName(folder)!);
        try
        {
            // Directory.CreateDirectory succeeds on an existing folder; the info file's CreateNew is the atomic test.
            CreatePrivateFolder(folder);
            using var stream = new FileStream(Path.Combine(folder, InfoFile), FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(stream, new ChunkedUploadInfo(transferId, totalLength, time.GetUtcNow()), SyncClientsJsonContext.Default.ChunkedUploadInfo);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, InfoFile)))
        {
            return false;
        }

        Touch(folder);
        return true;
    }

    /// <summary>The uploads of a user (for a PROPFIND on the uploads collection).</summary>
    private IEnumerable<ChunkedUploadInfo> List(long userId)
    {
        var folder = Path.Combine(Root, userId.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var upload in Directory.EnumerateDirectories(folder))
        {
            ChunkedUploadInfo? info = null;
            try
            {
                using var stream = File.OpenRead(Path.Combine(upload, InfoFile));
                info = JsonSerializer.Deserialize(stream, SyncClientsJsonContext.Default.ChunkedUploadInfo);
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
            }

            if (info is not null)
            {
                yield return info;
            }
        }
    }

    /// <summary>The chunks received so far, ordered by number.</summary>
    private List<Chunk> Chunks(long userId, string transferId)
    {
        var folder = UploadFolder(userId, transferId);
        var chunks = new List<Chunk>();
        if (!Directory.Exists(folder))
        {
            return chunks;
        }

        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*" + ChunkSuffix))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(file.Name), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                chunks.Add(new Chunk(number, file.Length, file.FullName));
            }
        }

        chunks.Sort((a, b) => a.Number.CompareTo(b.Number));
        return chunks;
    }

    /// <summary>Bytes held in chunks by a user across all uploads (they count against the quota until assembled or removed).</summary>
    private long BytesHeld(long userId)
    {
        var folder = Path.Combine(Root, userId.ToString(CultureInfo.InvariantCulture));
        return Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles("*" + ChunkSuffix, SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
    }

    /// <summary>
    /// Receives one chunk. <paramref name="allowance"/> is how many bytes the chunk may have (upload and quota limits);
    /// a chunk sent again replaces the earlier one.
    /// </summary>
    public async Task<ChunkWriteStatus> WriteChunkAsync(
        long userId, string transferId, long number, Stream body, long? declaredLength, long maxBytes, long allowance, CancellationToken cancellationToken)
    {
        var folder = UploadFolder(userId, transferId);
        if (!File.Exists(Path.Combine(folder, InfoFile)))
        {
            return ChunkWriteStatus.UploadMissing;
        }

        var target = Path.Combine(folder, number.ToString("D20", CultureInfo.InvariantCulture) + ChunkSuffix);
        var replaced = File.Exists(target) ? new FileInfo(target).Length : 0;
        if (!File.Exists(target) && Directory.EnumerateFiles(folder, "*" + ChunkSuffix).Count() >= options.MaxChunksPerUpload)
        {
            return ChunkWriteStatus.TooManyChunks;
        }

        if (declaredLength > maxBytes)
        {
            return ChunkWriteStatus.TooLarge;
        }

        if (declaredLength > allowance + replaced)
        {
            return ChunkWriteStatus.QuotaExceeded;
        }

        var name = new byte[8];
        random.GetBytes(name);
        var temp = Path.Combine(folder, "." + Convert.ToHexStringLower(name) + ".part");
        try
        {
            long total = 0;
            await using (var output = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = 0,
                PreallocationSize = declaredLength ?? 0,
            }))
            {
                var buffer = new byte[CopyBuffer];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        return ChunkWriteStatus.TooLarge;
                    }

                    if (total > allowance + replaced)
                    {
                        return ChunkWriteStatus.QuotaExceeded;
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            if (declaredLength is long expected && total != expected)
            {
                return ChunkWriteStatus.IncompleteBody;
            }

            if (!File.Exists(Path.Combine(folder, InfoFile)))
            {
                // Deleted (or swept) while the chunk was arriving.
                return ChunkWriteStatus.UploadMissing;
            }

            File.Move(temp, target, overwrite: true);
            Touch(folder);
            return ChunkWriteStatus.Stored;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Removes one chunk; false when it did not exist.</summary>
    private bool DeleteChunk(long userId, string transferId, long number)
    {
        var file = Path.Combine(UploadFolder(userId, transferId), number.ToString("D20", CultureInfo.InvariantCulture) + ChunkSuffix);
        if (!File.Exists(file))
        {
            return false;
        }

        TryDelete(file);
        return true;
    }

    /// <summary>Removes an upload with its chunks; false when it did not exist.</summary>
    private bool Delete(long userId, string transferId) => DeleteFolder(UploadFolder(userId, transferId));

    /// <summary>Removes uploads whose last chunk arrived longer ago than <see cref="SyncClientsOptions.AbandonedUploadSeconds"/>.</summary>
    private int SweepAbandoned()
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var cutoff = time.GetUtcNow().UtcDateTime.AddSeconds(-options.AbandonedUploadSeconds);
        var removed = 0;
        foreach (var user in Directory.EnumerateDirectories(Root))
        {
            foreach (var upload in Directory.EnumerateDirectories(user))
            {
                var info = Path.Combine(upload, InfoFile);
                // A folder without its info file is a Create that crashed half-way; its own time says how old it is.
                var lastActivity = File.Exists(info) ? File.GetLastWriteTimeUtc(info) : Directory.GetLastWriteTimeUtc(upload);
                if (lastActivity < cutoff && DeleteFolder(upload))
                {
                    removed++;
                }
            }
        }

        if (removed > 0)
        {
            Log.Swept(logger, removed);
        }

        return removed;
    }

    private string UploadFolder(long userId, string transferId) => Path.Combine(
        Root,
        userId.ToString(CultureInfo.InvariantCulture),
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(transferId)))[..40]);

    /// <summary>Records activity with the injected clock, so abandonment is judged by the same clock.</summary>
    private void Touch(string folder)
    {
        try
        {
            File.SetLastWriteTimeUtc(Path.Combine(folder, InfoFile), time.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
        }
    }

    private bool DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException ex)
        {
            Log.NotDeleted(logger, ex);
            return false;
        }
    }

    private static void CreatePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2500, LogLevel.Information, "Removed {Count} abandoned chunked uploads")]
        public static partial void Swept(ILogger logger, int count);

        [LoggerMessage(2501, LogLevel.Warning, "Could not remove a chunked upload; the next sweep retries")]
        public static partial void NotDeleted(ILogger logger, Exception exception);
    }
}
