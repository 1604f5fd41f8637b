using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Signatures;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// <c>POST /ocm/shares</c>: another server offers one of our users a share (OCM §Share Creation Notification). Every dialect the
/// wire model reads is accepted; invalid → 400 naming every field, unsupported → 501, signature/trust → 401/403;
/// idempotent on (sending server, providerId) so a retried delivery never creates a duplicate; new shares are
/// rate-limited per sending server (429 with <c>Retry-After</c>, which senders retry), so one peer cannot flood a
/// user's pending list.
/// </summary>
internal static partial class IncomingShareEndpoints
{
    public const string RateLimiterKey = "incoming-shares";

    public static IEndpointRouteBuilder MapIncomingShares(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ocm/shares", ReceiveAsync).RequireOcmAuthentication().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        OcmDb db,
        OcmServerInfo server,
        SecurityOptions security,
        TrustPolicy trust,
        SecretProtector protector,
        Notifier notifier,
        RequestShares.OutgoingShareRequests requests,
        Identity.Mfa.MfaShareEnforcement mfa,
        [FromKeyedServices(RateLimiterKey)] PeerRateLimiter limiter,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Ocm.Shares.Incoming");
        var request = context.GetOcmRequest();
        var now = time.GetUtcNow();
        var read = OcmJson.ValidateShare(request.Body, new ShareValidationOptions
        {
            SupportedShareTypes = new HashSet<string>(StringComparer.Ordinal) { ShareTypes.User },
            SupportedProtocols = new HashSet<string>(StringComparer.Ordinal) { ProtocolNames.WebDav },
            // must-use-mfa only while we honour it (we then advertise enforce-mfa; Identity/Mfa/MfaShareAccess.cs).
            SupportedRequirements = mfa.Enabled
                ? new HashSet<string>(StringComparer.Ordinal) { ShareRequirements.MustExchangeToken, ShareRequirements.MustUseMfa }
                : new HashSet<string>(StringComparer.Ordinal) { ShareRequirements.MustExchangeToken },
            RequireTokenExchange = security.RequireTokenExchange,
            Now = now,
        });
        if (!read.IsValid)
        {
            Log.Refused(logger, read.SuggestedStatusCode, read.Error.Message);
            return OcmApi.Error(read.SuggestedStatusCode, read.Error);
        }

        var share = read.Value;
        if (!share.ShareWith.IsAt(server.Authority))
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, "The recipient is not on this server.",
                [new OcmValidationError("shareWith", $"NOT_FOUND: '{share.ShareWith}' is not an address on {server.Authority}.")]);
        }

        var normalized = User.Normalize(share.ShareWith.Identifier);
        var recipient = await db.Set<User>().AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedName == normalized, cancellationToken);
        if (recipient is null || recipient.Disabled)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, "The recipient does not exist on this server.",
                [new OcmValidationError("shareWith", $"NOT_FOUND: no user '{share.ShareWith.Identifier}' here.")]);
        }

        // The sending server is the host of `sender` (OCM Appendix B, "Verifying a Signature", step 1); a signed request may only speak for itself.
        // A reshare (OCM §Resharing) is made by the owner's server on the resharer's behalf: it names the resharer as
        // sender and the owner as owner, and comes signed by the owner's server, which serves it and hears its notifications.
        var senderHost = share.Sender.Authority;
        OcmAddress? resharedFrom = null;
        if (request.IsSigned && !request.IsConsistentWith(senderHost) && request.IsConsistentWith(share.Owner.Authority))
        {
            senderHost = share.Owner.Authority;
            resharedFrom = share.Owner;
        }

        if (!request.IsConsistentWith(senderHost))
        {
            Log.Refused(logger, 403, $"signed by {request.SignerHost} but the share claims sender {share.Sender}");
            return OcmApi.Error(StatusCodes.Status403Forbidden,
                $"The request is signed by {request.SignerHost} but the share says it comes from {senderHost}.");
        }

        // Allow/deny lists, must-invite, auto-accept and quarantine: one decision, in the trust policy.
        var decision = await trust.EvaluateIncomingShareAsync(db, senderHost, share.Sender, recipient.Id, cancellationToken, resharedFrom);
        if (decision.IsRefused)
        {
            Log.Refused(logger, decision.StatusCode, decision.Reason);
            return decision.ToOcmError();
        }

        var webdav = share.Protocol.WebDav!;
        var existing = await db.Set<ReceivedShare>().SingleOrDefaultAsync(
            s => s.SenderHost == senderHost && s.ProviderId == share.ProviderId, cancellationToken);
        if (existing is not null)
        {
            // A retried delivery: the first one already created it.
            return Created(recipient);
        }

        var (acquired, retryAfter) = await limiter.TryAcquireAsync(senderHost, cancellationToken);
        if (!acquired)
        {
            Log.Refused(logger, StatusCodes.Status429TooManyRequests, $"too many new shares from {senderHost}");
            RetryAfter.Set(context.Response, retryAfter);
            return OcmApi.Error(StatusCodes.Status429TooManyRequests,
                $"Too many new shares from {senderHost}; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }

        var autoAccept = decision.Action == IncomingShareAction.AutoAccept;
        var webApp = IncomingWebApp.Read(share.Protocol, webdav, logger);
        var received = new ReceivedShare
        {
            RecipientUserId = recipient.Id,
            SenderHost = senderHost,
            ProviderId = share.ProviderId,
            Name = share.Name,
            ResourceType = share.ResourceType,
            IsFolder = share.ResourceType == ResourceTypes.Folder ? true : null,
            Owner = share.Owner.ToString(),
            Sender = share.Sender.ToString(),
            OwnerDisplayName = share.OwnerDisplayName,
            SenderDisplayName = share.SenderDisplayName,
            ShareType = share.ShareType,
            Description = share.Description,
            WebDavUri = webdav.IsLegacy ? null : webdav.Uri,
            ProtectedSecret = protector.Protect(webdav.SharedSecret),
            Permissions = SharePermissionNames.Parse(webdav.Permissions, webdav.LegacyPermissions),
            MustExchangeToken = webdav.MustExchangeToken,
            MustUseMfa = webdav.Requirements?.Contains(ShareRequirements.MustUseMfa) == true,
            Legacy = webdav.IsLegacy,
            OffersDataTransfer = webdav.AccessTypes?.Contains(AccessTypes.DataTx) == true,
            WebAppUri = webApp?.Uri,
            WebAppProtectedSecret = webApp is null ? null : protector.Protect(webApp.Secret),
            WebAppPermissions = webApp is null ? null : string.Join(',', webApp.Permissions),
            Expiration = share.ExpiresAt,
            State = autoAccept ? ReceivedShareState.Accepted : ReceivedShareState.Pending,
            Quarantined = decision.Action == IncomingShareAction.Quarantine,
            Created = now,
            Updated = now,
        };
        db.Add(received);
        try
        {
            if (autoAccept)
            {
                await db.SaveChangesAsync(cancellationToken);
                notifier.ShareAccepted(received, recipient.Name);
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same share delivered twice concurrently: the other request stored it.
            db.ChangeTracker.Clear();
            if (await db.Set<ReceivedShare>().AnyAsync(s => s.SenderHost == senderHost && s.ProviderId == share.ProviderId, CancellationToken.None))
            {
                return Created(recipient);
            }

            throw;
        }

        // A share the recipient asked for (OCM 1.4 §Request for a Share) fulfils their request.
        await requests.ShareArrivedAsync(received, cancellationToken);
        Log.Received(logger, received.Id, senderHost, received.State.ToString());
        return Created(recipient);
    }

    private static IResult Created(User recipient) => new OcmApi.JsonBytesResult(
        StatusCodes.Status201Created,
        OcmJson.Write(new ShareCreatedResponse { RecipientDisplayName = recipient.DisplayName ?? recipient.Name }));

    private static partial class Log
    {
        [LoggerMessage(1300, LogLevel.Information, "Received share #{Id} from {SenderHost} ({State})")]
        public static partial void Received(ILogger logger, long id, string senderHost, string state);

        [LoggerMessage(1301, LogLevel.Warning, "Refused an incoming share with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, int status, string reason);
    }
}
