using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Shares;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.RemoteShares;

/// <summary>
/// Does the copies queued by <see cref="ShareTransfers"/> (OCM <c>accessTypes: ["datatx"]</c>): lists the remote tree
/// once (PROPFIND Depth 1 per folder, through <see cref="RemoteShareClient"/>, the one outbound path with its SSRF guard,
/// credentials and circuit breaker), then fetches each file into a part file under <c>{data dir}/transfers</c>, continuing
/// a part file with <c>Range: bytes=N-</c> and <c>If-Range</c> (RFC 9110 §14.2, §13.1.5) so bytes already fetched are
/// never fetched again, and commits it into the recipient's tree through <see cref="FileTree"/> (quota, size limit and
/// the sender's checksum checked there). Progress is stored as it goes; a sender that cannot be reached is tried again
/// with growing pauses. In a cluster a copy is worked on by one node at a time: it holds the copy's lease
/// (<see cref="DatabaseLeases"/>), renewed with every progress record, and records nothing once it lost it. Part files
/// are on the node's own disk: when another node takes a copy over, it fetches the file in progress from its start.
/// </summary>
internal sealed partial class ShareTransferWorker(
    IServiceScopeFactory scopes,
    RemoteShareClient remote,
    DatabaseLeases leases,
    ShareTransferSignal signal,
    SharesOptions options,
    WebDavOptions webDavOptions,
    OcmServerInfo server,
    TimeProvider time,
    ILogger<ShareTransferWorker> logger) : BackgroundService
{
    private const int CopyBuffer = 1024 * 1024;

    /// <summary>Progress is recorded at least this often while bytes flow (and at every file's end).</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    private TimeProvider Time => time;

    private RemoteShareClient Remote => remote;

    private IServiceScopeFactory Scopes => scopes;

    private WebDavOptions WebDav => webDavOptions;

    private DatabaseLeases Leases => leases;

    private TimeSpan Lease => TimeSpan.FromSeconds(Math.Max(60, 4 * options.RemoteTimeoutSeconds));

    private string StagingRoot => Path.Combine(server.DataDir, "transfers");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or IOException)
            {
                Log.WorkerError(logger, ex);
            }

            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(options.TransferPollSeconds), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunDueAsync(CancellationToken stoppingToken)
    {
        List<long> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var now = time.GetUtcNow();
            due = await db.Set<ShareTransfer>()
                .Where(t => t.State == ShareTransferState.Queued && t.NextAttemptAt <= now)
                .OrderBy(t => t.NextAttemptAt).Select(t => t.Id).Take(20).ToListAsync(stoppingToken);
        }

        foreach (var id in due)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            var lease = await leases.TryAcquireAsync(db, "datatx:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture), Lease, stoppingToken);
            if (lease is null)
            {
                continue; // another node works on it
            }

            try
            {
                await RunAsync(db, lease, id, stoppingToken);
            }
            finally
            {
                try
                {
                    await leases.ReleaseAsync(db, lease, CancellationToken.None);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
                {
                    Log.WorkerError(logger, ex); // the lease runs out by itself
                }
            }
        }
    }

    /// <summary>One attempt at a copy: as far as it goes, then done, failed, or queued again with the reason.</summary>
    private async Task RunAsync(OcmDb db, HeldLease lease, long id, CancellationToken stoppingToken)
    {
        var transfer = await db.Set<ShareTransfer>().SingleOrDefaultAsync(t => t.Id == id && t.State == ShareTransferState.Queued, stoppingToken);
        if (transfer is null || transfer.NextAttemptAt > time.GetUtcNow())
        {
            return; // finished or postponed by another node meanwhile
        }

        var job = new Job(this, db, lease, transfer);
        var bytesBefore = transfer.BytesDone;
        try
        {
            await job.RunAsync(stoppingToken);
            await job.FinishAsync(ShareTransferState.Done, null);
            DeleteStaging(id);
            Log.Done(logger, id, transfer.FilesDone, transfer.BytesDone, ShareTransfers.Verification(transfer) ?? "nothing to verify");
        }
        catch (TransferFailedException ex)
        {
            await job.FinishAsync(ShareTransferState.Failed, ex.Message);
            DeleteStaging(id);
            Log.Failed(logger, id, ex.Message);
        }
        catch (LeaseLostException)
        {
            Log.LeaseLost(logger, id);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the progress recorded so far stands, the part file stays for the next start.
            await job.SaveProgressAsync(force: true, CancellationToken.None);
        }
        catch (Exception ex) when (IsTemporary(ex))
        {
            var reason = ex is RemoteShareException or TransferRetryException ? ex.Message : $"The sender's server {job.SenderHost} could not be reached or broke off: {ex.Message}";
            // Progress resets the count: a sender that comes back and goes away again is not given up on.
            transfer.Attempts = transfer.BytesDone > bytesBefore ? 1 : transfer.Attempts + 1;
            if (transfer.Attempts > options.TransferMaxAttempts)
            {
                await job.FinishAsync(ShareTransferState.Failed, $"Gave up after {options.TransferMaxAttempts} attempts without progress: {reason}");
                DeleteStaging(id);
                Log.Failed(logger, id, reason);
                return;
            }

            var pause = TimeSpan.FromSeconds(Math.Min(options.TransferMaxRetrySeconds, options.TransferRetrySeconds * Math.Pow(2, transfer.Attempts - 1)));
            if (ex is RemoteShareException { RetryAfter: { } retryAfter } && retryAfter > pause)
            {
                pause = TimeSpan.FromSeconds(Math.Min(options.TransferMaxRetrySeconds, retryAfter.TotalSeconds));
            }

            transfer.NextAttemptAt = time.GetUtcNow() + pause;
            transfer.Error = reason;
            await job.SaveProgressAsync(force: true, CancellationToken.None);
            Log.Retrying(logger, id, pause.TotalSeconds, reason);
        }
    }

    private static bool IsTemporary(Exception ex) => ex switch
    {
        RemoteShareException remoteFailure => remoteFailure.Status is >= 500 or 429,
        TransferRetryException or HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => true, // a timeout of ours, not shutdown (handled before)
        _ => false,
    };

    private void DeleteStaging(long id)
    {
        try
        {
            var folder = Path.Combine(StagingRoot, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException ex)
        {
            Log.WorkerError(logger, ex);
        }
    }

    /// <summary>A reason to give up on a copy, in words for the recipient.</summary>
    private sealed class TransferFailedException(string message) : Exception(message);

    /// <summary>A reason to try a copy again later, in words for the recipient.</summary>
    private sealed class TransferRetryException(string message) : Exception(message);

    /// <summary>Another node took the copy over: nothing more is recorded by this one.</summary>
    private sealed class LeaseLostException() : Exception("The copy's lease was taken over.");

    /// <summary>One attempt at one copy, holding its lease.</summary>
    private sealed class Job(ShareTransferWorker worker, OcmDb db, HeldLease lease, ShareTransfer transfer)
    {
        private DateTimeOffset _lastSaved;
        private ReceivedShare _share = null!;

        public string SenderHost => _share?.SenderHost ?? "?";

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            _share = await db.Set<ReceivedShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == transfer.ReceivedShareId, cancellationToken)
                ?? throw new TransferFailedException("The share was removed before the copy was finished.");
            if (_share.State != ReceivedShareState.Accepted || _share.IsExpired(worker.Time.GetUtcNow()))
            {
                throw new TransferFailedException($"The share is no longer available ({(_share.IsExpired(worker.Time.GetUtcNow()) ? "expired" : _share.State.ToString().ToLowerInvariant())}).");
            }

            var user = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == transfer.UserId, cancellationToken);
            if (StoragePath.TryParse(transfer.Destination, out var destination) != PathError.None)
            {
                throw new TransferFailedException($"'{transfer.Destination}' is not a path in your files.");
            }

            if (!transfer.Listed)
            {
                await ListAsync(user, destination, cancellationToken);
            }

            var pending = await db.Set<ShareTransferFile>().Where(f => f.TransferId == transfer.Id && !f.Done && !f.IsFolder).OrderBy(f => f.Id).ToListAsync(cancellationToken);
            foreach (var file in pending)
            {
                await CopyAsync(user, destination, file, cancellationToken);
            }
        }

        /// <summary>Walks the remote tree into rows, checks that it fits the quota, and creates the folders.</summary>
        private async Task ListAsync(User user, StoragePath destination, CancellationToken cancellationToken)
        {
            var found = new List<ShareTransferFile>();
            var root = await worker.Remote.ListAsync(_share, StoragePath.Root, cancellationToken);
            if (!root.IsFolder)
            {
                var stat = await worker.Remote.StatAsync(_share, worker.Remote.Timeout, cancellationToken)
                    ?? throw new TransferRetryException($"{_share.SenderHost} did not say how large '{_share.Name}' is.");
                found.Add(new ShareTransferFile { TransferId = transfer.Id, Path = "", Size = stat.Size, ETag = stat.ETag });
            }
            else
            {
                found.Add(new ShareTransferFile { TransferId = transfer.Id, Path = "", IsFolder = true });
                var folders = new Queue<(StoragePath Path, RemoteFolder Listing)>();
                folders.Enqueue((StoragePath.Root, root));
                while (folders.TryDequeue(out var folder))
                {
                    if (folder.Listing.Truncated)
                    {
                        throw new TransferFailedException($"The folder {folder.Path} of the share has more than {RemoteShareClient.MaxListedMembers} members; it cannot be copied.");
                    }

                    foreach (var member in folder.Listing.Members)
                    {
                        var path = folder.Path.Append(member.Name)!.Value;
                        found.Add(new ShareTransferFile
                        {
                            TransferId = transfer.Id,
                            Path = path.ToString(),
                            IsFolder = member.IsFolder,
                            Size = member.Size ?? 0,
                            Checksums = member.Checksums,
                            ETag = member.ETag,
                        });
                        if (member.IsFolder)
                        {
                            folders.Enqueue((path, (RemoteFolder)await worker.Remote.ListAsync(_share, path, cancellationToken)));
                        }
                    }
                }
            }

            var total = found.Sum(f => f.Size);
            await using (var scope = worker.Scopes.CreateAsyncScope())
            {
                var files = scope.ServiceProvider.GetRequiredService<FileTree>();
                if (user.QuotaBytes is long quota)
                {
                    var free = Math.Max(0, quota - await files.UsedBytesAsync(user.Id, cancellationToken));
                    if (total > free)
                    {
                        throw new TransferFailedException(
                            $"The share holds {total} bytes, but only {free} of your {quota} bytes of quota are free; nothing was copied.");
                    }
                }

                foreach (var folder in found.Where(f => f.IsFolder))
                {
                    var target = Target(destination, folder.Path);
                    var created = await files.CreateFolderAsync(user.Id, target, cancellationToken);
                    if (created.Status == FolderStatus.ParentMissing)
                    {
                        throw new TransferFailedException($"The folder {target.Parent} of your files is gone; the copy cannot be placed.");
                    }
                }
            }

            db.AddRange(found);
            transfer.Listed = true;
            transfer.BytesTotal = total;
            transfer.FilesTotal = found.Count(f => !f.IsFolder);
            await SaveProgressAsync(force: true, cancellationToken);
        }

        private static StoragePath Target(StoragePath destination, string remotePath)
        {
            var target = destination;
            foreach (var segment in remotePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.Append(segment)!.Value;
            }

            return target;
        }

        /// <summary>Fetches one file into its part file (continuing what is there) and commits it into the recipient's tree.</summary>
        private async Task CopyAsync(User user, StoragePath destination, ShareTransferFile file, CancellationToken cancellationToken)
        {
            var part = Path.Combine(worker.StagingRoot, transfer.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), file.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".part");
            Directory.CreateDirectory(Path.GetDirectoryName(part)!);
            var doneBefore = await db.Set<ShareTransferFile>().Where(f => f.TransferId == transfer.Id && f.Done).SumAsync(f => f.Size, cancellationToken);
            var offered = await FetchAsync(file, part, doneBefore, cancellationToken);

            var length = new FileInfo(part).Length;
            if (length != file.Size)
            {
                File.Delete(part);
                throw new TransferRetryException($"{file.Path} arrived with {length} bytes, the sender listed {file.Size}; it is fetched again.");
            }

            var checksum = ContentChecksum.Parse(file.Checksums) ?? ContentChecksum.Parse(offered);
            WriteResult result;
            await using (var scope = worker.Scopes.CreateAsyncScope())
            {
                var files = scope.ServiceProvider.GetRequiredService<FileTree>();
                await using var source = new FileStream(part, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer, FileOptions.SequentialScan | FileOptions.Asynchronous);
                var content = await FileTree.StoreAsync(files.Store, user.Id, source, cancellationToken);
                var write = new FileWrite(
                    user.Id, file.Path.Length == 0 ? destination : Target(destination, file.Path), user.QuotaBytes, worker.WebDav.MaxUploadBytes, file.Size, ExpectedChecksum: checksum);
                result = await files.CommitStoredAsync(write, content, CancellationToken.None);
            }

            switch (result.Status)
            {
                case WriteStatus.Created or WriteStatus.Replaced:
                    break;
                case WriteStatus.ChecksumMismatch:
                    File.Delete(part);
                    throw new TransferFailedException($"{file.Path} does not match the sender's checksum ({checksum!.Algorithm} {checksum.Hex}); it was not kept.");
                case WriteStatus.QuotaExceeded:
                    throw new TransferFailedException($"{file.Path} does not fit in your quota ({user.QuotaBytes} bytes); the copy stopped there.");
                case WriteStatus.TooLarge:
                    throw new TransferFailedException($"{file.Path} is larger than this server's upload limit ({worker.WebDav.MaxUploadBytes} bytes).");
                case WriteStatus.ParentMissing or WriteStatus.IsFolder:
                    throw new TransferFailedException($"The place for {file.Path} in your files ({transfer.Destination}) was removed or replaced meanwhile.");
                default:
                    throw new TransferFailedException($"{file.Path} could not be stored ({result.Status}).");
            }

            File.Delete(part);
            file.Done = true;
            transfer.FilesDone++;
            transfer.FilesVerifiedByChecksum += checksum is null ? 0 : 1;
            transfer.BytesDone = doneBefore + file.Size;
            await SaveProgressAsync(force: true, cancellationToken);
        }

        /// <summary>
        /// Brings the part file up to the file's size: a GET for what is missing (<c>Range: bytes=N-</c>, with
        /// <c>If-Range</c> the listed ETag so a changed file starts over). Returns the checksum the GET offered, if any.
        /// </summary>
        private async Task<string?> FetchAsync(ShareTransferFile file, string part, long doneBefore, CancellationToken cancellationToken)
        {
            long offset = File.Exists(part) ? new FileInfo(part).Length : 0;
            if (offset > file.Size)
            {
                File.Delete(part);
                offset = 0;
            }

            if (offset == file.Size && file.Size > 0)
            {
                return null; // fetched completely before a restart, not yet committed
            }

            await RenewAsync(cancellationToken);
            var url = file.Path.Length == 0 ? "" : StoragePath.TryParse(file.Path, out var p) == PathError.None ? p.ToUrlPath() : throw new TransferFailedException($"'{file.Path}' is not a usable name.");
            using var response = await worker.Remote.SendAsync(
                _share,
                root =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, RemoteShareClient.Combine(root, url));
                    if (offset > 0)
                    {
                        request.Headers.Range = new RangeHeaderValue(offset, null);
                        if (file.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal) && EntityTagHeaderValue.TryParse(etag, out var tag))
                        {
                            request.Headers.IfRange = new RangeConditionHeaderValue(tag);
                        }
                    }

                    return request;
                },
                replayable: true,
                cancellationToken);

            var append = false;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange is { From: { } from } && from == offset:
                    append = true;
                    break;
                case HttpStatusCode.OK:
                    offset = 0;
                    break;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new TransferFailedException($"{_share.SenderHost} refused access to '{_share.Name}' ({(int)response.StatusCode}); the share may have ended.");
                case HttpStatusCode.NotFound:
                    throw new TransferFailedException($"{file.Path} is gone from the share on {_share.SenderHost}.");
                default:
                    throw new TransferRetryException($"{_share.SenderHost} answered the download of {file.Path} with HTTP {(int)response.StatusCode}.");
            }

            var offered = response.Headers.TryGetValues("OC-Checksum", out var sums) ? string.Join(' ', sums) : null;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, CopyBuffer, FileOptions.Asynchronous);
            var buffer = new byte[CopyBuffer];
            var written = offset;
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                // A sender that stops sending without closing the connection is a broken-off transfer, not a wait forever.
                stall.CancelAfter(worker.Remote.Timeout);
                var read = await body.ReadAsync(buffer, stall.Token);
                if (read == 0)
                {
                    break;
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
                if (written > file.Size)
                {
                    break; // longer than listed: checked by the caller
                }

                transfer.BytesDone = doneBefore + written;
                if (worker.Time.GetUtcNow() - _lastSaved >= ProgressEvery)
                {
                    await output.FlushAsync(cancellationToken);
                    await SaveProgressAsync(force: false, cancellationToken);
                }
            }

            await output.FlushAsync(cancellationToken);
            return offered;
        }

        private async Task RenewAsync(CancellationToken cancellationToken)
        {
            if (!await worker.Leases.RenewAsync(db, lease, worker.Lease, cancellationToken))
            {
                throw new LeaseLostException();
            }
        }

        /// <summary>Records progress, under the lease: a node that lost the copy records nothing.</summary>
        public async Task SaveProgressAsync(bool force, CancellationToken cancellationToken)
        {
            var now = worker.Time.GetUtcNow();
            if (!force && now - _lastSaved < ProgressEvery)
            {
                return;
            }

            await RenewAsync(cancellationToken);
            transfer.Updated = now;
            _lastSaved = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        public async Task FinishAsync(ShareTransferState state, string? error)
        {
            transfer.State = state;
            transfer.Error = error;
            transfer.Finished = worker.Time.GetUtcNow();
            await SaveProgressAsync(force: true, CancellationToken.None);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1420, LogLevel.Information, "Copy {TransferId} of a received share done: {Files} files, {Bytes} bytes, verified by {Verification}")]
        public static partial void Done(ILogger logger, long transferId, int files, long bytes, string verification);

        [LoggerMessage(1421, LogLevel.Warning, "Copy {TransferId} of a received share failed: {Reason}")]
        public static partial void Failed(ILogger logger, long transferId, string reason);

        [LoggerMessage(1422, LogLevel.Information, "Copy {TransferId} of a received share is tried again in {Seconds:0.#} s: {Reason}")]
        public static partial void Retrying(ILogger logger, long transferId, double seconds, string reason);

        [LoggerMessage(1423, LogLevel.Warning, "Copy {TransferId}: another node took it over; this node stopped working on it")]
        public static partial void LeaseLost(ILogger logger, long transferId);

        [LoggerMessage(1424, LogLevel.Error, "The copy worker failed; it carries on")]
        public static partial void WorkerError(ILogger logger, Exception exception);
    }
}
