using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.Shares;

namespace Ocm.Contacts;

/// <summary>
/// The address books of local users: add or refresh a contact (from an invite, a share or direct entry), remove one
/// (optionally telling the other server with <c>USER_REMOVED</c>), search for share autocomplete. Changes are staged on
/// the scope's <see cref="OcmDb"/>; callers save, so a contact commits together with what caused it.
/// </summary>
internal sealed partial class ContactBook(OcmDb db, Outbox outbox, TimeProvider time, ILogger<ContactBook> logger)
{
    /// <summary>The outbox kind of <c>USER_REMOVED</c> notifications.</summary>
    public const OutboxMessageKind UserRemovedKind = OutboxMessageKind.UserRemoved;

    /// <summary>
    /// Adds <paramref name="address"/> to <paramref name="userId"/>'s address book, or refreshes the entry: a non-empty
    /// name or e-mail replaces the stored one, and an invite upgrades the source (it is the strongest, see
    /// <see cref="ContactSource.Invite"/>). Call <c>SaveChangesAsync</c> afterwards.
    /// </summary>
    public async Task<Contact> UpsertAsync(long userId, OcmAddress address, string? name, string? email, ContactSource source, CancellationToken cancellationToken)
    {
        if (address.Identifier.Length > ContactConfiguration.Limits.RemoteUserId || address.Authority.Length > ContactConfiguration.Limits.Provider)
        {
            throw new ArgumentException("The OCM address is too long to be stored.", nameof(address));
        }

        var contact = db.ChangeTracker.Entries<Contact>()
                .Select(e => e.Entity)
                .FirstOrDefault(c => c.UserId == userId && c.Provider == address.Authority && c.RemoteUserId == address.Identifier)
            ?? await db.Set<Contact>().FirstOrDefaultAsync(
                c => c.UserId == userId && c.Provider == address.Authority && c.RemoteUserId == address.Identifier, cancellationToken);
        if (contact is null)
        {
            contact = new Contact
            {
                UserId = userId,
                RemoteUserId = address.Identifier,
                Provider = address.Authority,
                Address = address.ToString(),
                Source = source,
                Added = time.GetUtcNow(),
            };
            db.Add(contact);
            Log.Added(logger, userId, address.Authority, source.ToString());
        }
        else if (source == ContactSource.Invite)
        {
            contact.Source = ContactSource.Invite;
        }

        if (!string.IsNullOrWhiteSpace(name))
        {
            contact.Name = Clip(name.Trim(), ContactConfiguration.Limits.Name);
        }

        if (!string.IsNullOrWhiteSpace(email))
        {
            contact.Email = Clip(email.Trim(), ContactConfiguration.Limits.Email);
        }

        return contact;
    }

    /// <summary>The contact <paramref name="id"/> of <paramref name="userId"/>, or null.</summary>
    public Task<Contact?> FindAsync(long userId, long id, CancellationToken cancellationToken) =>
        db.Set<Contact>().FirstOrDefaultAsync(c => c.Id == id && c.UserId == userId, cancellationToken);

    /// <summary>
    /// <paramref name="userId"/>'s contacts, by name then address; with <paramref name="search"/>, only those whose
    /// address, name or e-mail contains it (case-insensitive), for share autocomplete.
    /// </summary>
    public async Task<List<Contact>> ListAsync(long userId, string? search, int limit, CancellationToken cancellationToken)
    {
        // Address books are small; filtering in memory keeps the case-insensitive match identical on every database.
        var all = await db.Set<Contact>().AsNoTracking().Where(c => c.UserId == userId).ToListAsync(cancellationToken);
        IEnumerable<Contact> matching = all;
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            matching = all.Where(c => c.Address.Contains(term, StringComparison.OrdinalIgnoreCase)
                || c.Name.Contains(term, StringComparison.OrdinalIgnoreCase)
                || c.Email.Contains(term, StringComparison.OrdinalIgnoreCase));
        }

        return matching
            .OrderBy(c => c.Name.Length == 0 ? c.Address : c.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(c => c.Address, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    /// <summary>
    /// Removes a contact. With <paramref name="notifyAs"/> (the local user's identifier, as exchanged in the invite)
    /// the other server is told through the outbox: <c>USER_REMOVED</c>, <c>resourceType: user</c>, <c>providerId</c>
    /// = our user's id, <c>notification.grantee</c> = the removed contact (only in the OCM 1.4 OpenAPI document, not in the registry). Call
    /// <c>SaveChangesAsync</c> afterwards: the notification commits with the removal.
    /// </summary>
    public void Remove(Contact contact, string? notifyAs)
    {
        db.Remove(contact);
        if (notifyAs is not null)
        {
            var notification = new NewNotification
            {
                NotificationType = NotificationTypes.UserRemoved,
                ResourceType = ResourceTypes.User,
                ProviderId = notifyAs,
                Notification = new NotificationDetails
                {
                    Message = $"{notifyAs} removed {contact.Address} from their contacts.",
                    Grantee = contact.Address,
                },
            };
            outbox.Enqueue(contact.Provider, UserRemovedKind, subjectId: null, OcmJson.Write(notification));
        }

        Log.Removed(logger, contact.UserId, contact.Provider, notifyAs is not null);
    }

    /// <summary>
    /// Removes <paramref name="remote"/> from the address book of the local user <paramref name="userName"/> without
    /// telling their server (it told us: <c>USER_REMOVED</c>). Returns how many entries went; call
    /// <c>SaveChangesAsync</c> afterwards.
    /// </summary>
    public async Task<int> RemoveOnTheirRequestAsync(string userName, OcmAddress remote, CancellationToken cancellationToken)
    {
        var normalized = userName.ToLowerInvariant();
        var contacts = await db.Set<Contact>()
            .Where(c => c.Provider == remote.Authority && c.RemoteUserId == remote.Identifier)
            .Where(c => db.Set<Users.User>().Any(u => u.Id == c.UserId && u.NormalizedName == normalized))
            .ToListAsync(cancellationToken);
        foreach (var contact in contacts)
        {
            Remove(contact, notifyAs: null);
        }

        return contacts.Count;
    }

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];

    private static partial class Log
    {
        [LoggerMessage(1600, LogLevel.Information, "User {UserId} added a contact at {Provider} (source {Source})")]
        public static partial void Added(ILogger logger, long userId, string provider, string source);

        [LoggerMessage(1601, LogLevel.Information, "User {UserId} removed a contact at {Provider} (notified: {Notified})")]
        public static partial void Removed(ILogger logger, long userId, string provider, bool notified);
    }
}
