using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;
using Ocm.Signatures;
using Ocm.Trust;

namespace Ocm.Shares;

/// <summary>Why a share was not made, as the owner is told it.</summary>
/// <param name="Status">The HTTP status the API answers with.</param>
/// <param name="Title">A short title (RFC 9457 <c>title</c>).</param>
/// <param name="Detail">The reason in words (RFC 9457 <c>detail</c>).</param>
/// <param name="Existing">For 409: the share that already gives this recipient this file or folder.</param>
internal sealed record ShareProblem(int Status, string Title, string Detail, ShareView? Existing = null);

/// <summary>The outcome of <see cref="OutgoingShares.CreateAsync"/>: the new share, or why there is none.</summary>
internal sealed record ShareCreation(ShareView? Share, ShareProblem? Problem)
{
    public static ShareCreation Created(ShareView share) => new(share, null);

    public static ShareCreation Refused(int status, string title, string detail, ShareView? existing = null) =>
        new(null, new ShareProblem(status, title, detail, existing));
}

/// <summary>Where a share's delivery stands while it waits: the last failure in words, and when it is tried again.</summary>
internal sealed record ShareDelivery(string? LastError, DateTimeOffset NextAttemptAt);

/// <summary>
/// The owner's side of sharing, one set of rules for the user API, the web interface and the command line (which
/// goes through the API). Creating a share discovers the recipient's server first (ocm-protocol.md §4.1), so that what
/// cannot arrive is refused at once with the reason: a server that does not exist, is no OCM server, is refused by our
/// trust or outbound policy, or cannot receive this kind of share. A server that is only down right now does not stop
/// the share: it waits in the outbox, and the owner sees why and when it is tried next.
/// </summary>
internal sealed class OutgoingShares(
    OcmDb db,
    FileTree files,
    PeerClient peers,
    TrustPolicy trust,
    SecurityOptions security,
    SecretProtector secrets,
    Outbox outbox,
    OcmServerInfo server,
    TimeProvider time)
{
    public async Task<ShareCreation> CreateAsync(long ownerUserId, CreateShareRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (StoragePath.TryParse(request.Path, out var path) != PathError.None || path.IsRoot)
        {
            return ShareCreation.Refused(400, "Invalid path", string.IsNullOrWhiteSpace(request.Path) ? "'path' is required." : $"'{request.Path}' is not a path of a file or folder you can share.");
        }

        // The one normaliser of OCM addresses (host case, scheme, default port, spaces); what it changed is shown back.
        if (!OcmAddress.TryParse(request.ShareWith, out var recipient, out var addressError))
        {
            return ShareCreation.Refused(400, "Invalid recipient", $"'shareWith' must be an OCM address like bob@cloud.example.org: {addressError}.");
        }

        if (recipient.IsAt(server.Authority))
        {
            return ShareCreation.Refused(400, "Recipient on this server", $"{recipient} is a user of this server; federated shares go to other servers.");
        }

        if (!ShareEndpoints.TryParsePermissions(request.Permissions, out var permissions, out var permissionError))
        {
            return ShareCreation.Refused(400, "Invalid permissions", permissionError);
        }

        DateTimeOffset? expiresAt = null;
        if (request.Expiration is { } expiration)
        {
            if (!UnixTime.TryToDateTimeOffset(expiration, out var at) || at <= now)
            {
                return ShareCreation.Refused(400, "Invalid expiration", "'expiration' must be in the future and before the year 10000 (seconds since the Unix epoch).");
            }

            expiresAt = at;
        }

        var node = await files.FindAsync(ownerUserId, path, cancellationToken);
        if (node is null)
        {
            return ShareCreation.Refused(404, "Not found", $"There is no file or folder '{path}'.");
        }

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
            return ShareCreation.Refused(409, "Already shared",
                $"'{view.Path}' is already shared with {shareWith} (share {existing.Id}, {view.State}). Change that share's permissions or expiry instead (PATCH /api/v1/shares/{existing.Id}), or revoke it first.",
                view);
        }

        var trusted = trust.EvaluatePeer(recipient.Authority);
        if (!trusted.Allowed)
        {
            return ShareCreation.Refused(403, "Server not allowed", trusted.Reason!);
        }

        SharePayload.Plan? plan = null;
        string? unreachable = null;
        try
        {
            var peer = await peers.DiscoverAsync(recipient.Authority, cancellationToken);
            plan = SharePayload.Decide(peer, node.IsFolder, security);
            if (plan.Value.Refusal is { } refusal)
            {
                return ShareCreation.Refused(422, "Recipient's server cannot receive this", refusal + ".");
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
            State = OutgoingShareState.PendingDelivery,
            Dialect = plan?.Dialect ?? ShareDialect.RevaCompatible,
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
        var typed = request.ShareWith!;
        return ShareCreation.Created(ShareEndpoints.ToView(share, "/" + path.Value, delivery) with
        {
            NormalizedFrom = typed == shareWith ? null : typed,
        });
    }

    public async Task<List<ShareView>> ListAsync(long ownerUserId, CancellationToken cancellationToken)
    {
        var shares = await db.Set<OutgoingShare>().AsNoTracking().Where(s => s.OwnerUserId == ownerUserId).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return await ViewsAsync(shares, cancellationToken);
    }

    public async Task<ShareView?> GetAsync(long ownerUserId, long id, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == ownerUserId, cancellationToken);
        return share is null ? null : (await ViewsAsync([share], cancellationToken))[0];
    }

    /// <summary>For shares still waiting to be delivered: the last failure and the next attempt, by share id.</summary>
    public async Task<Dictionary<long, ShareDelivery>> PendingDeliveriesAsync(IReadOnlyCollection<long> shareIds, CancellationToken cancellationToken)
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
            views.Add(ShareEndpoints.ToView(share, node is null ? null : "/" + node.Path, pending.GetValueOrDefault(share.Id)));
        }

        return views;
    }

    /// <summary>A recipient's server that will not take the share whatever we wait for: refused now, with the reason.</summary>
    private static ShareCreation Refusal(OcmDiscoveryException ex)
    {
        var reason = char.ToUpperInvariant(ex.Summary[0]) + ex.Summary[1..];
        return ex.Failure switch
        {
            DiscoveryFailure.Blocked => ShareCreation.Refused(403, "Server not allowed", reason),
            DiscoveryFailure.UnknownHost => ShareCreation.Refused(422, "Recipient's server does not exist", reason + " Check the part of the address after '@'."),
            DiscoveryFailure.Certificate or DiscoveryFailure.PlainHttpOnTlsPort or DiscoveryFailure.TlsOnPlainHttpPort =>
                ShareCreation.Refused(422, "Recipient's server cannot be reached securely", reason),
            _ => ShareCreation.Refused(422, "Recipient's server does not speak OCM", reason + " Check the part of the address after '@'."),
        };
    }
}
