using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Identity;

/// <summary>
/// <see cref="LocalSignInOptions"/> applied to Basic credentials (WebDAV, the JSON API): with local password sign-in off,
/// an account's own password opens nothing for anyone but the break-glass admins — otherwise a campus that signs in
/// through its provider would still accept every local password over WebDAV. App passwords keep working: they are how
/// sync clients and scripts sign in, and are created by a user who signed in the allowed way (Login Flow v2, Account).
/// </summary>
internal static partial class LocalSignIn
{
    /// <summary>Whether the Basic credentials that signed in <paramref name="user"/> are allowed.</summary>
    public static async Task<bool> AllowsBasicAsync(IServiceProvider services, SignedInUser user, CancellationToken cancellationToken)
    {
        if (user.AppPasswordId is not null || services.GetService<LocalSignInOptions>() is not { Enabled: false } options)
        {
            return true;
        }

        var db = services.GetRequiredService<OcmDb>();
        var isAdmin = await db.Set<User>().AsNoTracking().Where(u => u.Id == user.Id).Select(u => u.IsAdmin).SingleOrDefaultAsync(cancellationToken);
        if (options.Allows(user.Name, isAdmin))
        {
            return true;
        }

        Log.PasswordRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalSignIn).FullName!), user.Id);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(2890, LogLevel.Information, "Basic sign-in of user {UserId} with the account password refused: local password sign-in is off (app passwords still work)")]
        public static partial void PasswordRefused(ILogger logger, long userId);
    }
}
