using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Files;
using Ocm.Notifications;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>A reshare as the user who asked for it sees it (<c>GET /api/v1/reshares</c>).</summary>
/// <param name="Id">The reshare's id in this API.</param>
/// <param name="ReceivedShareId">The received share being shared further.</param>
/// <param name="Name">Its name.</param>
/// <param name="Owner">Its owner, whose server makes the share.</param>
/// <param name="ShareWith">The third party.</param>
/// <param name="Permissions">What was asked for: any of <c>read</c>, <c>write</c>, <c>share</c>.</param>
/// <param name="State"><c>requested</c>, <c>created</c>, <c>refused</c> or <c>undone</c>.</param>
/// <param name="Reason">For <c>refused</c>: why, in words (the owner's server's answer).</param>
/// <param name="Created">When it was asked for.</param>
internal sealed record ReshareView(
    long Id,
    long ReceivedShareId,
    string Name,
    string Owner,
    string ShareWith,
    IReadOnlyList<string> Permissions,
    string State,
    string? Reason,
    DateTimeOffset Created);

/// <summary>
/// Sharing further what another server shared with one of our users (OCM §Resharing): never directly (R85) — the
/// owner's server is asked with REQUEST_RESHARE and makes the share itself, so its owner sees it and can revoke it.
/// Asked only when the received share carries the <c>share</c> permission and for no more than it allows; the request
/// goes through the outbox, committed with its record, and the record follows what the owner's server answers.
/// </summary>
internal sealed class Reshares(OcmDb db, ReceivedShares received, Notifier notifier, SharesOptions options, TimeProvider time)
{
    public const string Requested = "requested";
    public const string Created = "created";
    public const string Refused = "refused";
    public const string Undone = "undone";

    /// <summary>
    /// Asks the owner's server to share the received share mounted at <paramref name="path"/> (inside the received
    /// shares' folder) with <paramref name="recipient"/>. The outcome is a <see cref="ShareView"/> marked
    /// <see cref="ShareView.ReshareRequest"/> (its id is the reshare's), or why it cannot be asked.
    /// </summary>
    public async Task<ShareOutcome> RequestAsync(long userId, StoragePath path, OcmAddress recipient, SharePermissions permissions, CancellationToken cancellationToken)
    {
        var inside = path.Value[(options.ReceivedFolder.Length + 1)..];
        var name = inside.Split('/')[0];
        if (path.Value == options.ReceivedFolder || await received.FindMountedAsync(userId, name, cancellationToken) is not { } mounted)
        {
            return ShareOutcome.Refused(404, "Not found", $"There is no file or folder '/{path.Value}'.");
        }

        var share = mounted.Share;
        if (inside != name)
        {
            return ShareOutcome.Refused(403, "Only a whole share can be shared further",
                $"'/{path.Value}' lies inside '{name}', which {share.Owner} shared with you. Its owner's server can only be asked to share the whole of '{name}' (OCM §Resharing).");
        }

        if (!share.Permissions.HasFlag(SharePermissions.Share))
        {
            return ShareOutcome.Refused(403, "Not allowed to share further",
                $"{share.Owner} shared '{name}' with you without the permission to share it further (share). Only its owner can share it with someone else; ask them to, or to give you that permission.");
        }

        if ((permissions & ~share.Permissions) != SharePermissions.None)
        {
            return ShareOutcome.Refused(403, "More than you may give",
                $"You may give only what you have: '{name}' allows you {string.Join(", ", SharePermissionNames.ToNames(share.Permissions))}, not {string.Join(", ", SharePermissionNames.ToNames(permissions & ~share.Permissions))}.");
        }

        var shareWith = recipient.ToString();
        if (string.Equals(shareWith, share.Owner, StringComparison.OrdinalIgnoreCase))
        {
            return ShareOutcome.Refused(400, "Recipient is the owner", $"{shareWith} owns '{name}'.");
        }

        var open = await db.Set<Reshare>().AnyAsync(
            r => r.ReceivedShareId == share.Id && r.ShareWith == shareWith && (r.State == ReshareState.Requested || r.State == ReshareState.Created), cancellationToken);
        if (open)
        {
            return ShareOutcome.Refused(409, "Already shared", $"You already asked {share.Owner}'s server to share '{name}' with {shareWith} (see GET /api/v1/reshares).");
        }

        var user = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        var now = time.GetUtcNow();
        var reshare = new Reshare
        {
            UserId = userId,
            ReceivedShareId = share.Id,
            ShareWith = shareWith,
            Permissions = permissions,
            State = ReshareState.Requested,
            Created = now,
            Updated = now,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Add(reshare);
            await db.SaveChangesAsync(cancellationToken);
            notifier.RequestReshare(share, reshare, user.Name);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return ShareOutcome.Done(new ShareView(
            reshare.Id,
            "/" + path.Value,
            share.Name,
            share.IsFolder == true ? "folder" : share.ResourceType,
            shareWith,
            SharePermissionNames.ToNames(permissions),
            share.Expiration?.ToUnixTimeSeconds(),
            ShareStates.ReshareRequested,
            share.ProviderId,
            null,
            now)
        {
            ReshareRequest = true,
        });
    }

    /// <summary>The user's reshares, oldest first.</summary>
    public async Task<List<ReshareView>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        var rows = await (from r in db.Set<Reshare>().AsNoTracking()
                          join s in db.Set<ReceivedShare>().AsNoTracking() on r.ReceivedShareId equals s.Id into shares
                          from s in shares.DefaultIfEmpty()
                          where r.UserId == userId
                          orderby r.Id
                          select new { Reshare = r, Name = s == null ? null : s.Name, Owner = s == null ? null : s.Owner })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(x => ToView(x.Reshare, x.Name ?? "(no longer shared with you)", x.Owner ?? ""))];
    }

    /// <summary>
    /// Takes a reshare back: the owner's server is told (RESHARE_UNDO) and removes the share it made. One already
    /// refused or undone is shown as it is.
    /// </summary>
    public async Task<(ReshareView? View, ShareProblem? Problem)> UndoAsync(long userId, long id, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == id && r.UserId == userId, cancellationToken);
        if (reshare is null)
        {
            return (null, new ShareProblem(404, "Not found", $"You have no reshare {id}."));
        }

        var share = await db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == reshare.ReceivedShareId, cancellationToken);
        if (reshare.State is ReshareState.Requested or ReshareState.Created)
        {
            reshare.State = ReshareState.Undone;
            reshare.Updated = time.GetUtcNow();
            if (share is not null)
            {
                var user = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
                notifier.ReshareUndo(share, reshare, user.Name);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return (ToView(reshare, share?.Name ?? "(no longer shared with you)", share?.Owner ?? ""), null);
    }

    /// <summary>
    /// Asks the owner's server to change what a reshare in force allows (RESHARE_CHANGE_PERMISSION). Never more than
    /// the received share allows now: the owner's server checks the same and would refuse. The reshare shows the new
    /// permissions once that server granted them (<see cref="ReshareChangeDeliveryListener"/>).
    /// </summary>
    public async Task<(ReshareView? View, ShareProblem? Problem)> ChangePermissionsAsync(
        long userId, long id, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == id && r.UserId == userId, cancellationToken);
        if (reshare is null)
        {
            return (null, new ShareProblem(404, "Not found", $"You have no reshare {id}."));
        }

        var share = await db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == reshare.ReceivedShareId, cancellationToken);
        if (share is null || reshare.State is not ReshareState.Created)
        {
            return (null, new ShareProblem(409, "Not in force",
                $"Reshare {id} is {ToView(reshare, "", "").State}: only a reshare its owner's server made can be changed."));
        }

        if (!SharePermissionNames.TryParseRequested(names, out var permissions, out var error))
        {
            return (null, new ShareProblem(400, "Invalid permissions", error));
        }

        if ((permissions & ~share.Permissions) != SharePermissions.None)
        {
            return (null, new ShareProblem(403, "More than you may give",
                $"You may give only what you have: '{share.Name}' allows you {string.Join(", ", SharePermissionNames.ToNames(share.Permissions))}, not {string.Join(", ", SharePermissionNames.ToNames(permissions & ~share.Permissions))}."));
        }

        if (permissions != reshare.Permissions)
        {
            var user = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
            reshare.Reason = null;
            reshare.Updated = time.GetUtcNow();
            notifier.ReshareChangePermission(share, reshare, permissions, user.Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return (ToView(reshare, share.Name, share.Owner), null);
    }

    private static ReshareView ToView(Reshare reshare, string name, string owner) => new(
        reshare.Id,
        reshare.ReceivedShareId,
        name,
        owner,
        reshare.ShareWith,
        SharePermissionNames.ToNames(reshare.Permissions),
        reshare.State switch
        {
            ReshareState.Requested => Requested,
            ReshareState.Created => Created,
            ReshareState.Refused => Refused,
            _ => Undone,
        },
        reshare.Reason,
        reshare.Created);
}

/// <summary>Follows a REQUEST_RESHARE to its end: <c>created</c> when the owner's server took it, <c>refused: reason</c> when not.</summary>
internal sealed class ReshareDeliveryListener(TimeProvider time) : IOutboxListener
{
    public OutboxMessageKind Kind => OutboxMessageKind.Reshare;

    public async Task OnDeliveredAsync(OcmDb db, OutboxMessage message, byte[] responseBody, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == message.SubjectId, cancellationToken);
        if (reshare is { State: ReshareState.Requested })
        {
            reshare.State = ReshareState.Created;
            reshare.Updated = time.GetUtcNow();
        }
    }

    public async Task OnFailedAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == message.SubjectId, cancellationToken);
        if (reshare is { State: ReshareState.Requested })
        {
            reshare.State = ReshareState.Refused;
            reshare.Reason = message.LastError;
            reshare.Updated = time.GetUtcNow();
        }
    }
}

/// <summary>
/// Follows a RESHARE_CHANGE_PERMISSION to its end: once the owner's server took it, the reshare shows the permissions it
/// asked for; when refused, the reshare keeps what it had and says why.
/// </summary>
internal sealed class ReshareChangeDeliveryListener(TimeProvider time) : IOutboxListener
{
    public OutboxMessageKind Kind => OutboxMessageKind.ReshareChange;

    public async Task OnDeliveredAsync(OcmDb db, OutboxMessage message, byte[] responseBody, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == message.SubjectId, cancellationToken);
        if (reshare is { State: ReshareState.Created } && message.Body is { } body
            && OcmJson.ReadNotification(body).Notification?.AdditionalData?.TryGetValue("permissions", out var asked) == true
            && SharePermissionNames.FromNotification(asked) is { } permissions)
        {
            reshare.Permissions = permissions;
            reshare.Updated = time.GetUtcNow();
        }
    }

    public async Task OnFailedAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken)
    {
        var reshare = await db.Set<Reshare>().SingleOrDefaultAsync(r => r.Id == message.SubjectId, cancellationToken);
        if (reshare is { State: ReshareState.Created })
        {
            reshare.Reason = $"The owner's server did not change the permissions: {message.LastError}";
            reshare.Updated = time.GetUtcNow();
        }
    }
}
