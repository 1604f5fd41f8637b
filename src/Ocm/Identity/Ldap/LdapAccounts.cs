using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Identity.Groups;
using Ocm.Users;

namespace Ocm.Identity.Ldap;

internal enum DirectorySignInStatus
{
    /// <summary>LDAP sign-in is off, or the account is a local one: the caller checks the local password.</summary>
    NotDirectory,

    Success,

    Refused,

    Unavailable,
}

internal readonly record struct DirectorySignIn(DirectorySignInStatus Status, long UserId = 0);

/// <summary>What one run of the sync did.</summary>
internal sealed record DirectorySyncReport(int DirectoryUsers, int LinkedAccounts, IReadOnlyList<string> Disabled);

/// <summary>
/// Accounts of directory users, linked by the entry's stable id (<see cref="LdapOptions.IdAttribute"/>) in
/// <see cref="ExternalLogin"/> under <see cref="LdapOptions.Issuer"/>: created at the first sign-in (just in time),
/// their profile and directory groups refreshed at each, and disabled by <see cref="SyncAsync"/> once the directory no
/// longer lists them. A local account (one without a directory link) is never taken over by a directory user of the same
/// name: it keeps signing in with its own password, which is what keeps break-glass admins working while the directory is down.
/// </summary>
internal sealed partial class LdapAccounts(
    OcmDb db,
    LdapOptions options,
    LdapDirectory directory,
    UserAccounts accounts,
    GroupDirectory groups,
    TimeProvider time,
    ILogger<LdapAccounts> logger)
{
    public bool Enabled => options.Enabled;

    /// <summary>Whether <paramref name="userId"/> signs in through the directory.</summary>
    public Task<bool> IsDirectoryAccountAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<ExternalLogin>().AnyAsync(l => l.UserId == userId && l.Issuer == LdapOptions.Issuer, cancellationToken);

    /// <summary>Binds as <paramref name="userName"/> and, when the directory says yes, returns the linked (or new) account.</summary>
    public async Task<DirectorySignIn> SignInAsync(string userName, string password, CancellationToken cancellationToken)
    {
        var check = await directory.AuthenticateAsync(userName, password, cancellationToken);
        if (check.Check == DirectoryCheck.Unavailable)
        {
            return new DirectorySignIn(DirectorySignInStatus.Unavailable);
        }

        if (check.Check != DirectoryCheck.Verified || check.User is not { } entry)
        {
            return new DirectorySignIn(DirectorySignInStatus.Refused);
        }

        if (entry.DisabledThere)
        {
            Log.DisabledThere(logger);
            return new DirectorySignIn(DirectorySignInStatus.Refused);
        }

        var now = time.GetUtcNow();
        var link = await db.Set<ExternalLogin>().FirstOrDefaultAsync(l => l.Issuer == LdapOptions.Issuer && l.Subject == entry.Id, cancellationToken);
        if (link is null)
        {
            var name = (entry.UserName ?? userName).Trim();
            var normalized = User.Normalize(name);
            if (!UserNames.IsValid(name) || await db.Set<User>().AnyAsync(u => u.NormalizedName == normalized, cancellationToken))
            {
                // A local account of that name stays the local user's; the directory user is told nothing more than a
                // wrong password would tell them (the admin sees the log).
                Log.NameTaken(logger);
                return new DirectorySignIn(DirectorySignInStatus.Refused);
            }

            User created;
            try
            {
                // The account never signs in with a local password: it gets a random one that nobody is told.
                created = await accounts.AddAsync(new NewUser(name, accounts.GeneratePassword() + accounts.GeneratePassword(), Fit(entry.DisplayName, 200), Fit(entry.Email, 320)), cancellationToken);
            }
            catch (UserAccountException)
            {
                Log.NameTaken(logger);
                return new DirectorySignIn(DirectorySignInStatus.Refused);
            }

            link = new ExternalLogin { UserId = created.Id, Issuer = LdapOptions.Issuer, Subject = entry.Id, Created = now };
            db.Set<ExternalLogin>().Add(link);
            Log.Provisioned(logger, created.Id);
        }

        var user = await db.Set<User>().SingleAsync(u => u.Id == link.UserId, cancellationToken);
        if (user.Disabled)
        {
            await db.SaveChangesAsync(cancellationToken);
            return new DirectorySignIn(DirectorySignInStatus.Refused);
        }

        // The directory is the source of the profile; the user name stays (it is the account's WebDAV path and
        // federated address), so a user renamed in the directory keeps their files and shares.
        if (Fit(entry.DisplayName, 200) is { } displayName)
        {
            user.DisplayName = displayName;
        }

        if (Fit(entry.Email, 320) is { } email)
        {
            user.Email = email;
        }

        link.LastSignIn = now;
        await db.SaveChangesAsync(cancellationToken);
        await groups.ApplyProviderGroupsAsync(user.Id, LdapOptions.Issuer, entry.Groups, cancellationToken);
        Log.SignedIn(logger, user.Id);
        return new DirectorySignIn(DirectorySignInStatus.Success, user.Id);
    }

    /// <summary>
    /// Disables the accounts whose directory entry is gone (or no longer matches the user filter) or disabled there
    /// (Active Directory's ACCOUNTDISABLE). Accounts are only ever disabled here, never enabled: an admin may have
    /// disabled one for reasons of their own (<c>ocm user enable</c> brings one back). A listing with no users at all
    /// is not trusted (a wrong base or filter would otherwise disable everyone): nothing is changed then.
    /// </summary>
    public async Task<DirectorySyncReport> SyncAsync(CancellationToken cancellationToken)
    {
        List<DirectoryUser> listed;
        try
        {
            listed = await directory.ListUsersAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.DirectoryServices.Protocols.DirectoryException or TimeoutException or DirectoryUnavailableException)
        {
            throw new DirectoryUnavailableException("The LDAP directory did not answer: " + ex.Message, ex);
        }

        var present = listed.Where(u => !u.DisabledThere).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var links = await (from l in db.Set<ExternalLogin>()
                           join u in db.Set<User>() on l.UserId equals u.Id
                           where l.Issuer == LdapOptions.Issuer
                           select new { l.Subject, User = u }).ToListAsync(cancellationToken);
        if (listed.Count == 0 && links.Count > 0)
        {
            Log.EmptyListing(logger);
            return new DirectorySyncReport(0, links.Count, []);
        }

        var disabled = new List<string>();
        foreach (var link in links.Where(l => !present.Contains(l.Subject) && !l.User.Disabled))
        {
            link.User.Disabled = true;
            link.User.CredentialsVersion++;
            disabled.Add(link.User.Name);
            Log.Disabled(logger, link.User.Id);
        }

        await db.SaveChangesAsync(cancellationToken);
        Log.Synced(logger, listed.Count, links.Count, disabled.Count);
        return new DirectorySyncReport(listed.Count, links.Count, disabled);
    }

    private static string? Fit(string? value, int maxLength) => value is { Length: > 0 } && value.Length <= maxLength ? value : null;

    private static partial class Log
    {
        [LoggerMessage(2823, LogLevel.Information, "User {UserId} created at their first sign-in with the LDAP directory")]
        public static partial void Provisioned(ILogger logger, long userId);

        [LoggerMessage(2824, LogLevel.Information, "User {UserId} signed in with the LDAP directory")]
        public static partial void SignedIn(ILogger logger, long userId);

        [LoggerMessage(2825, LogLevel.Warning, "A directory user could not get an account: a local account has that user name (or it is not a valid one); refused")]
        public static partial void NameTaken(ILogger logger);

        [LoggerMessage(2826, LogLevel.Information, "Sign-in refused: the account is disabled in the directory")]
        public static partial void DisabledThere(ILogger logger);

        [LoggerMessage(2827, LogLevel.Information, "User {UserId} disabled: gone from the LDAP directory or disabled there")]
        public static partial void Disabled(ILogger logger, long userId);

        [LoggerMessage(2828, LogLevel.Information, "LDAP sync: {DirectoryUsers} users in the directory, {Linked} linked accounts, {Disabled} disabled")]
        public static partial void Synced(ILogger logger, int directoryUsers, int linked, int disabled);

        [LoggerMessage(2829, LogLevel.Warning, "LDAP sync: the directory listed no users at all; nothing was disabled (check Ocm:Identity:Ldap:UserBase and UserFilter)")]
        public static partial void EmptyListing(ILogger logger);
    }
}
