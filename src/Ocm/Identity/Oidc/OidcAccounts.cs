using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Identity.Groups;
using Ocm.Users;

namespace Ocm.Identity.Oidc;

/// <summary>Who the provider says signed in, read from the validated ID token and the userinfo response.</summary>
internal sealed record OidcIdentity(string Issuer, string Subject, string? UserName, string? DisplayName, string? Email, IReadOnlyList<string> Groups)
{
    public static OidcIdentity? From(ClaimsPrincipal principal, OidcOptions options)
    {
        var subject = principal.FindFirstValue("sub");
        var issuer = principal.FindFirstValue("iss") ?? principal.FindFirst("sub")?.Issuer;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer))
        {
            return null;
        }

        return new OidcIdentity(
            issuer,
            subject,
            principal.FindFirstValue(options.UserNameClaim),
            principal.FindFirstValue(options.DisplayNameClaim),
            principal.FindFirstValue(options.EmailClaim),
            principal.FindAll(options.GroupsClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList());
    }
}

/// <summary>The account a provider sign-in ends in, or why there is none (shown to the user as is).</summary>
internal sealed record OidcOutcome(long? UserId, string? Refusal)
{
    public static OidcOutcome Refused(string reason) => new(null, reason);
}

/// <summary>
/// Accounts for provider sign-ins: the account linked to the token's issuer and subject; else a new account created
/// from the claims (just-in-time provisioning); or, when a signed-in user asked for it, a link to their account. An
/// existing account is never linked because its name or e-mail matches a claim — whoever controls those claims at
/// the provider would take the account over.
/// </summary>
internal sealed partial class OidcAccounts(OcmDb db, UserAccounts accounts, GroupDirectory groups, TimeProvider time, ILogger<OidcAccounts> logger)
{
    public async Task<OidcOutcome> SignInAsync(OidcIdentity identity, long? linkToUserId, CancellationToken cancellationToken)
    {
        var link = await db.Set<ExternalLogin>().FirstOrDefaultAsync(l => l.Issuer == identity.Issuer && l.Subject == identity.Subject, cancellationToken);
        var now = time.GetUtcNow();
        long userId;
        if (linkToUserId is long requested)
        {
            if (link is not null && link.UserId != requested)
            {
                return OidcOutcome.Refused("This account at the identity provider is already linked to another account of this server.");
            }

            if (link is null)
            {
                link = new ExternalLogin { UserId = requested, Issuer = identity.Issuer, Subject = identity.Subject, Created = now };
                db.Set<ExternalLogin>().Add(link);
                Log.Linked(logger, requested);
            }

            userId = requested;
        }
        else if (link is not null)
        {
            userId = link.UserId;
        }
        else
        {
            var created = await ProvisionAsync(identity, cancellationToken);
            if (created.UserId is not long newId)
            {
                return created;
            }

            link = new ExternalLogin { UserId = newId, Issuer = identity.Issuer, Subject = identity.Subject, Created = now };
            db.Set<ExternalLogin>().Add(link);
            userId = newId;
        }

        var user = await db.Set<User>().SingleAsync(u => u.Id == userId, cancellationToken);
        if (user.Disabled)
        {
            return OidcOutcome.Refused("Your account on this server is disabled. Ask an administrator of this server.");
        }

        // The provider is the source of the profile of accounts it signs in; the user name stays (it is the account's
        // WebDAV path and federated address), so a user renamed at the provider keeps their files and shares.
        if (!string.IsNullOrWhiteSpace(identity.DisplayName) && identity.DisplayName.Length <= 200)
        {
            user.DisplayName = identity.DisplayName.Trim();
        }

        if (!string.IsNullOrWhiteSpace(identity.Email) && identity.Email.Length <= 320)
        {
            user.Email = identity.Email.Trim();
        }

        link.LastSignIn = now;
        await db.SaveChangesAsync(cancellationToken);
        await groups.ApplyProviderGroupsAsync(userId, identity.Issuer, identity.Groups, cancellationToken);
        Log.SignedIn(logger, userId);
        return new OidcOutcome(userId, null);
    }

    private async Task<OidcOutcome> ProvisionAsync(OidcIdentity identity, CancellationToken cancellationToken)
    {
        var name = identity.UserName?.Trim();
        if (!UserNames.IsValid(name))
        {
            return OidcOutcome.Refused(
                $"The identity provider did not send a user name this server can use ('{name}'): a user name has up to {UserNames.MaxLength} ASCII letters, digits, '_', '.', '@' or '-'. Ask an administrator of this server.");
        }

        var normalized = User.Normalize(name!);
        if (await db.Set<User>().AnyAsync(u => u.NormalizedName == normalized, cancellationToken))
        {
            return OidcOutcome.Refused(
                $"An account named '{name}' already exists on this server. If it is yours, sign in with its password and link your identity provider account on the Account page; otherwise ask an administrator.");
        }

        try
        {
            // The account never signs in with a password: it gets a random one that nobody is told.
            var user = await accounts.AddAsync(new NewUser(name!, accounts.GeneratePassword() + accounts.GeneratePassword(), Fit(identity.DisplayName, 200), Fit(identity.Email, 320)), cancellationToken);
            Log.Provisioned(logger, user.Id);
            return new OidcOutcome(user.Id, null);
        }
        catch (UserAccountException ex)
        {
            return OidcOutcome.Refused(ex.Message);
        }
    }

    private static string? Fit(string? value, int maxLength) => value is not null && value.Length <= maxLength ? value : null;

    private static partial class Log
    {
        [LoggerMessage(2860, LogLevel.Information, "User {UserId} created at their first sign-in with the identity provider")]
        public static partial void Provisioned(ILogger logger, long userId);

        [LoggerMessage(2861, LogLevel.Information, "User {UserId} signed in with the identity provider")]
        public static partial void SignedIn(ILogger logger, long userId);

        [LoggerMessage(2862, LogLevel.Information, "User {UserId} linked an identity provider account")]
        public static partial void Linked(ILogger logger, long userId);
    }
}
