using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;

namespace Ocm.Users;

/// <summary>Who signed in: enough for every request without another lookup.</summary>
internal sealed record SignedInUser(long Id, string Name, string? DisplayName, long? QuotaBytes, long? AppPasswordId);

internal enum SignInStatus
{
    Success,
    Failed,
    Throttled,

    /// <summary>The LDAP directory did not answer: nobody can tell whether the password is right.</summary>
    Unavailable,
}

/// <summary>How a sign-in ended; <c>FromDirectory</c>: the password was checked by the LDAP directory (not a local or app password).</summary>
internal readonly record struct SignInResult(SignInStatus Status, SignedInUser? User = null, TimeSpan RetryAfter = default, bool FromDirectory = false);

/// <summary>
/// Checks a user name and password (or app password). Sync clients send Basic credentials with every request, so a
/// verified pair is remembered in memory under an HMAC of the pair (never the password itself) with a process-random
/// key. Each request still reads the user's row, so a password change, disable or revoke made by <c>ocm user …</c> in
/// another process takes effect on the next request (<see cref="User.CredentialsVersion"/>).
/// <para>
/// With LDAP sign-in on (Identity/Ldap), a user name without a local account, or one whose account is linked to the
/// directory, is checked by binding to the directory; the verified pair is remembered the same way, so a sync client
/// does not cost a directory round trip per request, while an account the sync disabled is refused at the next one.
/// </para>
/// </summary>
internal sealed partial class CredentialVerifier(
    OcmDb db,
    PasswordHashing hashing,
    LoginThrottle throttle,
    CredentialCache cache,
    Identity.Ldap.LdapAccounts directory,
    TimeProvider time,
    ILogger<CredentialVerifier> logger)
{
    // Runs on every request of a signed-in client, so it is compiled once.
    // The throttle's two counters come with the user's row in the same round trip: a remembered pair is refused like
    // any other while its client address is throttled (see VerifyAsync).
    private static readonly CompiledQuery<Func<OcmDb, long, string, string, long, CancellationToken, Task<UserState?>>> StateOf = new(() =>
        EF.CompileAsyncQuery((OcmDb db, long id, string userKey, string addressKey, long since, CancellationToken _) =>
            db.Set<User>().Where(u => u.Id == id)
                .Select(u => new UserState(
                    u.Name,
                    u.DisplayName,
                    u.QuotaBytes,
                    u.Disabled,
                    u.CredentialsVersion,
                    db.Set<LoginFailure>().Count(f => f.Key == userKey && f.At > since),
                    db.Set<LoginFailure>().Count(f => f.Key == addressKey && f.At > since)))
                .FirstOrDefault()));

    public async Task<SignInResult> VerifyAsync(string userName, string password, IPAddress? address, CancellationToken cancellationToken)
    {
        if (!UserNames.IsValid(userName) || password.Length == 0 || password.Length > 1024)
        {
            return new SignInResult(SignInStatus.Failed);
        }

        var cacheKey = cache.KeyFor(userName, password);
        if (cache.TryGet(cacheKey, out var cached))
        {
            // A throttled client gets 429 for every pair, remembered or not: were a remembered (right) pair let
            // through, the answers would tell right from wrong guesses at no cost, while the user's own clients keep
            // the pair remembered.
            var probe = throttle.Probe(userName, address);
            var current = await StateOf.For(db)(db, cached.UserId, probe.UserKey, probe.AddressKey, probe.Since, cancellationToken);
            if (current is not null && !current.Disabled && current.CredentialsVersion == cached.CredentialsVersion
                && !throttle.Reached(current.UserFailures, current.AddressFailures))
            {
                return new SignInResult(
                    SignInStatus.Success,
                    new SignedInUser(cached.UserId, current.Name, current.DisplayName, current.QuotaBytes, cached.AppPasswordId),
                    FromDirectory: cached.FromDirectory);
            }

            if (current is null || current.Disabled || current.CredentialsVersion != cached.CredentialsVersion)
            {
                cache.Remove(cacheKey);
            }
        }

        var throttled = await throttle.CheckAsync(userName, address, cancellationToken);
        if (throttled.RetryAfter is TimeSpan wait)
        {
            Log.Throttled(logger);
            return new SignInResult(SignInStatus.Throttled, RetryAfter: wait);
        }

        var normalized = User.Normalize(userName);
        var user = await db.Set<User>().FirstOrDefaultAsync(u => u.NormalizedName == normalized, cancellationToken);
        if (directory.Enabled && (user is null || await directory.IsDirectoryAccountAsync(user.Id, cancellationToken)))
        {
            return await VerifyWithDirectoryAsync(user, userName, password, cacheKey, address, throttled.HasUserFailures, cancellationToken);
        }

        if (user is null)
        {
            hashing.VerifyDummy(password);
            return await FailAsync(userName, address, cancellationToken);
        }

        long? appPasswordId = null;
        var check = hashing.Verify(user.PasswordHash, password);
        if (check == PasswordCheck.Invalid && SecretGenerator.LooksLikeAppPassword(password))
        {
            var appPasswords = await db.Set<AppPassword>().Where(a => a.UserId == user.Id).ToListAsync(cancellationToken);
            foreach (var appPassword in appPasswords)
            {
                var appCheck = hashing.Verify(appPassword.PasswordHash, password);
                if (appCheck != PasswordCheck.Invalid)
                {
                    appPasswordId = appPassword.Id;
                    appPassword.LastUsed = time.GetUtcNow();
                    if (appCheck == PasswordCheck.ValidRehashNeeded)
                    {
                        appPassword.PasswordHash = hashing.Hash(password);
                    }

                    check = PasswordCheck.Valid;
                    break;
                }
            }
        }
        else if (check == PasswordCheck.ValidRehashNeeded)
        {
            user.PasswordHash = hashing.Hash(password);
        }

        if (check == PasswordCheck.Invalid || user.Disabled)
        {
            return await FailAsync(userName, address, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        if (throttled.HasUserFailures)
        {
            await throttle.RecordSuccessAsync(userName, address, cancellationToken);
        }

        cache.Add(cacheKey, new CachedCredential(user.Id, user.CredentialsVersion, appPasswordId));
        return new SignInResult(SignInStatus.Success, new SignedInUser(user.Id, user.Name, user.DisplayName, user.QuotaBytes, appPasswordId));
    }

    /// <summary>
    /// A directory account's app passwords are local (sync clients, scripts); anything else is the directory password.
    /// No failure is recorded while the directory does not answer: the user did nothing wrong.
    /// </summary>
    private async Task<SignInResult> VerifyWithDirectoryAsync(
        User? user, string userName, string password, string cacheKey, IPAddress? address, bool hadFailures, CancellationToken cancellationToken)
    {
        if (user is not null && SecretGenerator.LooksLikeAppPassword(password))
        {
            foreach (var appPassword in await db.Set<AppPassword>().Where(a => a.UserId == user.Id).ToListAsync(cancellationToken))
            {
                var appCheck = hashing.Verify(appPassword.PasswordHash, password);
                if (appCheck == PasswordCheck.Invalid)
                {
                    continue;
                }

                if (user.Disabled)
                {
                    return await FailAsync(userName, address, cancellationToken);
                }

                appPassword.LastUsed = time.GetUtcNow();
                if (appCheck == PasswordCheck.ValidRehashNeeded)
                {
                    appPassword.PasswordHash = hashing.Hash(password);
                }

                await db.SaveChangesAsync(cancellationToken);
                cache.Add(cacheKey, new CachedCredential(user.Id, user.CredentialsVersion, appPassword.Id));
                return new SignInResult(SignInStatus.Success, new SignedInUser(user.Id, user.Name, user.DisplayName, user.QuotaBytes, appPassword.Id));
            }
        }

        var outcome = await directory.SignInAsync(userName, password, cancellationToken);
        switch (outcome.Status)
        {
            case Identity.Ldap.DirectorySignInStatus.Unavailable:
                return new SignInResult(SignInStatus.Unavailable);
            case Identity.Ldap.DirectorySignInStatus.Success:
                break;
            default:
                return await FailAsync(userName, address, cancellationToken);
        }

        var signedIn = await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == outcome.UserId, cancellationToken);
        if (hadFailures)
        {
            await throttle.RecordSuccessAsync(userName, address, cancellationToken);
        }

        cache.Add(cacheKey, new CachedCredential(signedIn.Id, signedIn.CredentialsVersion, null, FromDirectory: true));
        return new SignInResult(
            SignInStatus.Success, new SignedInUser(signedIn.Id, signedIn.Name, signedIn.DisplayName, signedIn.QuotaBytes, null), FromDirectory: true);
    }

    private async Task<SignInResult> FailAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        await throttle.RecordFailureAsync(userName, address, cancellationToken);
        Log.Failed(logger);
        return new SignInResult(SignInStatus.Failed);
    }

    private static partial class Log
    {
        // Neither the user name nor the address is logged: a mistyped password is often typed into the name field.
        [LoggerMessage(2200, LogLevel.Information, "Sign-in failed")]
        public static partial void Failed(ILogger logger);

        [LoggerMessage(2201, LogLevel.Warning, "Sign-in refused: too many failures for this user or address")]
        public static partial void Throttled(ILogger logger);
    }
}

/// <summary>A remembered user's row as it is now, and the sign-in failures counted against this user name and address.</summary>
internal sealed record UserState(string Name, string? DisplayName, long? QuotaBytes, bool Disabled, int CredentialsVersion, int UserFailures, int AddressFailures);

internal readonly record struct CachedCredential(long UserId, int CredentialsVersion, long? AppPasswordId, bool FromDirectory = false);

/// <summary>Verified credentials, keyed by HMAC-SHA256(process key, name ∖0 password). Bounded; entries expire.</summary>
internal sealed class CredentialCache(TimeProvider time, UsersOptions options, RandomNumberGenerator random)
{
    private const int MaxEntries = 10_000;

    private readonly byte[] _key = CreateKey(random);
    private readonly ConcurrentDictionary<string, (CachedCredential Credential, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public string KeyFor(string userName, string password)
    {
        var input = Encoding.UTF8.GetBytes(User.Normalize(userName) + "\0" + password);
        try
        {
            return Convert.ToBase64String(HMACSHA256.HashData(_key, input));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    public bool TryGet(string key, out CachedCredential credential)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > time.GetUtcNow())
        {
            credential = entry.Credential;
            return true;
        }

        credential = default;
        return false;
    }

    public void Add(string key, CachedCredential credential)
    {
        if (options.CredentialCacheSeconds == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_entries.Count >= MaxEntries)
        {
            foreach (var (k, v) in _entries)
            {
                if (v.Expires <= now)
                {
                    _entries.TryRemove(k, out _);
                }
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
        }

        _entries[key] = (credential, now.AddSeconds(options.CredentialCacheSeconds));
    }

    public void Remove(string key) => _entries.TryRemove(key, out _);

    private static byte[] CreateKey(RandomNumberGenerator random)
    {
        var key = new byte[32];
        random.GetBytes(key);
        return key;
    }
}
