using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using Ocm.Contacts;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Invites;
using Ocm.Protocol.Json;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.Invites;

/// <summary>
/// The result of accepting an invite: the new contact, or a status with a title and a sentence a user understands
/// (never a bare status code: oCIS users reported invite failures that showed no readable error).
/// </summary>
internal sealed record InviteAcceptOutcome(int Status, string Title, string Detail, Contact? Contact = null)
{
    [MemberNotNullWhen(true, nameof(Contact))]
    public bool Succeeded => Contact is not null;

    public static InviteAcceptOutcome Failed(int status, string title, string detail) => new(status, title, detail);
}

/// <summary>What the user gave us: an Invite String, a WAYF link, or a token with the inviter's server.</summary>
internal static class InviteInput
{
    /// <summary>
    /// Reads <paramref name="invite"/> (an Invite String in any base64 form, or a link with <c>?token=</c>, whose host
    /// is the inviter's server unless it names <c>providerDomain</c>), or else <paramref name="token"/> with
    /// <paramref name="providerDomain"/>.
    /// </summary>
    public static bool TryRead(
        string? invite,
        string? token,
        string? providerDomain,
        [NotNullWhen(true)] out string? inviteToken,
        [NotNullWhen(true)] out string? inviterServer,
        [NotNullWhen(false)] out string? error)
    {
        inviteToken = null;
        inviterServer = null;
        if (!string.IsNullOrWhiteSpace(invite))
        {
            var text = invite.Trim();
            if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var link))
                {
                    error = "The invite link is not a valid URL.";
                    return false;
                }

                var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(link.Query);
                token = query.TryGetValue("token", out var t) ? t.ToString() : null;
                providerDomain = query.TryGetValue("providerDomain", out var p) && !StringValues.IsNullOrEmpty(p) ? p.ToString() : link.Authority;
                if (string.IsNullOrEmpty(token))
                {
                    error = "The invite link has no token.";
                    return false;
                }
            }
            else if (InviteString.TryParse(text, out var parsed, out var parseError))
            {
                inviteToken = parsed.Token;
                inviterServer = parsed.ProviderDomain;
                return CheckLength(inviteToken, out error);
            }
            else
            {
                error = $"This is not an invite string ({parseError}).";
                return false;
            }
        }

        if (string.IsNullOrWhiteSpace(token) || string.IsNullOrWhiteSpace(providerDomain))
        {
            error = "Give the invite string (\"invite\"), or the token with the inviter's server (\"token\" and \"providerDomain\").";
            return false;
        }

        if (!OcmAddress.TryNormalizeAuthority(providerDomain.Trim(), out var domain, out var domainError))
        {
            error = $"'{providerDomain}' is not a server name ({domainError}).";
            return false;
        }

        inviteToken = token.Trim();
        inviterServer = domain;
        return CheckLength(inviteToken, out error);
    }

    private static bool CheckLength(string token, [NotNullWhen(false)] out string? error)
    {
        error = token.Length is > 0 and <= InviteTokens.MaxLength ? null : "The invite token is empty or too long.";
        return error is null;
    }
}

/// <summary>
/// Accepts an invite for a local user (the Invite Receiver's server, OCM §Invite Flow › Steps): applies our
/// trust policy to the inviter's server, discovers it, sends the signed <c>POST {endPoint}/invite-accepted</c>
/// (<c>userID</c> and, for Nextcloud, <c>userId</c>), and on 200 adds the inviter to the user's contacts. The peer's
/// 400/403/409 become sentences a user understands.
/// </summary>
internal sealed partial class InviteAcceptor(
    OcmDb db,
    ContactBook contacts,
    PeerClient peers,
    TrustPolicy trust,
    OcmServerInfo server,
    ILogger<InviteAcceptor> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Accepts the invite the user gave (<see cref="InviteInput.TryRead"/>: an invite string or link, or a token with the
    /// inviter's server); input that is no invite is a 400 outcome "Invalid invite" saying why.
    /// </summary>
    public Task<InviteAcceptOutcome> AcceptAsync(long userId, string? invite, string? token, string? providerDomain, CancellationToken cancellationToken) =>
        InviteInput.TryRead(invite, token, providerDomain, out var inviteToken, out var inviterServer, out var error)
            ? AcceptAsync(userId, inviteToken, inviterServer, cancellationToken)
            : Task.FromResult(InviteAcceptOutcome.Failed(400, "Invalid invite", error));

    public async Task<InviteAcceptOutcome> AcceptAsync(long userId, string token, string inviterServer, CancellationToken cancellationToken)
    {
        if (OcmAddress.Create("x", inviterServer).IsAt(server.Authority))
        {
            return InviteAcceptOutcome.Failed(400, "Invite from this server",
                "This invite was created on this server. Invites connect users of different servers; pass it to someone with an account elsewhere.");
        }

        var policy = trust.EvaluatePeer(inviterServer);
        if (!policy.Allowed)
        {
            Log.RefusedByPolicy(logger, inviterServer, policy.Reason!);
            return InviteAcceptOutcome.Failed(403, "Server not allowed", $"This server does not federate with {inviterServer}: {policy.Reason}");
        }

        var user = await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new InvalidOperationException("The signed-in user no longer exists.");

        DiscoveredServer inviter;
        try
        {
            inviter = await peers.DiscoverAsync(inviterServer, cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            return InviteAcceptOutcome.Failed(502, "Inviting server unreachable", $"The server {inviterServer} could not be reached as an OCM server: {ex.Message}");
        }

        if (inviter.Document.GetEndPointUri() is not { } endPoint)
        {
            return InviteAcceptOutcome.Failed(502, "Inviting server unusable", $"The server {inviterServer} advertises no usable OCM endPoint.");
        }

        var acceptance = new AcceptedInvite
        {
            RecipientProvider = server.Authority,
            Token = token,
            UserId = user.Name,
            Email = user.Email ?? "",
            Name = user.DisplayName ?? user.Name,
        };

        var url = new Uri(endPoint, "invite-accepted");
        int status;
        byte[] body;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new ByteArrayContent(OcmJson.Write(acceptance, alsoWriteLegacyUserId: true)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var response = await peers.SendAsync(inviter, request, RequestTimeout, cancellationToken);
            if (response.TooLarge is { } limit)
            {
                return InviteAcceptOutcome.Failed(502, "Unreadable answer",
                    $"The server {inviterServer} answered with more than {limit} bytes; the answer was cut off unread. Whether the invite was accepted there is unknown.");
            }

            status = response.Status;
            body = response.Body;
        }
        catch (PeerCallException ex) when (ex.Failure == PeerFailure.Timeout)
        {
            return InviteAcceptOutcome.Failed(504, "No answer", $"The server {inviterServer} did not answer within {RequestTimeout.TotalSeconds} s. Try again later.");
        }
        catch (PeerCallException ex) when (ex.Failure == PeerFailure.CircuitOpen)
        {
            return InviteAcceptOutcome.Failed(503, "Try again later", $"The server {inviterServer} is not answering; the next attempt is possible at {ex.RetryAt:u}.");
        }
        catch (PeerCallException ex)
        {
            return InviteAcceptOutcome.Failed(502, "Inviting server unreachable", $"The invite could not be sent to {inviterServer}: {ex.Detail}");
        }

        Log.Answered(logger, inviterServer, status);
        if (status != 200)
        {
            return Explain(status, inviterServer, PeerResponse.MessageIn(body));
        }

        AcceptedInviteResponse answer;
        try
        {
            answer = OcmJson.ReadInviteAcceptedResponse(body);
        }
        catch (Exception ex) when (ex is OcmFormatException or FormatException)
        {
            return InviteAcceptOutcome.Failed(502, "Unreadable answer",
                $"The server {inviterServer} accepted the invite but its answer could not be read, so the contact could not be added.");
        }

        // oCIS/OpenCloud answer with id@host: keep the bare id when it names the inviter's server.
        var remoteId = OcmAddress.TryParse(answer.UserId, out var qualified) && qualified.IsAt(inviter.Authority)
            ? qualified.Identifier
            : answer.UserId;
        OcmAddress inviterAddress;
        try
        {
            inviterAddress = OcmAddress.Create(remoteId, inviter.Authority);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return InviteAcceptOutcome.Failed(502, "Unreadable answer", $"The server {inviterServer} answered with an unusable user id.");
        }

        Contact contact;
        try
        {
            contact = await contacts.UpsertAsync(userId, inviterAddress, answer.Name, answer.Email, ContactSource.Invite, cancellationToken);
        }
        catch (ArgumentException)
        {
            return InviteAcceptOutcome.Failed(502, "Unreadable answer", $"The server {inviterServer} answered with a user id too long to store.");
        }

        await db.SaveChangesAsync(cancellationToken);
        Log.Accepted(logger, user.Name, inviter.Authority);
        return new InviteAcceptOutcome(200, "Invite accepted", $"You and {contact.Name} ({contact.Address}) are now contacts.", contact);
    }

    /// <summary>The peer's refusal in words (the status codes of OCM §Invite Flow › Invite Acceptance Response Details; Nextcloud answers 403 for unknown tokens, reva 404).</summary>
    private static InviteAcceptOutcome Explain(int status, string inviterServer, string? peerMessage)
    {
        var said = peerMessage is null ? "" : $" (the server said: \"{peerMessage}\")";
        return status switch
        {
            400 or 404 => InviteAcceptOutcome.Failed(400, "Invite not valid",
                $"The invite has expired or is unknown to {inviterServer}{said}. Ask for a new invite."),
            409 => InviteAcceptOutcome.Failed(409, "Invite already used",
                $"This invite was already used{said}. An invite can be accepted only once; ask for a new one."),
            403 => InviteAcceptOutcome.Failed(403, "Not trusted",
                $"The other server ({inviterServer}) does not trust this server and refused the invite{said}."),
            401 => InviteAcceptOutcome.Failed(502, "Signature rejected",
                $"The other server ({inviterServer}) could not verify this server's request signature{said}."),
            429 or 503 => InviteAcceptOutcome.Failed(503, "Try again later", $"The other server ({inviterServer}) is busy{said}. Try again later."),
            _ => InviteAcceptOutcome.Failed(502, "Invite not accepted", $"The other server ({inviterServer}) answered {status}{said}."),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(1520, LogLevel.Warning, "Not accepting an invite from {Server}: {Reason}")]
        public static partial void RefusedByPolicy(ILogger logger, string server, string reason);

        [LoggerMessage(1521, LogLevel.Information, "Invite acceptance sent to {Server}: answered {Status}")]
        public static partial void Answered(ILogger logger, string server, int status);

        [LoggerMessage(1522, LogLevel.Information, "User {UserName} accepted an invite from {Server}")]
        public static partial void Accepted(ILogger logger, string userName, string server);
    }
}
