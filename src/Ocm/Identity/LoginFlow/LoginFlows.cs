using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Identity.LoginFlow;

/// <summary>A flow as the approval page shows it.</summary>
internal sealed record LoginFlowRequest(long Id, string ClientName, DateTimeOffset Expires);

/// <summary>What the client receives once, when it polls an approved flow.</summary>
internal sealed record LoginFlowCredentials(string LoginName, string AppPassword);

internal enum LoginFlowStart
{
    Started,
    TooManyPending,
}

/// <summary>
/// The rules of Nextcloud's Login Flow v2 (Nextcloud developer manual, "Login Flow", section "Login flow v2"), shared by
/// the client endpoints and the approval page: a flow is started anonymously, approved by a signed-in user in the
/// browser, and collected exactly once by the client, which then receives a new app password named after the
/// client. Every step is one conditional statement on the flow's row, so two nodes (or two polls) cannot both
/// approve or both collect it.
/// </summary>
internal sealed partial class LoginFlows(
    OcmDb db,
    UserAccounts accounts,
    LoginFlowOptions options,
    DatabaseWriteGate writeGate,
    RandomNumberGenerator random,
    TimeProvider time,
    ILogger<LoginFlows> logger)
{
    /// <summary>The longest client name kept (an app password's label has at most 100 characters).</summary>
    public const int MaxClientNameLength = 100;

    /// <summary>Starts a flow for <paramref name="clientName"/>; returns the poll token and the login token, each shown only now.</summary>
    public async Task<(LoginFlowStart Result, string PollToken, string LoginToken)> StartAsync(
        string? clientName, IPAddress? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var from = AddressKey(address);
        using (await writeGate.EnterAsync(cancellationToken))
        {
            // Expired flows go when new ones come; a waiting client polls at most until then.
            await db.Set<PendingLoginFlow>().Where(f => f.Expires <= now).ExecuteDeleteAsync(cancellationToken);
        }

        var pending = await db.Set<PendingLoginFlow>().CountAsync(f => f.StartedFrom == from, cancellationToken);
        if (pending >= options.MaxPendingPerAddress)
        {
            Log.TooManyPending(logger);
            return (LoginFlowStart.TooManyPending, "", "");
        }

        var pollToken = NewToken();
        var loginToken = NewToken();
        var flow = new PendingLoginFlow
        {
            PollTokenHash = Digest(pollToken),
            LoginTokenHash = Digest(loginToken),
            ClientName = CleanClientName(clientName),
            StartedFrom = from,
            Created = now,
            Expires = now.AddMinutes(options.ExpiryMinutes),
        };
        db.Add(flow);
        using (await writeGate.EnterAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        Log.Started(logger, flow.Id);
        return (LoginFlowStart.Started, pollToken, loginToken);
    }

    /// <summary>The flow behind a browser link, if it still waits for approval.</summary>
    public async Task<LoginFlowRequest?> FindWaitingAsync(string loginToken, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(loginToken))
        {
            return null;
        }

        var hash = Digest(loginToken);
        var now = time.GetUtcNow();
        return await db.Set<PendingLoginFlow>().AsNoTracking()
            .Where(f => f.LoginTokenHash == hash && f.Expires > now && f.ApprovedByUserId == null)
            .Select(f => new LoginFlowRequest(f.Id, f.ClientName, f.Expires))
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Approves a waiting flow for <paramref name="userId"/>; false when it expired, is unknown or was already decided.</summary>
    public async Task<bool> ApproveAsync(string loginToken, long userId, bool withMfa, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(loginToken))
        {
            return false;
        }

        var hash = Digest(loginToken);
        var now = time.GetUtcNow();
        int changed;
        using (await writeGate.EnterAsync(cancellationToken))
        {
            changed = await db.Set<PendingLoginFlow>()
                .Where(f => f.LoginTokenHash == hash && f.Expires > now && f.ApprovedByUserId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.ApprovedByUserId, userId).SetProperty(f => f.ApprovedWithMfa, withMfa), cancellationToken);
        }

        if (changed == 1)
        {
            Log.Approved(logger, userId);
        }

        return changed == 1;
    }

    /// <summary>The user refused the client: the flow ends, the client's polls keep answering "not found".</summary>
    public async Task<bool> DenyAsync(string loginToken, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(loginToken))
        {
            return false;
        }

        var hash = Digest(loginToken);
        using (await writeGate.EnterAsync(cancellationToken))
        {
            return await db.Set<PendingLoginFlow>().Where(f => f.LoginTokenHash == hash && f.ApprovedByUserId == null).ExecuteDeleteAsync(cancellationToken) == 1;
        }
    }

    /// <summary>
    /// The credentials of an approved, unexpired flow, exactly once: the row is deleted first, and only the poll that
    /// deleted it creates the app password. Null while the flow waits, and for unknown, expired or collected tokens.
    /// </summary>
    public async Task<LoginFlowCredentials?> CollectAsync(string pollToken, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(pollToken))
        {
            return null;
        }

        var hash = Digest(pollToken);
        var now = time.GetUtcNow();
        var flow = await db.Set<PendingLoginFlow>().AsNoTracking()
            .Where(f => f.PollTokenHash == hash && f.Expires > now && f.ApprovedByUserId != null)
            .Select(f => new { f.Id, f.ClientName, UserId = f.ApprovedByUserId!.Value, f.ApprovedWithMfa })
            .FirstOrDefaultAsync(cancellationToken);
        if (flow is null)
        {
            return null;
        }

        using (await writeGate.EnterAsync(cancellationToken))
        {
            if (await db.Set<PendingLoginFlow>().Where(f => f.Id == flow.Id).ExecuteDeleteAsync(cancellationToken) != 1)
            {
                return null;
            }
        }

        var user = await db.Set<User>().AsNoTracking().Where(u => u.Id == flow.UserId && !u.Disabled).Select(u => u.Name).FirstOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return null;
        }

        // Approved from a two-factor session: the client's app password counts as one (Identity/Mfa/MfaShareAccess.cs).
        var (entry, password) = await accounts.AddAppPasswordAsync(user, flow.ClientName, flow.ApprovedWithMfa, cancellationToken);
        Log.Collected(logger, flow.UserId, entry.Id);
        return new LoginFlowCredentials(user, password);
    }

    /// <summary>The client's User-Agent as a readable name: control characters removed, shortened, "Sync client" when absent.</summary>
    public static string CleanClientName(string? clientName)
    {
        var cleaned = new string((clientName ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (cleaned.Length == 0)
        {
            return "Sync client";
        }

        return cleaned.Length <= MaxClientNameLength ? cleaned : cleaned[..(MaxClientNameLength - 1)] + "…";
    }

    /// <summary>Tokens are 64 characters of base64url (384 random bits); anything else is not looked up.</summary>
    private static bool IsWellFormed(string token) =>
        token.Length == 64 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private string NewToken()
    {
        var bytes = new byte[48];
        random.GetBytes(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    private static string Digest(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    /// <summary>An IPv6 client controls its whole /64, so it counts as one address (as <see cref="LoginThrottle"/> does).</summary>
    private static string AddressKey(IPAddress? address) => address is null ? "unknown" : LoginThrottle.ClientAddress(address);

    private static partial class Log
    {
        [LoggerMessage(2850, LogLevel.Information, "Login flow {FlowId} started")]
        public static partial void Started(ILogger logger, long flowId);

        [LoggerMessage(2851, LogLevel.Information, "Login flow approved by user {UserId}")]
        public static partial void Approved(ILogger logger, long userId);

        [LoggerMessage(2852, LogLevel.Information, "Login flow collected: app password {AppPasswordId} created for user {UserId}")]
        public static partial void Collected(ILogger logger, long userId, long appPasswordId);

        [LoggerMessage(2853, LogLevel.Warning, "Login flow refused: too many pending flows from one address")]
        public static partial void TooManyPending(ILogger logger);
    }
}
