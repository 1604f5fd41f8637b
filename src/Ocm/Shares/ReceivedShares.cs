using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Notifications;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>The outcome of an operation of <see cref="ReceivedShares"/>: the share as it is now (for a left one, as it was), or why nothing happened.</summary>
internal sealed record ReceivedShareOutcome(ReceivedShareView? Share, ShareProblem? Problem)
{
    public static ReceivedShareOutcome Done(ReceivedShareView share) => new(share, null);

    public static ReceivedShareOutcome Refused(int status, string title, string detail) => new(null, new ShareProblem(status, title, detail));

    public static ReceivedShareOutcome NotFound(long id) => Refused(StatusCodes.Status404NotFound, "Not found", $"You have no received share {id}.");
}

/// <summary>What a sender's change notification changes of a received share; what is null (or not said) stays.</summary>
/// <param name="Permissions">The new permissions.</param>
/// <param name="MustExchangeToken">Whether access now needs an exchanged token.</param>
/// <param name="ChangesExpiration">Whether the expiry changes, to <paramref name="Expiration"/> (null: none any more).</param>
/// <param name="Expiration">The new expiry.</param>
internal sealed record OwnerChange(SharePermissions? Permissions, bool? MustExchangeToken, bool ChangesExpiration, DateTimeOffset? Expiration);

/// <summary>An accepted share where it is mounted: its name in the received shares' folder (<c>/Shared with me/</c>).</summary>
internal sealed record MountedShare(ReceivedShare Share, string Name);

/// <summary>
/// The recipient's side of sharing: list, accept, decline, leave, and what the sender's server tells of a share it
/// gave (revoked, changed). One set of rules for the user API, the web interface, the command line (through the API),
/// WebDAV's <c>/Shared with me/</c> and the notification handler; each decision of the recipient is told to the
/// sender's server through the outbox, committed with it. The names accepted shares are mounted under are decided
/// here alone (<see cref="MountNames"/>), so the path the API and the web interface report is the path WebDAV serves.
/// </summary>
internal sealed class ReceivedShares(OcmDb db, Notifier notifier, SharesOptions options, TimeProvider time)
{
    /// <summary>The received shares' folder in the root of each user's tree (<c>Ocm:Shares:ReceivedFolder</c>).</summary>
    public string FolderName => options.ReceivedFolder;

    /// <summary>A <c>state</c> as the API names it (<c>pending</c>, <c>accepted</c>, <c>declined</c>, <c>unshared</c>; any case).</summary>
    public static bool TryParseState(string text, out ReceivedShareState state)
    {
        foreach (var candidate in Enum.GetValues<ReceivedShareState>())
        {
            if (string.Equals(StateText(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>The user's received shares, oldest first; with <paramref name="state"/>, only those in it.</summary>
    public async Task<List<ReceivedShareView>> ListAsync(long userId, ReceivedShareState? state, CancellationToken cancellationToken)
    {
        var query = db.Set<ReceivedShare>().AsNoTracking().Where(s => s.RecipientUserId == userId);
        if (state is { } wanted)
        {
            query = query.Where(s => s.State == wanted);
        }

        var shares = await query.OrderBy(s => s.Id).ToListAsync(cancellationToken);
        var names = await MountNamesAsync(userId, cancellationToken);
        return [.. shares.Select(s => ToView(s, names))];
    }

    public async Task<ReceivedShareView?> GetAsync(long userId, long id, CancellationToken cancellationToken)
    {
        var share = await db.Set<ReceivedShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.RecipientUserId == userId, cancellationToken);
        return share is null ? null : ToView(share, await MountNamesAsync(userId, cancellationToken));
    }

    /// <summary>How many shares wait for the user's decision.</summary>
    public Task<int> CountPendingAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<ReceivedShare>().CountAsync(s => s.RecipientUserId == userId && s.State == ReceivedShareState.Pending, cancellationToken);

    /// <summary>
    /// Accepts a share: it is mounted in the user's files and no longer counts as from an unknown sender; the sender's
    /// server is told (SHARE_ACCEPTED). Accepting again changes nothing; a share its owner ended cannot be accepted.
    /// </summary>
    public Task<ReceivedShareOutcome> AcceptAsync(SignedInUser user, long id, CancellationToken cancellationToken) =>
        DecideAsync(user, id, ReceivedShareState.Accepted, cancellationToken);

    /// <summary>Declines a pending or accepted share (it is unmounted); the sender's server is told (SHARE_DECLINED).</summary>
    public Task<ReceivedShareOutcome> DeclineAsync(SignedInUser user, long id, CancellationToken cancellationToken) =>
        DecideAsync(user, id, ReceivedShareState.Declined, cancellationToken);

    private async Task<ReceivedShareOutcome> DecideAsync(SignedInUser user, long id, ReceivedShareState decision, CancellationToken cancellationToken)
    {
        var share = await FindAsync(user.Id, id, cancellationToken);
        if (share is null)
        {
            return ReceivedShareOutcome.NotFound(id);
        }

        var accepting = decision == ReceivedShareState.Accepted;
        if (accepting && share.State == ReceivedShareState.Unshared)
        {
            return ReceivedShareOutcome.Refused(StatusCodes.Status409Conflict, "Share ended", "The owner has removed this share.");
        }

        var changes = accepting ? share.State != ReceivedShareState.Accepted : share.State is ReceivedShareState.Pending or ReceivedShareState.Accepted;
        if (changes)
        {
            share.State = decision;
            share.Updated = time.GetUtcNow();
            if (accepting)
            {
                share.Quarantined = false;
                notifier.ShareAccepted(share, user.Name);
            }
            else
            {
                notifier.ShareDeclined(share, user.Name);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return ReceivedShareOutcome.Done(ToView(share, await MountNamesAsync(user.Id, cancellationToken)));
    }

    /// <summary>
    /// Leaves a share: it disappears for the user, and nothing of the owner's is touched. The sender's server is told
    /// when it still counts the share as given: SHARE_UNSHARED from the receiving side for an accepted one (§5.2),
    /// SHARE_DECLINED for one never accepted. The outcome shows the share as it was.
    /// </summary>
    public async Task<ReceivedShareOutcome> LeaveAsync(SignedInUser user, long id, CancellationToken cancellationToken)
    {
        var share = await FindAsync(user.Id, id, cancellationToken);
        if (share is null)
        {
            return ReceivedShareOutcome.NotFound(id);
        }

        var view = ToView(share, await MountNamesAsync(user.Id, cancellationToken));
        if (share.State == ReceivedShareState.Accepted)
        {
            notifier.ShareLeft(share, user.Name);
        }
        else if (share.State == ReceivedShareState.Pending)
        {
            notifier.ShareDeclined(share, user.Name);
        }

        db.Remove(share);
        await db.SaveChangesAsync(cancellationToken);
        return ReceivedShareOutcome.Done(view);
    }

    /// <summary>
    /// The sender revoked <paramref name="share"/> (SHARE_UNSHARED from the sending side): it ends here as it would
    /// if the user left it — unmounted at once — but stays listed as ended, so the user learns why it went. The sender
    /// needs no answer: it ended the share itself.
    /// </summary>
    public async Task EndedByOwnerAsync(ReceivedShare share, CancellationToken cancellationToken)
    {
        share.State = ReceivedShareState.Unshared;
        share.Updated = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The sender changed what <paramref name="share"/> allows (RESHARE_CHANGE_PERMISSION or SHARE_CHANGE_PERMISSION,
    /// D12): what <paramref name="change"/> gives changes, the rest stays. Access follows with the next request.
    /// </summary>
    public async Task ChangedByOwnerAsync(ReceivedShare share, OwnerChange change, CancellationToken cancellationToken)
    {
        if (change.Permissions is { } permissions)
        {
            share.Permissions = permissions;

            // The owner's server bounds the reshares it made for this user by the share (OCM §Resharing); show them so.
            var reshares = await db.Set<Reshare>().Where(r => r.ReceivedShareId == share.Id).ToListAsync(cancellationToken);
            foreach (var reshare in reshares)
            {
                reshare.Permissions &= permissions;
            }
        }

        if (change.MustExchangeToken is { } mustExchange)
        {
            share.MustExchangeToken = mustExchange;
        }

        if (change.ChangesExpiration)
        {
            share.Expiration = change.Expiration;
        }

        share.Updated = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The user's mounted shares — accepted and unexpired — with their names, in share order.</summary>
    public async Task<List<MountedShare>> MountedAsync(long userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var shares = await db.Set<ReceivedShare>().AsNoTracking()
            .Where(s => s.RecipientUserId == userId && s.State == ReceivedShareState.Accepted)
            .OrderBy(s => s.Id)
            .ToListAsync(cancellationToken);
        var mounted = shares.Where(s => !s.IsExpired(now)).ToList();
        var names = MountNames(mounted);
        return [.. mounted.Select(s => new MountedShare(s, names[s.Id]))];
    }

    /// <summary>The mounted share named <paramref name="name"/> in the received shares' folder, or null.</summary>
    public async Task<MountedShare?> FindMountedAsync(long userId, string name, CancellationToken cancellationToken) =>
        (await MountedAsync(userId, cancellationToken)).FirstOrDefault(m => m.Name == name);

    /// <summary>The user's share <paramref name="shareId"/> with the name it is mounted under, or null when it is not mounted.</summary>
    public async Task<MountedShare?> FindMountedAsync(long userId, long shareId, CancellationToken cancellationToken) =>
        (await MountedAsync(userId, cancellationToken)).FirstOrDefault(m => m.Share.Id == shareId);

    /// <summary>The names of the user's mounted shares, by share id.</summary>
    public async Task<Dictionary<long, string>> MountNamesAsync(long userId, CancellationToken cancellationToken) =>
        (await MountedAsync(userId, cancellationToken)).ToDictionary(m => m.Share.Id, m => m.Name);

    /// <summary>
    /// The names shares are mounted under: their own, with " (2)", " (3)"… for later ones of the same name, in share
    /// order (the order they arrived, which does not change), so a name stays with its share while the others stay.
    /// A name that cannot be a file name here becomes <c>share-{id}</c>.
    /// </summary>
    internal static Dictionary<long, string> MountNames(IEnumerable<ReceivedShare> shares)
    {
        var names = new Dictionary<long, string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var share in shares.OrderBy(s => s.Id))
        {
            var name = StoragePath.CheckName(share.Name) == PathError.None ? share.Name : "share-" + share.Id;
            var candidate = name;
            for (var n = 2; !taken.Add(candidate); n++)
            {
                candidate = $"{name} ({n})";
            }

            names[share.Id] = candidate;
        }

        return names;
    }

    private Task<ReceivedShare?> FindAsync(long userId, long id, CancellationToken cancellationToken) =>
        db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == id && s.RecipientUserId == userId, cancellationToken);

    private ReceivedShareView ToView(ReceivedShare share, Dictionary<long, string> mountNames) => new(
        share.Id,
        share.Name,
        share.IsFolder == true ? "folder" : share.ResourceType,
        share.Owner,
        share.OwnerDisplayName,
        share.Sender,
        share.SenderDisplayName,
        share.SenderHost,
        SharePermissionNames.ToNames(share.Permissions),
        share.Expiration?.ToUnixTimeSeconds(),
        StateText(share.State),
        share.Quarantined,
        mountNames.TryGetValue(share.Id, out var name) ? $"/{options.ReceivedFolder}/{name}" : null,
        share.Created,
        share.OffersDataTransfer,
        share.WebAppUri);

    private static string StateText(ReceivedShareState state) => state switch
    {
        ReceivedShareState.Pending => ReceivedShareStates.Pending,
        ReceivedShareState.Accepted => ReceivedShareStates.Accepted,
        ReceivedShareState.Declined => ReceivedShareStates.Declined,
        _ => ReceivedShareStates.Unshared,
    };
}
