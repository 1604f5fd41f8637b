using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.Identity.Mfa;

/// <summary>How a second-factor code was taken.</summary>
internal enum SecondFactorCheck
{
    /// <summary>A current TOTP code, not used before.</summary>
    Totp,

    /// <summary>An unused recovery code, now used up.</summary>
    RecoveryCode,

    /// <summary>The right code of a step whose code was already accepted once.</summary>
    Reused,

    Invalid,
}

/// <summary>A user's second factor as the account page shows it.</summary>
internal sealed record MfaStatus(bool Enrolled, bool Required, int RecoveryCodesLeft, string? PendingSecret);

/// <summary>
/// TOTP enrolment and verification, shared by the sign-in page, the account page and <c>ocm mfa</c>. The secret is
/// sealed with the deployment secret (as the signing keys are), so a database dump alone cannot compute codes; all
/// state is in the database, so every node verifies alike and a code accepted on one node is refused on the others.
/// </summary>
internal sealed partial class TwoFactor(
    OcmDb db,
    DeploymentSecret secret,
    IEnumerable<IMfaRequirementSource> requirements,
    MfaOptions options,
    DatabaseWriteGate writeGate,
    RandomNumberGenerator random,
    TimeProvider time,
    ILogger<TwoFactor> logger)
{
    private const string SealPurpose = "totp-secrets";
    private const string RecoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public async Task<bool> IsRequiredAsync(long userId, CancellationToken cancellationToken)
    {
        foreach (var source in requirements)
        {
            if (await source.RequiresAsync(userId, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The user's login name (the throttle counts failures under it).</summary>
    public Task<string> UserNameAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<Users.User>().Where(u => u.Id == userId).Select(u => u.Name).SingleAsync(cancellationToken);

    public Task<bool> IsEnrolledAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<TotpAuthenticator>().AnyAsync(t => t.UserId == userId && t.Confirmed, cancellationToken);

    public async Task<MfaStatus> StatusAsync(long userId, CancellationToken cancellationToken)
    {
        var authenticator = await db.Set<TotpAuthenticator>().AsNoTracking().FirstOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        var left = await db.Set<MfaRecoveryCode>().CountAsync(c => c.UserId == userId && c.Used == null, cancellationToken);
        var pending = authenticator is { Confirmed: false } ? Totp.ToBase32(Open(authenticator)) : null;
        return new MfaStatus(authenticator?.Confirmed == true, await IsRequiredAsync(userId, cancellationToken), left, pending);
    }

    /// <summary>Creates a new, unconfirmed secret (replacing an earlier unconfirmed one) and returns it in Base32; null when TOTP is already on.</summary>
    public async Task<string?> BeginEnrolmentAsync(long userId, CancellationToken cancellationToken)
    {
        var key = new byte[20]; // 160 bits, the length RFC 4226 §4 recommends
        random.GetBytes(key);
        var existing = await db.Set<TotpAuthenticator>().FirstOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        if (existing is { Confirmed: true })
        {
            return null;
        }

        var sealedSecret = secret.Seal(SealPurpose, Context(userId), key);
        if (existing is null)
        {
            db.Add(new TotpAuthenticator { UserId = userId, SealedSecret = sealedSecret, Created = time.GetUtcNow() });
        }
        else
        {
            existing.SealedSecret = sealedSecret;
            existing.Created = time.GetUtcNow();
            existing.LastUsedStep = 0;
        }

        using (await writeGate.EnterAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return Totp.ToBase32(key);
    }

    /// <summary>
    /// Turns TOTP on when <paramref name="code"/> is right for the unconfirmed secret; returns the new recovery codes
    /// (shown once, kept only as digests), or null for a wrong code.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ConfirmEnrolmentAsync(long userId, string code, CancellationToken cancellationToken)
    {
        var authenticator = await db.Set<TotpAuthenticator>().FirstOrDefaultAsync(t => t.UserId == userId && !t.Confirmed, cancellationToken);
        if (authenticator is null || Totp.MatchingStep(Open(authenticator), Normalize(code), time.GetUtcNow()) is not long step)
        {
            return null;
        }

        authenticator.Confirmed = true;
        authenticator.LastUsedStep = step;
        var codes = await ReplaceRecoveryCodesAsync(userId, cancellationToken);
        Log.Enrolled(logger, userId);
        return codes;
    }

    /// <summary>Checks a TOTP code (or, if it has the shape of one, a recovery code) and uses it up.</summary>
    public async Task<SecondFactorCheck> VerifyAsync(long userId, string input, CancellationToken cancellationToken)
    {
        var code = Normalize(input);
        if (code.Length == Totp.Digits)
        {
            var authenticator = await db.Set<TotpAuthenticator>().AsNoTracking().FirstOrDefaultAsync(t => t.UserId == userId && t.Confirmed, cancellationToken);
            if (authenticator is null || Totp.MatchingStep(Open(authenticator), code, time.GetUtcNow()) is not long step)
            {
                return SecondFactorCheck.Invalid;
            }

            int changed;
            using (await writeGate.EnterAsync(cancellationToken))
            {
                changed = await db.Set<TotpAuthenticator>()
                    .Where(t => t.UserId == userId && t.Confirmed && t.LastUsedStep < step)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedStep, step), cancellationToken);
            }

            return changed == 1 ? SecondFactorCheck.Totp : SecondFactorCheck.Reused;
        }

        var hash = RecoveryHash(userId, code);
        var now = time.GetUtcNow();
        using (await writeGate.EnterAsync(cancellationToken))
        {
            var used = await db.Set<MfaRecoveryCode>()
                .Where(c => c.UserId == userId && c.CodeHash == hash && c.Used == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Used, now), cancellationToken);
            if (used == 1)
            {
                Log.RecoveryCodeUsed(logger, userId);
                return SecondFactorCheck.RecoveryCode;
            }
        }

        return SecondFactorCheck.Invalid;
    }

    /// <summary>New recovery codes, replacing every earlier one.</summary>
    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(long userId, CancellationToken cancellationToken) =>
        await ReplaceRecoveryCodesAsync(userId, cancellationToken);

    /// <summary>Turns TOTP off and deletes the recovery codes (the user, or an admin for a lost phone).</summary>
    public async Task<bool> DisableAsync(long userId, CancellationToken cancellationToken)
    {
        using (await writeGate.EnterAsync(cancellationToken))
        {
            var removed = await db.Set<TotpAuthenticator>().Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.Set<MfaRecoveryCode>().Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            if (removed > 0)
            {
                Log.Disabled(logger, userId);
            }

            return removed > 0;
        }
    }

    /// <summary>Requires (or stops requiring) a second factor of one user.</summary>
    public async Task SetRequiredAsync(long userId, bool required, CancellationToken cancellationToken)
    {
        using (await writeGate.EnterAsync(cancellationToken))
        {
            await db.Set<MfaRequiredUser>().Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            if (required)
            {
                db.Add(new MfaRequiredUser { UserId = userId, Since = time.GetUtcNow() });
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }

    /// <summary>Requires (or stops requiring) a second factor of every member of a group; false when there is no such group.</summary>
    public async Task<bool> SetGroupRequiredAsync(string groupName, bool required, CancellationToken cancellationToken)
    {
        var normalized = Groups.Group.Normalize(groupName);
        var groupId = await db.Set<Groups.Group>().Where(g => g.NormalizedName == normalized).Select(g => (long?)g.Id).FirstOrDefaultAsync(cancellationToken);
        if (groupId is null)
        {
            return false;
        }

        using (await writeGate.EnterAsync(cancellationToken))
        {
            await db.Set<MfaRequiredGroup>().Where(r => r.GroupId == groupId).ExecuteDeleteAsync(cancellationToken);
            if (required)
            {
                db.Add(new MfaRequiredGroup { GroupId = groupId.Value, Since = time.GetUtcNow() });
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        Log.GroupRequirementChanged(logger, groupId.Value, required);
        return true;
    }

    /// <summary>The otpauth:// URI authenticator apps read from the QR code (Google Authenticator's Key Uri Format).</summary>
    public string EnrolmentUri(string issuerFallback, string account, string base32Secret)
    {
        var issuer = string.IsNullOrWhiteSpace(options.Issuer) ? issuerFallback.Replace(":", "", StringComparison.Ordinal) : options.Issuer;
        return $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={base32Secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Totp.Digits}&period={Totp.StepSeconds}";
    }

    private async Task<IReadOnlyList<string>> ReplaceRecoveryCodesAsync(long userId, CancellationToken cancellationToken)
    {
        var codes = Enumerable.Range(0, options.RecoveryCodes).Select(_ => NewRecoveryCode()).ToList();
        using (await writeGate.EnterAsync(cancellationToken))
        {
            await db.Set<MfaRecoveryCode>().Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            db.AddRange(codes.Select(c => new MfaRecoveryCode { UserId = userId, CodeHash = RecoveryHash(userId, Normalize(c)) }));
            await db.SaveChangesAsync(cancellationToken);
        }

        return codes;
    }

    private byte[] Open(TotpAuthenticator authenticator) => secret.Open(SealPurpose, Context(authenticator.UserId), authenticator.SealedSecret);

    private static string Context(long userId) => "user:" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Spaces and dashes as people type them away, letters lower-cased.</summary>
    private static string Normalize(string input) =>
        new string(input.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).ToLowerInvariant();

    private string NewRecoveryCode()
    {
        // Ten characters of a 32-letter alphabet (50 bits), shown as xxxxx-xxxxx.
        var bytes = new byte[10];
        random.GetBytes(bytes);
        var chars = bytes.Select(b => RecoveryAlphabet[b & 31]).ToArray();
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }

    private static string RecoveryHash(long userId, string normalizedCode) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("ocm-recovery-code\0" + Context(userId) + "\0" + normalizedCode)));

    private static partial class Log
    {
        [LoggerMessage(2854, LogLevel.Information, "Two-factor (TOTP) turned on for user {UserId}")]
        public static partial void Enrolled(ILogger logger, long userId);

        [LoggerMessage(2855, LogLevel.Information, "Two-factor (TOTP) turned off for user {UserId}")]
        public static partial void Disabled(ILogger logger, long userId);

        [LoggerMessage(2856, LogLevel.Warning, "User {UserId} signed in with a recovery code")]
        public static partial void RecoveryCodeUsed(ILogger logger, long userId);

        [LoggerMessage(2840, LogLevel.Information, "Two-factor requirement of the members of group {GroupId} set to {Required}")]
        public static partial void GroupRequirementChanged(ILogger logger, long groupId, bool required);
    }
}
