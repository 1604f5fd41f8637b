using Microsoft.EntityFrameworkCore;
using Ocm.Contacts;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Invites;
using Ocm.Protocol.Json;
using Ocm.Protocol.Validation;
using Ocm.Signatures;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.Invites;

/// <summary>
/// <c>POST /ocm/invite-accepted</c> (OCM §Invite Flow › Invite Acceptance Request Details and Response Details), the Invite Sender's side: the signature is verified
/// by <see cref="OcmRequestAuthentication"/> (required when <c>Ocm:Security:RequireSignatures</c>), then the trust
/// policy, then the token. 200 <c>{userID, email, name}</c>; 400 unknown or expired token; 403 server not trusted;
/// 409 already accepted. On success the invitee joins the inviter's contacts.
/// </summary>
internal static partial class InviteAcceptedEndpoint
{
    public const string Name = "invite-accepted";

    public static IEndpointRouteBuilder MapInviteAccepted(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ocm/invite-accepted", HandleAsync).RequireOcmAuthentication().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        OcmDb db,
        TrustPolicy trust,
        ContactBook contacts,
        InviteRegistry registry,
        OcmServerInfo server,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Ocm.Invites.InviteAccepted");
        var request = context.GetOcmRequest();
        var read = OcmJson.ValidateInviteAccepted(request.Body);
        if (!read.IsValid)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, read.Error);
        }

        var acceptance = read.Value;
        var recipientServer = acceptance.RecipientProvider;
        if (!request.IsConsistentWith(recipientServer))
        {
            return trust.Refuse(Name, request.SignerHost!,
                $"The request is signed by {request.SignerHost} but claims to come from {recipientServer}.");
        }

        foreach (var host in new[] { request.SignerHost, recipientServer }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var decision = trust.EvaluatePeer(host);
            if (!decision.Allowed)
            {
                return trust.Refuse(Name, host, decision.Reason!);
            }
        }

        if (OcmAddress.Create("x", recipientServer).IsAt(server.Authority))
        {
            return InvalidToken("An invite cannot be accepted by a user of the server that created it.", ValidationMessages.InvalidValue, "recipientProvider");
        }

        var invite = await registry.FindAsync(acceptance.Token, cancellationToken);
        if (invite is null)
        {
            Log.Rejected(logger, recipientServer, "unknown token");
            return InvalidToken("The invite token is unknown.", ValidationMessages.InvalidValue);
        }

        switch (registry.StateOf(invite))
        {
            case InviteState.Accepted:
                Log.Rejected(logger, recipientServer, "already accepted");
                return OcmApi.Error(StatusCodes.Status409Conflict, "The invite was already accepted.");
            case InviteState.Expired:
                Log.Rejected(logger, recipientServer, "expired");
                return InvalidToken("The invite has expired.", ValidationMessages.Expired);
        }

        var inviter = await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == invite.UserId, cancellationToken);
        if (inviter is null || inviter.Disabled)
        {
            return InvalidToken("The invite token is unknown.", ValidationMessages.InvalidValue);
        }

        OcmAddress invitee;
        try
        {
            invitee = OcmAddress.Create(acceptance.UserId, recipientServer);
        }
        catch (FormatException)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, ValidationMessages.InvalidParameters,
                [new OcmValidationError("userID", ValidationMessages.InvalidValue)]);
        }

        if (invitee.Identifier.Length > ContactConfiguration.Limits.RemoteUserId)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, ValidationMessages.InvalidParameters,
                [new OcmValidationError("userID", ValidationMessages.InvalidValue)]);
        }

        // Single use (409 "already accepted", OCM §Invite Flow › Invite Acceptance Response Details): only one acceptance can move the invite from open to accepted, even when two race.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            var claimed = await db.Set<Invite>()
                .Where(i => i.Id == invite.Id && i.Accepted == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Accepted, now).SetProperty(i => i.AcceptedBy, invitee.ToString()), cancellationToken);
            if (claimed == 0)
            {
                return OcmApi.Error(StatusCodes.Status409Conflict, "The invite was already accepted.");
            }

            await contacts.UpsertAsync(inviter.Id, invitee, acceptance.Name, acceptance.Email, ContactSource.Invite, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        Log.Accepted(logger, invite.Id, recipientServer, request.Scheme?.Name() ?? "unsigned");
        return new OcmApi.JsonBytesResult(StatusCodes.Status200OK, OcmJson.Write(new AcceptedInviteResponse
        {
            UserId = inviter.Name,
            Email = inviter.Email ?? "",
            Name = inviter.DisplayName ?? inviter.Name,
        }));
    }

    private static IResult InvalidToken(string message, string reason, string field = "token") =>
        OcmApi.Error(StatusCodes.Status400BadRequest, message, [new OcmValidationError(field, reason)]);

    private static partial class Log
    {
        [LoggerMessage(1510, LogLevel.Information, "Invite {InviteId} accepted by a user of {Server} ({Scheme})")]
        public static partial void Accepted(ILogger logger, long inviteId, string server, string scheme);

        [LoggerMessage(1511, LogLevel.Information, "Invite acceptance from {Server} rejected: {Reason}")]
        public static partial void Rejected(ILogger logger, string server, string reason);
    }
}
