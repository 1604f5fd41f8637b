using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;

namespace Ocm.Users;

/// <summary>What an operator can do to accounts: the <c>ocm user …</c> commands and the first-start admin use this.</summary>
internal sealed partial class UserAccounts(
    OcmDb db,
    PasswordHashing hashing,
    RandomNumberGenerator random,
    FileTree files,
    IFileStore store,
    TimeProvider time,
    ILogger<UserAccounts> logger)
{
    public const int MinPasswordLength = 8;

    public async Task<User> AddAsync(NewUser request, CancellationToken cancellationToken)
    {
        if (!UserNames.IsValid(request.Name))
        {
            throw new UserAccountException(
                $"'{request.Name}' is not a valid user name: use up to {UserNames.MaxLength} ASCII letters, digits, '_', '.', '@' or '-', starting with a letter, digit or '_'.");
        }

        CheckPassword(request.Password);
        CheckQuota(request.QuotaBytes);
        var normalized = User.Normalize(request.Name);
        if (await db.Set<User>().AnyAsync(u => u.NormalizedName == normalized, cancellationToken))
        {
            throw new UserAccountException($"A user named '{request.Name}' already exists.");
        }

        var user = new User
        {
            Name = request.Name,
            NormalizedName = normalized,
            DisplayName = Blank(request.DisplayName),
            Email = Blank(request.Email),
            PasswordHash = hashing.Hash(request.Password),
            QuotaBytes = request.QuotaBytes,
            IsAdmin = request.IsAdmin,
            Created = time.GetUtcNow(),
        };
        db.Set<User>().Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw new UserAccountException($"A user named '{request.Name}' already exists.");
        }

        await files.EnsureRootAsync(user.Id, cancellationToken);
        Log.Added(logger, user.Id);
        return user;
    }

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.Set<User>().AnyAsync(cancellationToken);

    public Task<List<UserSummary>> ListAsync(CancellationToken cancellationToken) =>
        db.Set<User>().AsNoTracking()
            .OrderBy(u => u.NormalizedName)
            .Select(u => new UserSummary(
                u.Id,
                u.Name,
                u.DisplayName,
                u.Email,
                u.QuotaBytes,
                u.Disabled,
                u.Created,
                u.IsAdmin,
                db.Set<FileNode>().Where(n => n.OwnerId == u.Id && n.ParentId == null).Select(n => (long?)n.Size).FirstOrDefault() ?? 0))
            .ToListAsync(cancellationToken);

    public async Task SetPasswordAsync(string name, string password, CancellationToken cancellationToken)
    {
        CheckPassword(password);
        var user = await FindAsync(name, cancellationToken);
        user.PasswordHash = hashing.Hash(password);
        user.CredentialsVersion++;
        await db.SaveChangesAsync(cancellationToken);
        Log.PasswordChanged(logger, user.Id);
    }

    public async Task SetDisabledAsync(string name, bool disabled, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        user.Disabled = disabled;
        user.CredentialsVersion++;
        await db.SaveChangesAsync(cancellationToken);
        Log.DisabledChanged(logger, user.Id, disabled);
    }

    /// <summary>Grants or takes away the admin pages of the web interface.</summary>
    public async Task SetAdminAsync(string name, bool isAdmin, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        user.IsAdmin = isAdmin;
        await db.SaveChangesAsync(cancellationToken);
        Log.AdminChanged(logger, user.Id, isAdmin);
    }

    public async Task UpdateAsync(string name, string? displayName, string? email, long? quotaBytes, bool clearQuota, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        if (displayName is not null)
        {
            user.DisplayName = Blank(displayName);
        }

        if (email is not null)
        {
            user.Email = Blank(email);
        }

        if (clearQuota)
        {
            user.QuotaBytes = null;
        }
        else if (quotaBytes is not null)
        {
            CheckQuota(quotaBytes);
            user.QuotaBytes = quotaBytes;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Deletes the user, their file tree, properties, locks and app passwords, then their stored file contents.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        await files.DeleteOwnerAsync(user.Id, cancellationToken);
        db.Set<User>().Remove(user);
        await db.SaveChangesAsync(cancellationToken);

        // The rows are gone first: a crash here leaves unreferenced contents, which the startup sweep removes.
        await store.DeleteOwnerAsync(user.Id, cancellationToken);
        Log.Deleted(logger, user.Id);
    }

    /// <summary>Creates an app password and returns it; only its hash is kept.</summary>
    public Task<(AppPassword Entry, string Password)> AddAppPasswordAsync(string name, string label, CancellationToken cancellationToken) =>
        AddAppPasswordAsync(name, label, createdWithMfa: false, cancellationToken);

    /// <summary>Creates an app password, recording whether the session that asked for it passed a second factor.</summary>
    public async Task<(AppPassword Entry, string Password)> AddAppPasswordAsync(string name, string label, bool createdWithMfa, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(label) || label.Length > 100)
        {
            throw new UserAccountException("An app password needs a label of 1 to 100 characters (--label).");
        }

        var user = await FindAsync(name, cancellationToken);
        var password = SecretGenerator.AppPassword(random);
        var entry = new AppPassword
        {
            UserId = user.Id,
            Label = label.Trim(),
            PasswordHash = hashing.Hash(password),
            Created = time.GetUtcNow(),
            CreatedWithMfa = createdWithMfa,
        };
        db.Set<AppPassword>().Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        Log.AppPasswordAdded(logger, user.Id, entry.Id);
        return (entry, password);
    }

    public async Task<List<AppPassword>> ListAppPasswordsAsync(string name, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        return await db.Set<AppPassword>().AsNoTracking().Where(a => a.UserId == user.Id).OrderBy(a => a.Id).ToListAsync(cancellationToken);
    }

    public async Task RevokeAppPasswordAsync(string name, long id, CancellationToken cancellationToken)
    {
        var user = await FindAsync(name, cancellationToken);
        var entry = await db.Set<AppPassword>().FirstOrDefaultAsync(a => a.UserId == user.Id && a.Id == id, cancellationToken)
            ?? throw new UserAccountException($"User '{user.Name}' has no app password with id {id}.");
        db.Set<AppPassword>().Remove(entry);
        user.CredentialsVersion++;
        await db.SaveChangesAsync(cancellationToken);
        Log.AppPasswordRevoked(logger, user.Id, id);
    }

    public string GeneratePassword() => SecretGenerator.Password(random);

    private async Task<User> FindAsync(string name, CancellationToken cancellationToken)
    {
        var normalized = User.Normalize(name);
        return await db.Set<User>().FirstOrDefaultAsync(u => u.NormalizedName == normalized, cancellationToken)
            ?? throw new UserAccountException($"There is no user named '{name}'.");
    }

    private static void CheckPassword(string password)
    {
        if (password.Length < MinPasswordLength)
        {
            throw new UserAccountException($"A password needs at least {MinPasswordLength} characters.");
        }

        if (password.Length > 1024)
        {
            throw new UserAccountException("A password may have at most 1024 characters.");
        }
    }

    private static void CheckQuota(long? quotaBytes)
    {
        if (quotaBytes < 0)
        {
            throw new UserAccountException("A quota cannot be negative.");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static partial class Log
    {
        [LoggerMessage(2210, LogLevel.Information, "User {UserId} created")]
        public static partial void Added(ILogger logger, long userId);

        [LoggerMessage(2211, LogLevel.Information, "Password of user {UserId} changed")]
        public static partial void PasswordChanged(ILogger logger, long userId);

        [LoggerMessage(2212, LogLevel.Information, "User {UserId} disabled: {Disabled}")]
        public static partial void DisabledChanged(ILogger logger, long userId, bool disabled);

        [LoggerMessage(2213, LogLevel.Information, "User {UserId} deleted")]
        public static partial void Deleted(ILogger logger, long userId);

        [LoggerMessage(2214, LogLevel.Information, "App password {AppPasswordId} created for user {UserId}")]
        public static partial void AppPasswordAdded(ILogger logger, long userId, long appPasswordId);

        [LoggerMessage(2215, LogLevel.Information, "App password {AppPasswordId} of user {UserId} revoked")]
        public static partial void AppPasswordRevoked(ILogger logger, long userId, long appPasswordId);

        [LoggerMessage(2216, LogLevel.Information, "User {UserId} admin: {IsAdmin}")]
        public static partial void AdminChanged(ILogger logger, long userId, bool isAdmin);
    }
}

internal sealed record NewUser(
    string Name, string Password, string? DisplayName = null, string? Email = null, long? QuotaBytes = null, bool IsAdmin = false);

internal sealed record UserSummary(
    long Id, string Name, string? DisplayName, string? Email, long? QuotaBytes, bool Disabled, DateTimeOffset Created, bool IsAdmin, long UsedBytes);

/// <summary>An operator mistake (unknown user, bad name, weak password): the message is shown as is.</summary>
internal sealed class UserAccountException(string message) : Exception(message);
