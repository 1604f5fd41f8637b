using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Hosting;
using Ocm.Protocol.Invites;

namespace Ocm.Invites;

internal enum InviteState
{
    Open,
    Accepted,
    Expired,
}

/// <summary>The invites local users create: minting (token shown once), lookup by token, and their public forms.</summary>
internal sealed class InviteRegistry(OcmDb db, RandomNumberGenerator random, TimeProvider time, InvitesOptions options, OcmServerInfo server)
{
    /// <summary>Creates an invite for <paramref name="userId"/>; the token is returned only here.</summary>
    public async Task<(Invite Invite, string Token)> CreateAsync(long userId, string? label, CancellationToken cancellationToken)
    {
        var token = InviteTokens.Create(random);
        var now = time.GetUtcNow();
        var invite = new Invite
        {
            UserId = userId,
            TokenHash = InviteTokens.Hash(token),
            Label = string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
            Created = now,
            Expires = now.AddDays(options.ExpiryDays),
        };
        db.Add(invite);
        await db.SaveChangesAsync(cancellationToken);
        return (invite, token);
    }

    /// <summary>Why <paramref name="label"/> cannot be an invite's label, or null when it can.</summary>
    public static string? LabelProblem(string? label) =>
        label is { Length: > InviteConfiguration.MaxLabelLength } ? $"The label may have at most {InviteConfiguration.MaxLabelLength} characters." : null;

    /// <summary>The invites <paramref name="userId"/> created, newest first (metadata only: tokens are not stored).</summary>
    public Task<List<Invite>> ListAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<Invite>().AsNoTracking().Where(i => i.UserId == userId).OrderByDescending(i => i.Created).ToListAsync(cancellationToken);

    /// <summary>Revokes (deletes) invite <paramref name="id"/> of <paramref name="userId"/>: its token is then unknown. False when there is none.</summary>
    public async Task<bool> RevokeAsync(long userId, long id, CancellationToken cancellationToken) =>
        await db.Set<Invite>().Where(i => i.Id == id && i.UserId == userId).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>The invite minted with <paramref name="token"/>, or null.</summary>
    public Task<Invite?> FindAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > InviteTokens.MaxLength)
        {
            return Task.FromResult<Invite?>(null);
        }

        var hash = InviteTokens.Hash(token);
        return db.Set<Invite>().FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
    }

    public InviteState StateOf(Invite invite) =>
        invite.Accepted is not null ? InviteState.Accepted
        : invite.Expires <= time.GetUtcNow() ? InviteState.Expired
        : InviteState.Open;

    /// <summary>The canonical Invite String: base64url without padding of <c>token@our-host</c> (OCM §Invite Flow › Invite format).</summary>
    public string InviteStringFor(string token) => new InviteString(token, server.Authority).Encode();

    /// <summary>The WAYF link (the link format of OCM §Invite Flow › Invite format): <c>{public-url}/ocm/wayf?token=…</c>.</summary>
    public Uri LinkFor(string token) => new(server.Url(InvitePaths.Wayf) + "?token=" + Uri.EscapeDataString(token));
}

/// <summary>The paths of the invite pages, relative to the public base URL.</summary>
internal static class InvitePaths
{
    public const string Wayf = "ocm/wayf";
    public const string AcceptDialog = "ocm/accept-invite";
}
