using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;
using Ocm.Signatures;
using Ocm.Tokens;
using Ocm.Trust;

namespace Ocm.Shares;

/// <summary>Why a share operation was refused, as the user is told it.</summary>
/// <param name="Status">The HTTP status the API answers with.</param>
/// <param name="Title">A short title (RFC 9457 <c>title</c>).</param>
/// <param name="Detail">The reason in words (RFC 9457 <c>detail</c>).</param>
/// <param name="Existing">For a 409 on creation: the share that already gives this recipient this file or folder.</param>
internal sealed record ShareProblem(int Status, string Title, string Detail, ShareView? Existing = null);

/// <summary>
/// The outcome of an operation of <see cref="OutgoingShares"/>: the share as it is now (for a revoked one, as it was),
/// or why nothing happened.
/// </summary>
internal sealed record ShareOutcome(ShareView? Share, ShareProblem? Problem)
{
    public static ShareOutcome Done(ShareView share) => new(share, null);

    public static ShareOutcome Refused(int status, string title, string detail, ShareView? existing = null) =>
        new(null, new ShareProblem(status, title, detail, existing));

    public static ShareOutcome NotFound(long id) => Refused(StatusCodes.Status404NotFound, "Not found", $"You have no share {id}.");
}

/// <summary>What the recipient's server said of a share we sent (OCM §Share Acceptance Notification: SHARE_ACCEPTED / SHARE_DECLINED).</summary>
internal enum RecipientAnswer
{
    /// <summary>SHARE_ACCEPTED.</summary>
    Accepted,

    /// <summary>SHARE_DECLINED.</summary>
    Declined,

    /// <summary>SHARE_UNSHARED from the receiving side: the recipient left the share.</summary>
    Left,
}

/// <summary>Where a share's delivery stands while it waits: the last failure in words, and when it is tried again.</summary>
internal sealed record ShareDelivery(string? LastError, DateTimeOffset NextAttemptAt);

/// <summary>
/// The owner's side of sharing: create, list, change, revoke, and what the recipient's server answers. One set of rules
/// for the user API, the web interface, the command line (which goes through the API) and the notification handler;
/// each returns a small result the caller turns into HTTP, a page or a message. Creating a share discovers the
/// recipient's server first (OCM §Share Creation Notification: MUST query discovery first), so that what cannot arrive
/// is refused at once with the reason: a server that does not exist, is no OCM server, is refused by our trust or
/// outbound policy, or cannot receive this kind of share. A server that is only down right now does not stop the
/// share: it waits in the outbox, and the owner sees why and when it is tried next.
/// </summary>
internal sealed class OutgoingShares(
    OcmDb db,
    FileTree files,
    PeerClient peers,
    TrustPolicy trust,
    SecurityOptions security,
    SecretProtector secrets,
    Outbox outbox,
    Notifier notifier,
    Reshares reshares,
    OcmServerInfo server,
    SharesOptions options,
    TimeProvider time)
{
    public async Task<ShareOutcome> CreateAsync(long ownerUserId, CreateShareRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (StoragePath.TryParse(request.Path, out var path) != PathError.None || path.IsRoot)
        {
            return ShareOutcome.Refused(400, "Invalid path", string.IsNullOrWhiteSpace(request.Path) ? "'path' is required." : $"'{request.Path}' is not a path of a file or folder you can share.");
        }

        // The one normaliser of OCM addresses (host case, scheme, default port, spaces); what it changed is shown back.
        if (!OcmAddress.TryParse(request.ShareWith, out var recipient, out var addressError))
        {
            return ShareOutcome.Refused(400, "Invalid recipient", $"'shareWith' must be an OCM address like bob@cloud.example.org: {addressError}.");
        }

        if (recipient.IsAt(server.Authority))
        {
            return ShareOutcome.Refused(400, "Recipient on this server", $"{recipient} is a user of this server; federated shares go to other servers.");
        }

        if (!SharePermissionNames.TryParseRequested(request.Permissions, out var permissions, out var permissionError))
        {
            return ShareOutcome.Refused(400, "Invalid permissions", permissionError);
        }

        DateTimeOffset? expiresAt = null;
        if (request.Expiration is { } expiration)
        {
            if (!UnixTime.TryToDateTimeOffset(expiration, out var at) || at <= now)
            {
                return ShareOutcome.Refused(400, "Invalid expiration", "'expiration' must be in the future and before the year 10000 (seconds since the Unix epoch).");
            }

            expiresAt = at;
        }

        var node = await files.FindAsync(ownerUserId, path, cancellationToken);
        if (node is null && IsReceived(path))
        {
            // OCM §Resharing (R85): what another server shared with this user is not ours to share further; only the
            // owner's server can give a third party access, so it is asked to (REQUEST_RESHARE) when the share allows it.
            return await reshares.RequestAsync(ownerUserId, path, recipient, permissions, cancellationToken);
        }

        if (node is null)
        {
            return ShareOutcome.Refused(404, "Not found", $"There is no file or folder '{path}'.");
        }

        var mustUseMfa = request.MustUseMfa == true || options.RequireMfa;
        var outcome = await ShareNodeAsync(ownerUserId, node, recipient, permissions, expiresAt, mustUseMfa, parent: null, cancellationToken);
        var typed = request.ShareWith!;
        return outcome.Share is { } created && typed != created.ShareWith ? ShareOutcome.Done(created with { NormalizedFrom = typed }) : outcome;
    }

    /// <summary>
    /// The owner's server's side of a reshare (OCM §Resharing): <paramref name="parent"/>'s recipient, whose server
    /// asked with REQUEST_RESHARE, shares the same file or folder with <paramref name="recipient"/>. The share is the
    /// owner's (listed, changed and revoked by them, "reshared by" the requester), names the requester as its
    /// <c>sender</c>, and never outlives or outgrows <paramref name="parent"/>: its expiry, and no more than its permissions
    /// (the caller checks them and the <c>share</c> permission).
    /// </summary>
    public async Task<ShareOutcome> CreateReshareAsync(OutgoingShare parent, OcmAddress recipient, SharePermissions permissions, CancellationToken cancellationToken)
    {
        var node = await files.FindByIdAsync(parent.OwnerUserId, parent.FileId, cancellationToken);
        if (node is null)
        {
            return ShareOutcome.Refused(404, "Not found", "The shared file or folder no longer exists.");
        }

        if (recipient.IsAt(server.Authority))
        {
            return ShareOutcome.Refused(400, "Recipient on this server", $"{recipient} is a user of the owner's server; reshares go to other servers.");
        }

        return await ShareNodeAsync(parent.OwnerUserId, node, recipient, permissions, parent.Expiration, parent.MustUseMfa || options.RequireMfa, parent, cancellationToken);
    }

    private async Task<ShareOutcome> ShareNodeAsync(
        long ownerUserId, FileNode node, OcmAddress recipient, SharePermissions permissions, DateTimeOffset? expiresAt, bool mustUseMfa, OutgoingShare? parent,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();

        // Sharing again what the recipient already has (or is about to get) would give them two of it. A failed or
        // declined share gives nothing: sharing again is then the way to try once more.
        var shareWith = recipient.ToString();
        var existing = await db.Set<OutgoingShare>().AsNoTracking()
            .Where(s => s.OwnerUserId == ownerUserId && s.FileId == node.Id && s.ShareWith == shareWith
                && (s.State == OutgoingShareState.PendingDelivery || s.State == OutgoingShareState.Delivered || s.State == OutgoingShareState.Accepted))
            .OrderBy(s => s.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            var view = (await ViewsAsync([existing], cancellationToken))[0];
            return ShareOutcome.Refused(409, "Already shared",
                $"'{view.Path}' is already shared with {shareWith} (share {existing.Id}, {view.State}). Change that share's permissions or expiry instead (PATCH /api/v1/shares/{existing.Id}), or revoke it first.",
                view);
        }

        var trusted = trust.EvaluatePeer(recipient.Authority);
        if (!trusted.Allowed)
        {
            return ShareOutcome.Refused(403, "Server not allowed", trusted.Reason!);
        }

        SharePayload.Plan? plan = null;
        string? unreachable = null;
        try
        {
            var peer = await peers.DiscoverAsync(recipient.Authority, cancellationToken);
            plan = SharePayload.Decide(peer, node.IsFolder, security, mustUseMfa, Ui.ViewableFiles.KindOf(node.Name, null) != Ui.ViewKind.None);
            if (plan.Value.Refusal is { } refusal)
            {
                return ShareOutcome.Refused(422, "Recipient's server cannot receive this", refusal + ".");
            }
        }
        catch (OcmDiscoveryException ex) when (ex.IsTransient)
        {
            // Down or overloaded right now: the share waits in the outbox, phrased for the peer once it answers.
            unreachable = ex.Summary;
        }
        catch (OcmDiscoveryException ex)
        {
            return Refusal(ex);
        }

        var providerId = Guid.NewGuid().ToString("N");
        var share = new OutgoingShare
        {
            OwnerUserId = ownerUserId,
            FileId = node.Id,
            Name = node.Name,
            ResourceType = plan?.ResourceType ?? (node.IsFolder ? ResourceTypes.Folder : ResourceTypes.File),
            ShareWith = shareWith,
            RecipientHost = recipient.Authority,
            ProviderId = providerId,
            SecretHash = ShareSecrets.Hash(secrets.DeriveShareSecret(providerId)),
            Permissions = permissions,
            Expiration = expiresAt,
            MustExchangeToken = plan?.MustExchangeToken ?? security.RequireTokenExchange,
            MustUseMfa = mustUseMfa,
            State = OutgoingShareState.PendingDelivery,
            Dialect = plan?.Dialect ?? ShareDialect.RevaCompatible,
            ResharedBy = parent?.ShareWith,
            ReshareParentId = parent?.Id,
            Created = now,
            Updated = now,
        };

        // The share and its delivery commit together: a crash in between loses nothing (the outbox retries).
        OutboxMessage message;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Add(share);
            await db.SaveChangesAsync(cancellationToken);

            // The body is phrased at delivery time for the peer as it is then (ShareDeliveryListener.BuildBodyAsync).
            message = outbox.EnqueueComposedAtDelivery(recipient.Authority, ShareDeliveryListener.Kind, share.Id, unreachable);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var delivery = unreachable is null ? null : new ShareDelivery(message.LastError, message.NextAttemptAt);
        return ShareOutcome.Done(ToView(share, "/" + node.Path, delivery));
    }

    /// <summary>Whether <paramref name="path"/> lies in the folder of received shares (<c>Ocm:Shares:ReceivedFolder</c>).</summary>
    private bool IsReceived(StoragePath path) =>
        path.Value == options.ReceivedFolder || path.Value.StartsWith(options.ReceivedFolder + "/", StringComparison.Ordinal);

    /// <summary>The owner's shares, oldest first; with <paramref name="fileId"/>, only those of that file or folder.</summary>
    public async Task<List<ShareView>> ListAsync(long ownerUserId, long? fileId, CancellationToken cancellationToken)
    {
        var query = db.Set<OutgoingShare>().AsNoTracking().Where(s => s.OwnerUserId == ownerUserId);
        if (fileId is { } id)
        {
            query = query.Where(s => s.FileId == id);
        }

        return await ViewsAsync(await query.OrderBy(s => s.Id).ToListAsync(cancellationToken), cancellationToken);
    }

    public async Task<ShareView?> GetAsync(long ownerUserId, long id, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == ownerUserId, cancellationToken);
        return share is null ? null : (await ViewsAsync([share], cancellationToken))[0];
    }

    /// <summary>How many shares each of <paramref name="fileIds"/> has (the owner's files and folders); those with none are left out.</summary>
    public async Task<Dictionary<long, int>> CountByFileAsync(long ownerUserId, IReadOnlyCollection<long> fileIds, CancellationToken cancellationToken)
    {
        if (fileIds.Count == 0)
        {
            return [];
        }

        var ids = fileIds.ToArray();
        var shared = await db.Set<OutgoingShare>().AsNoTracking()
            .Where(s => s.OwnerUserId == ownerUserId && ids.Contains(s.FileId))
            .Select(s => s.FileId)
            .ToListAsync(cancellationToken);
        return shared.CountBy(id => id).ToDictionary();
    }

    /// <summary>The addresses the owner has shared with, for suggestions (at most <paramref name="limit"/>, in order).</summary>
    public Task<List<string>> RecipientsAsync(long ownerUserId, int limit, CancellationToken cancellationToken) =>
        db.Set<OutgoingShare>().AsNoTracking()
            .Where(s => s.OwnerUserId == ownerUserId)
            .Select(s => s.ShareWith)
            .Distinct()
            .OrderBy(s => s)
            .Take(limit)
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Changes permissions or expiry: only what <paramref name="request"/> gives changes, <c>expiration: 0</c> removes
    /// the expiry. Access follows at once (every WebDAV request re-reads the share); the recipient's server is told
    /// through the outbox, committed with the change (RESHARE_CHANGE_PERMISSION or SHARE_CHANGE_PERMISSION, D12).
    /// </summary>
    public async Task<ShareOutcome> UpdateAsync(long ownerUserId, long id, UpdateShareRequest request, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == ownerUserId, cancellationToken);
        if (share is null)
        {
            return ShareOutcome.NotFound(id);
        }

        if (request.Permissions is not null)
        {
            if (!SharePermissionNames.TryParseRequested(request.Permissions, out var permissions, out var error))
            {
                return ShareOutcome.Refused(400, "Invalid permissions", error);
            }

            share.Permissions = permissions;
        }

        var now = time.GetUtcNow();
        if (request.Expiration is { } expiration)
        {
            DateTimeOffset at = default;
            if (expiration != 0 && (!UnixTime.TryToDateTimeOffset(expiration, out at) || at <= now))
            {
                return ShareOutcome.Refused(400, "Invalid expiration", "'expiration' must be in the future and before the year 10000, or 0 to remove the expiry.");
            }

            share.Expiration = expiration == 0 ? null : at;
        }

        share.Updated = now;
        notifier.PermissionsChanged(share);

        // What the recipient reshared (OCM §Resharing) never gives more than this share now does.
        var reshared = await db.Set<OutgoingShare>().Where(s => s.ReshareParentId == share.Id).ToListAsync(cancellationToken);
        foreach (var reshare in reshared.Where(r => (r.Permissions & ~share.Permissions) != SharePermissions.None))
        {
            reshare.Permissions &= share.Permissions;
            reshare.Updated = now;
            notifier.PermissionsChanged(reshare);
        }

        await db.SaveChangesAsync(cancellationToken);
        return ShareOutcome.Done((await ViewsAsync([share], cancellationToken))[0]);
    }

    /// <summary>
    /// Revokes a share: access ends with this commit (its exchanged tokens go with it), and the recipient's server is
    /// told through the outbox (SHARE_UNSHARED) unless the share never reached it. The outcome shows it as it was.
    /// </summary>
    public async Task<ShareOutcome> RevokeAsync(long ownerUserId, long id, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == ownerUserId, cancellationToken);
        if (share is null)
        {
            return ShareOutcome.NotFound(id);
        }

        var view = (await ViewsAsync([share], cancellationToken))[0];

        // What the recipient reshared (OCM §Resharing) rested on this share's grant: it ends with it.
        var reshared = await db.Set<OutgoingShare>().Where(s => s.ReshareParentId == share.Id).ToListAsync(cancellationToken);
        foreach (var ended in reshared.Prepend(share))
        {
            db.Remove(ended);
            await db.Set<ShareAccessToken>().Where(t => t.ShareId == ended.Id).ExecuteDeleteAsync(cancellationToken);
            if (ended.State != OutgoingShareState.Failed)
            {
                notifier.ShareUnshared(ended);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return ShareOutcome.Done(view);
    }

    /// <summary>
    /// The resharer's server takes a reshare back (RESHARE_UNDO): the owner's share to <paramref name="shareWith"/> made
    /// from <paramref name="parent"/> is revoked as if its owner had. False when there is none (already gone).
    /// </summary>
    public async Task<bool> UndoReshareAsync(OutgoingShare parent, string shareWith, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<OutgoingShare>().AsNoTracking()
            .Where(s => s.ReshareParentId == parent.Id && s.ShareWith == shareWith)
            .OrderBy(s => s.Id)
            .FirstOrDefaultAsync(cancellationToken);
        return reshare is not null && (await RevokeAsync(reshare.OwnerUserId, reshare.Id, cancellationToken)).Share is not null;
    }

    /// <summary>
    /// Records what the recipient's server said of <paramref name="share"/> (its caller already proved to be that
    /// server). A recipient who leaves shows as declined, with the reason.
    /// </summary>
    public async Task RecipientAnsweredAsync(OutgoingShare share, RecipientAnswer answer, CancellationToken cancellationToken)
    {
        share.State = answer == RecipientAnswer.Accepted ? OutgoingShareState.Accepted : OutgoingShareState.Declined;
        share.StateReason = answer == RecipientAnswer.Left ? "the recipient removed the share" : null;
        share.Updated = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>For shares still waiting to be delivered: the last failure and the next attempt, by share id.</summary>
    private async Task<Dictionary<long, ShareDelivery>> PendingDeliveriesAsync(IReadOnlyCollection<long> shareIds, CancellationToken cancellationToken)
    {
        if (shareIds.Count == 0)
        {
            return [];
        }

        var ids = shareIds.Cast<long?>().ToList();
        var messages = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.Kind == ShareDeliveryListener.Kind && m.State == OutboxState.Pending && ids.Contains(m.SubjectId))
            .Select(m => new { m.SubjectId, m.LastError, m.NextAttemptAt })
            .ToListAsync(cancellationToken);
        return messages
            .GroupBy(m => m.SubjectId!.Value)
            .ToDictionary(g => g.Key, g => new ShareDelivery(g.First().LastError, g.First().NextAttemptAt));
    }

    private async Task<List<ShareView>> ViewsAsync(IReadOnlyList<OutgoingShare> shares, CancellationToken cancellationToken)
    {
        var pending = await PendingDeliveriesAsync(shares.Where(s => s.State == OutgoingShareState.PendingDelivery).Select(s => s.Id).ToList(), cancellationToken);
        var views = new List<ShareView>(shares.Count);
        foreach (var share in shares)
        {
            var node = await files.FindByIdAsync(share.OwnerUserId, share.FileId, cancellationToken);
            views.Add(ToView(share, node is null ? null : "/" + node.Path, pending.GetValueOrDefault(share.Id)));
        }

        return views;
    }

    /// <summary>A share as its owner sees it; the delivery note only while it waits to be delivered.</summary>
    private static ShareView ToView(OutgoingShare share, string? path, ShareDelivery? delivery = null) => new(
        share.Id,
        path is null ? null : path.StartsWith('/') ? path : "/" + path,
        share.Name,
        share.ResourceType,
        share.ShareWith,
        SharePermissionNames.ToNames(share.Permissions),
        share.Expiration?.ToUnixTimeSeconds(),
        StateText(share),
        share.ProviderId,
        share.RecipientDisplayName,
        share.Created,
        share.State == OutgoingShareState.PendingDelivery ? delivery?.LastError : null,
        share.State == OutgoingShareState.PendingDelivery ? delivery?.NextAttemptAt : null)
    {
        MustUseMfa = share.MustUseMfa,
        ResharedBy = share.ResharedBy,
    };

    private static string StateText(OutgoingShare share) => share.State switch
    {
        OutgoingShareState.PendingDelivery => ShareStates.PendingDelivery,
        OutgoingShareState.Delivered => ShareStates.Delivered,
        OutgoingShareState.Accepted => ShareStates.Accepted,
        OutgoingShareState.Declined => ShareStates.Declined,
        _ => ShareStates.FailedPrefix + (share.StateReason ?? "unknown reason"),
    };

    /// <summary>A recipient's server that will not take the share whatever we wait for: refused now, with the reason.</summary>
    private static ShareOutcome Refusal(OcmDiscoveryException ex)
    {
        var reason = char.ToUpperInvariant(ex.Summary[0]) + ex.Summary[1..];
        return ex.Failure switch
        {
            DiscoveryFailure.Blocked => ShareOutcome.Refused(403, "Server not allowed", reason),
            DiscoveryFailure.UnknownHost => ShareOutcome.Refused(422, "Recipient's server does not exist", reason + " Check the part of the address after '@'."),
            DiscoveryFailure.Certificate or DiscoveryFailure.PlainHttpOnTlsPort or DiscoveryFailure.TlsOnPlainHttpPort =>
                ShareOutcome.Refused(422, "Recipient's server cannot be reached securely", reason),
            _ => ShareOutcome.Refused(422, "Recipient's server does not speak OCM", reason + " Check the part of the address after '@'."),
        };
    }
}
