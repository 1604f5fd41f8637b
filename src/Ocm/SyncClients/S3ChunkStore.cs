using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Ocm.Files;

namespace Ocm.SyncClients;

/// <summary>
/// Chunks of uploads in progress in the object store, beside the file contents, so that every node of a deployment
/// sees them: <c>uploads/{userId}/{SHA-256 of the transfer id}/info</c> (what MKCOL recorded) and one object
/// <c>…/{number:D20}</c> per chunk. An upload's last activity is its newest object's modification time. S3 makes an
/// object visible only once it is completely written, so a chunk is either complete or absent, as on disk.
/// Assembling asks the store to copy the chunks into the new blob (<see cref="S3FileStore.AssembleAsync"/>) instead of
/// downloading and uploading them again.
/// </summary>
internal sealed partial class S3ChunkStore(S3FileStore files, SyncClientsOptions options, TimeProvider time, ILogger<S3ChunkStore> logger) : IChunkStore
{
    private const string Prefix = "uploads/";
    private const string InfoName = "info";

    private S3Connection Bucket => files.Bucket;

    public async Task<ChunkedUploadInfo?> FindAsync(long userId, string transferId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Bucket.CallAsync("read a chunked upload", () => Bucket.Client.GetObjectAsync(
                new GetObjectRequest { BucketName = Bucket.Name, Key = UploadPrefix(userId, transferId) + InfoName }, cancellationToken));
            return await JsonSerializer.DeserializeAsync(response.ResponseStream, SyncClientsJsonContext.Default.ChunkedUploadInfo, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<bool> CreateAsync(long userId, string transferId, long? totalLength, CancellationToken cancellationToken)
    {
        await Bucket.EnsureAsync(cancellationToken);
        var key = UploadPrefix(userId, transferId) + InfoName;
        if (await ExistsAsync(key, cancellationToken))
        {
            return false;
        }

        var info = JsonSerializer.SerializeToUtf8Bytes(new ChunkedUploadInfo(transferId, totalLength, time.GetUtcNow()), SyncClientsJsonContext.Default.ChunkedUploadInfo);
        await Bucket.CallAsync("start a chunked upload", () => Bucket.Client.PutObjectAsync(
            new PutObjectRequest { BucketName = Bucket.Name, Key = key, InputStream = new MemoryStream(info), ContentType = "application/json" }, cancellationToken));
        return true;
    }

    public async Task<IReadOnlyList<ChunkedUploadInfo>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        var uploads = new List<ChunkedUploadInfo>();
        var infoKeys = new List<string>();
        await foreach (var item in Bucket.ListAsync(UserPrefix(userId), cancellationToken))
        {
            if (item.Key.EndsWith("/" + InfoName, StringComparison.Ordinal))
            {
                infoKeys.Add(item.Key);
            }
        }

        foreach (var key in infoKeys)
        {
            try
            {
                using var response = await Bucket.CallAsync("read a chunked upload", () => Bucket.Client.GetObjectAsync(
                    new GetObjectRequest { BucketName = Bucket.Name, Key = key }, cancellationToken));
                if (await JsonSerializer.DeserializeAsync(response.ResponseStream, SyncClientsJsonContext.Default.ChunkedUploadInfo, cancellationToken) is { } info)
                {
                    uploads.Add(info);
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or JsonException)
            {
                // Deleted meanwhile, or not ours.
            }
        }

        return uploads;
    }

    public async Task<IReadOnlyList<Chunk>> ChunksAsync(long userId, string transferId, CancellationToken cancellationToken)
    {
        var chunks = new List<Chunk>();
        await foreach (var item in Bucket.ListAsync(UploadPrefix(userId, transferId), cancellationToken))
        {
            if (ChunkNumber(item.Key) is long number)
            {
                chunks.Add(new Chunk(number, item.Size ?? 0, item.Key));
            }
        }

        chunks.Sort((a, b) => a.Number.CompareTo(b.Number));
        return chunks;
    }

    public async Task<long> BytesHeldAsync(long userId, CancellationToken cancellationToken)
    {
        long total = 0;
        await foreach (var item in Bucket.ListAsync(UserPrefix(userId), cancellationToken))
        {
            if (ChunkNumber(item.Key) is not null)
            {
                total += item.Size ?? 0;
            }
        }

        return total;
    }

    public async Task<ChunkWriteStatus> WriteChunkAsync(
        long userId, string transferId, long number, Stream body, long? declaredLength, long maxBytes, long allowance, CancellationToken cancellationToken)
    {
        var prefix = UploadPrefix(userId, transferId);
        if (!await ExistsAsync(prefix + InfoName, cancellationToken))
        {
            return ChunkWriteStatus.UploadMissing;
        }

        var key = prefix + number.ToString("D20", CultureInfo.InvariantCulture);
        var existing = await ChunksAsync(userId, transferId, cancellationToken);
        var replaced = existing.FirstOrDefault(c => c.Number == number)?.Length;
        if (replaced is null && existing.Count >= options.MaxChunksPerUpload)
        {
            return ChunkWriteStatus.TooManyChunks;
        }

        if (declaredLength > maxBytes)
        {
            return ChunkWriteStatus.TooLarge;
        }

        if (declaredLength > allowance + (replaced ?? 0))
        {
            return ChunkWriteStatus.QuotaExceeded;
        }

        await using (var upload = new S3FileStore.Upload(Bucket, key))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        return ChunkWriteStatus.TooLarge;
                    }

                    if (total > allowance + (replaced ?? 0))
                    {
                        return ChunkWriteStatus.QuotaExceeded;
                    }

                    await upload.WriteAsync(new ReadOnlySequence<byte>(buffer, 0, read), cancellationToken);
                }

                if (declaredLength is long expected && total != expected)
                {
                    return ChunkWriteStatus.IncompleteBody;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await upload.CompleteAsync(cancellationToken);
        }

        if (!await ExistsAsync(prefix + InfoName, CancellationToken.None))
        {
            // Deleted (or swept) while the chunk was arriving.
            await Bucket.DeleteAsync(key, CancellationToken.None);
            return ChunkWriteStatus.UploadMissing;
        }

        return ChunkWriteStatus.Stored;
    }

    public async Task<bool> DeleteChunkAsync(long userId, string transferId, long number, CancellationToken cancellationToken)
    {
        var key = UploadPrefix(userId, transferId) + number.ToString("D20", CultureInfo.InvariantCulture);
        if (!await ExistsAsync(key, cancellationToken))
        {
            return false;
        }

        await Bucket.DeleteAsync(key, cancellationToken);
        return true;
    }

    public async Task<bool> DeleteAsync(long userId, string transferId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in Bucket.ListAsync(UploadPrefix(userId, transferId), cancellationToken))
        {
            keys.Add(item.Key);
        }

        // The info object last, so a half-finished delete still shows as an upload and is deleted again.
        keys.Sort((a, b) => (a.EndsWith("/" + InfoName, StringComparison.Ordinal) ? 1 : 0) - (b.EndsWith("/" + InfoName, StringComparison.Ordinal) ? 1 : 0));
        foreach (var key in keys)
        {
            await Bucket.DeleteAsync(key, cancellationToken);
        }

        return keys.Count > 0;
    }

    public async Task<int> SweepAbandonedAsync(CancellationToken cancellationToken)
    {
        await Bucket.EnsureAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await Bucket.AbortStaleUploadsAsync(Prefix, now.AddSeconds(-Bucket.Options.AbandonedMultipartSeconds), cancellationToken);

        // Keys come in order, so the objects of one upload are listed together.
        var cutoff = now.AddSeconds(-options.AbandonedUploadSeconds);
        var doomed = new List<string>();
        var group = new List<string>();
        string? current = null;
        var lastActivity = DateTime.MinValue;
        var removed = 0;
        await foreach (var item in Bucket.ListAsync(Prefix, cancellationToken))
        {
            var upload = UploadOf(item.Key);
            if (upload != current)
            {
                Close();
                current = upload;
            }

            group.Add(item.Key);
            lastActivity = Max(lastActivity, item.LastModified?.ToUniversalTime() ?? DateTime.MaxValue);
        }

        Close();
        await Bucket.DeleteManyAsync(doomed, cancellationToken);
        if (removed > 0)
        {
            Log.Swept(logger, removed);
        }

        return removed;

        void Close()
        {
            if (current is not null && group.Count > 0 && lastActivity < cutoff)
            {
                doomed.AddRange(group);
                removed++;
            }

            group.Clear();
            lastActivity = DateTime.MinValue;
        }
    }

    public Task<StoredContent> AssembleAsync(long userId, string transferId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken) =>
        files.AssembleAsync(userId, chunks.Select(c => (c.Location, c.Length)).ToList(), cancellationToken);

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static string UserPrefix(long userId) => Prefix + userId.ToString(CultureInfo.InvariantCulture) + "/";

    /// <summary>No client-supplied text reaches a key: the transfer id is hashed (as on disk).</summary>
    private static string UploadPrefix(long userId, string transferId) =>
        UserPrefix(userId) + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(transferId)))[..40] + "/";

    /// <summary><c>uploads/{user}/{hash}/</c> of a key, or the key itself when it is not that deep.</summary>
    private static string UploadOf(string key)
    {
        var userEnd = key.IndexOf('/', Prefix.Length);
        var uploadEnd = userEnd < 0 ? -1 : key.IndexOf('/', userEnd + 1);
        return uploadEnd < 0 ? key : key[..(uploadEnd + 1)];
    }

    private static long? ChunkNumber(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        return name.Length == 20 && name.All(char.IsAsciiDigit) && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
    }

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await Bucket.LengthAsync(key, cancellationToken);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2502, LogLevel.Information, "Removed {Count} abandoned chunked uploads from the object store")]
        public static partial void Swept(ILogger logger, int count);
    }
}
