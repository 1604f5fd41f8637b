using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Shares;

namespace Ocm.RemoteShares;

/// <summary>What the recipient sees of a copy of a received share.</summary>
internal sealed record ShareTransferView(
    long Id,
    long ReceivedShareId,
    string ShareName,
    string Destination,
    string State,
    long BytesTotal,
    long BytesDone,
    int FilesTotal,
    int FilesDone,
    string? Verification,
    string? Error,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset Created,
    DateTimeOffset? Finished);

/// <summary>The body of <c>POST /api/v1/received-shares/{id}/copy</c>: where the copy goes (default <c>/{share name}</c>).</summary>
internal sealed record StartTransferRequest(string? Destination);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ShareTransferView))]
[JsonSerializable(typeof(List<ShareTransferView>))]
[JsonSerializable(typeof(StartTransferRequest))]
internal sealed partial class TransfersApiJsonContext : JsonSerializerContext;

/// <summary>
/// Copies of received shares into the recipient's own tree, as the API, the command line and the web interface ask for
/// them: <see cref="StartAsync"/> checks the share and the destination and queues the copy; the
/// <see cref="ShareTransferWorker"/> does it. Any accepted WebDAV share can be copied; a sender marks the ones it meant for
/// copying with <c>accessTypes: ["datatx"]</c> (<see cref="ReceivedShare.OffersDataTransfer"/>), which the web interface
/// shows. A copy is never started by itself: where it goes and whether it fits the quota is the recipient's choice.
/// </summary>
internal sealed class ShareTransfers(OcmDb db, FileTree files, TimeProvider time, ShareTransferSignal signal)
{
    public async Task<(ShareTransferView? View, ShareProblem? Problem)> StartAsync(long userId, long receivedShareId, string? destination, CancellationToken cancellationToken)
    {
        var share = await db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == receivedShareId && s.RecipientUserId == userId, cancellationToken);
        if (share is null)
        {
            return (null, new ShareProblem(404, "No such received share", $"You have no received share {receivedShareId}."));
        }

        var now = time.GetUtcNow();
        if (share.State != ReceivedShareState.Accepted || share.IsExpired(now))
        {
            return (null, new ShareProblem(409, "Share not accepted", $"Share {receivedShareId} is {(share.IsExpired(now) ? "expired" : share.State.ToString().ToLowerInvariant())}; only an accepted share can be copied."));
        }

        var error = StoragePath.TryParse(destination ?? "/" + share.Name, out var path);
        if (error != PathError.None || path.IsRoot)
        {
            return (null, new ShareProblem(400, "Invalid destination", $"'{destination}' is not a path in your files where a copy could go."));
        }

        var found = await files.FindManyAsync(userId, [path, path.Parent], cancellationToken);
        if (found.ContainsKey(path))
        {
            return (null, new ShareProblem(409, "Destination exists", $"{path} already exists in your files; choose another destination."));
        }

        if (!found.TryGetValue(path.Parent, out var parent) || !parent.IsFolder)
        {
            if (!path.Parent.IsRoot)
            {
                return (null, new ShareProblem(409, "No such folder", $"{path.Parent} is not a folder in your files."));
            }
        }

        var running = await db.Set<ShareTransfer>().AnyAsync(
            t => t.UserId == userId && t.State == ShareTransferState.Queued && t.Destination == path.ToString(), cancellationToken);
        if (running)
        {
            return (null, new ShareProblem(409, "Copy already queued", $"A copy to {path} is already under way."));
        }

        var transfer = new ShareTransfer
        {
            UserId = userId,
            ReceivedShareId = share.Id,
            ShareName = share.Name,
            Destination = path.ToString(),
            State = ShareTransferState.Queued,
            NextAttemptAt = now,
            Created = now,
            Updated = now,
        };
        db.Add(transfer);
        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return (View(transfer), null);
    }

    public async Task<List<ShareTransferView>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        var transfers = await db.Set<ShareTransfer>().AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(cancellationToken);
        return transfers.Select(View).ToList();
    }

    public async Task<ShareTransferView?> GetAsync(long userId, long id, CancellationToken cancellationToken) =>
        await db.Set<ShareTransfer>().AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.UserId == userId, cancellationToken) is { } transfer
            ? View(transfer)
            : null;

    /// <summary>How the copied files were checked, in words: by the sender's checksums, or (where it offered none) by size only.</summary>
    public static string? Verification(ShareTransfer transfer) => transfer.FilesDone == 0 ? null
        : transfer.FilesVerifiedByChecksum == transfer.FilesDone ? "checksum"
        : transfer.FilesVerifiedByChecksum == 0 ? "size only (the sender offered no checksums)"
        : $"checksum for {transfer.FilesVerifiedByChecksum} files, size only for {transfer.FilesDone - transfer.FilesVerifiedByChecksum} (no checksum offered)";

    public static ShareTransferView View(ShareTransfer t) => new(
        t.Id,
        t.ReceivedShareId,
        t.ShareName,
        t.Destination,
        t.State.ToString().ToLowerInvariant(),
        t.BytesTotal,
        t.BytesDone,
        t.FilesTotal,
        t.FilesDone,
        Verification(t),
        t.Error,
        t.State == ShareTransferState.Queued ? t.NextAttemptAt : null,
        t.Created,
        t.Finished);
}

/// <summary>Wakes the <see cref="ShareTransferWorker"/> when a copy is queued on this node, instead of waiting for its next poll.</summary>
internal sealed class ShareTransferSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}
