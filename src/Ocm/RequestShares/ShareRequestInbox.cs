using Microsoft.EntityFrameworkCore;
using Ocm.Contacts;
using Ocm.Data;
using Ocm.Shares;

namespace Ocm.RequestShares;

/// <summary>The outcome of an inbox operation: the request as it is now, or why nothing happened.</summary>
internal sealed record ShareRequestOutcome(ShareRequestView? Request, ShareRequestProblem? Problem)
{
    public static ShareRequestOutcome Refused(int status, string title, string detail) => new(null, new ShareRequestProblem(status, title, detail));
}

/// <summary>
/// The owner's side of OCM 1.4 §Request for a Share: the requests other servers' users sent (stored by
/// <see cref="RequestShareEndpoints"/>), listed, dismissed, or accepted. Accepting makes a share to the requester through
/// <see cref="OutgoingShares.CreateAsync"/> — the rules of any share: the file must exist in the owner's tree, the owner
/// chooses the permissions, the trust policy applies — and links the request to it. One set of rules for the API, the
/// command line and the web interface.
/// </summary>
internal sealed class ShareRequestInbox(OcmDb db, OutgoingShares shares, TimeProvider time)
{
    /// <summary>The owner's requests, newest first: open ones only, or all with <paramref name="all"/>.</summary>
    public async Task<List<ShareRequestView>> ListAsync(long ownerUserId, bool all, CancellationToken cancellationToken)
    {
        var query = db.Set<ShareRequest>().AsNoTracking().Where(r => r.OwnerUserId == ownerUserId);
        if (!all)
        {
            query = query.Where(r => r.State == ShareRequestState.Open);
        }

        var requests = await query.OrderByDescending(r => r.Received).Take(1000).ToListAsync(cancellationToken);
        var contacts = (await db.Set<Contact>().AsNoTracking().Where(c => c.UserId == ownerUserId).Select(c => c.Address).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        return requests.Select(r => ToView(r, contacts.Contains(r.Requester))).ToList();
    }

    public async Task<ShareRequestOutcome> DismissAsync(long ownerUserId, long id, CancellationToken cancellationToken)
    {
        var (entry, problem) = await FindOpenAsync(ownerUserId, id, cancellationToken);
        if (entry is null)
        {
            return problem!;
        }

        entry.State = ShareRequestState.Dismissed;
        entry.Closed = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return new ShareRequestOutcome(ToView(entry, await IsContactAsync(entry, cancellationToken)), null);
    }

    /// <summary>Shares what was asked for (or <see cref="AcceptShareRequestBody.Path"/>) with the requester, and marks the request fulfilled.</summary>
    public async Task<ShareRequestOutcome> AcceptAsync(long ownerUserId, long id, AcceptShareRequestBody body, CancellationToken cancellationToken)
    {
        var (entry, problem) = await FindOpenAsync(ownerUserId, id, cancellationToken);
        if (entry is null)
        {
            return problem!;
        }

        var path = string.IsNullOrWhiteSpace(body.Path) ? entry.Resource : body.Path;
        var created = await shares.CreateAsync(
            ownerUserId,
            new CreateShareRequest { Path = path, ShareWith = entry.Requester, Permissions = body.Permissions, Expiration = body.Expiration },
            cancellationToken);
        if (created.Share is not { } share)
        {
            var refused = created.Problem!;
            var hint = string.IsNullOrWhiteSpace(body.Path) && refused.Status is 400 or 404
                ? $" The request names '{entry.Resource}'; give the path of the file or folder you want to share instead."
                : "";
            return ShareRequestOutcome.Refused(refused.Status, refused.Title, refused.Detail + hint);
        }

        entry.State = ShareRequestState.Fulfilled;
        entry.Closed = time.GetUtcNow();
        entry.ShareId = share.Id;
        await db.SaveChangesAsync(cancellationToken);
        return new ShareRequestOutcome(ToView(entry, await IsContactAsync(entry, cancellationToken)), null);
    }

    private async Task<(ShareRequest? Entry, ShareRequestOutcome? Problem)> FindOpenAsync(long ownerUserId, long id, CancellationToken cancellationToken)
    {
        var entry = await db.Set<ShareRequest>().FirstOrDefaultAsync(r => r.Id == id && r.OwnerUserId == ownerUserId, cancellationToken);
        if (entry is null)
        {
            return (null, ShareRequestOutcome.Refused(404, "No such share request", $"You have no share request with id {id}."));
        }

        if (entry.State != ShareRequestState.Open)
        {
            var what = entry.State == ShareRequestState.Fulfilled
                ? $"was already fulfilled (share {entry.ShareId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "since revoked"})"
                : "was already dismissed";
            return (null, ShareRequestOutcome.Refused(409, "Share request closed", $"Share request {id} {what} on {entry.Closed:u}."));
        }

        return (entry, null);
    }

    private Task<bool> IsContactAsync(ShareRequest entry, CancellationToken cancellationToken) =>
        db.Set<Contact>().AnyAsync(c => c.UserId == entry.OwnerUserId && c.Address == entry.Requester, cancellationToken);

    private static ShareRequestView ToView(ShareRequest r, bool fromContact) => new(
        r.Id,
        r.Requester,
        r.Resource,
        r.RequesterProvider,
        r.SignerHost is not null,
        fromContact,
        r.Received,
        r.Count,
        r.State.ToString().ToLowerInvariant(),
        r.Closed,
        r.ShareId);
}
