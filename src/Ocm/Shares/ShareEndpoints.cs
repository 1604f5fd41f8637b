using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;
using Ocm.Signatures;
using Ocm.Tokens;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// The owner's side of federated sharing, <c>/api/v1/shares</c>: create (discover the recipient's server, refuse what
/// it cannot receive, write the payload in the dialect it understands into the outbox), list, change, revoke.
/// </summary>
internal static partial class ShareEndpoints
{
    public static IEndpointRouteBuilder MapShareApi(this IEndpointRouteBuilder app)
    {
        var shares = app.MapGroup("/api/v1/shares").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Shares");
        shares.MapPost("", CreateAsync).WithName("CreateShare")
            .WithSummary("Share a file or folder with a user on another server")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        shares.MapGet("", ListAsync).WithName("ListShares")
            .WithSummary("List your outgoing shares with their delivery state");
        shares.MapGet("{id:long}", GetAsync).WithName("GetShare")
            .WithSummary("One outgoing share")
            .ProducesProblem(StatusCodes.Status404NotFound);
        shares.MapPatch("{id:long}", UpdateAsync).WithName("UpdateShare")
            .WithSummary("Change permissions or expiry (expiration 0 removes it); the recipient's server is notified")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        shares.MapDelete("{id:long}", DeleteAsync).WithName("DeleteShare")
            .WithSummary("Revoke a share: access ends at once and the recipient's server is notified")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<Created<ShareView>, ProblemHttpResult>> CreateAsync(
        CreateShareRequest body,
        HttpContext context,
        OcmDb db,
        FileTree files,
        PeerDirectory peers,
        TrustPolicy trust,
        SecurityOptions security,
        SecretProtector secrets,
        Outbox outbox,
        OcmServerInfo server,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var now = time.GetUtcNow();
        if (StoragePath.TryParse(body.Path, out var path) != PathError.None || path.IsRoot)
        {
            return Problem(400, "Invalid path", string.IsNullOrWhiteSpace(body.Path) ? "'path' is required." : $"'{body.Path}' is not a path of a file or folder you can share.");
        }

        if (!OcmAddress.TryParse(body.ShareWith, out var recipient, out var addressError))
        {
            return Problem(400, "Invalid recipient", $"'shareWith' must be an OCM address like bob@cloud.example.org: {addressError}.");
        }

        if (recipient.IsAt(server.Authority))
        {
            return Problem(400, "Recipient on this server", $"{recipient} is a user of this server; federated shares go to other servers.");
        }

        if (!TryParsePermissions(body.Permissions, out var permissions, out var permissionError))
        {
            return Problem(400, "Invalid permissions", permissionError);
        }

        DateTimeOffset? expiresAt = null;
        if (body.Expiration is { } expiration)
        {
            if (!UnixTime.TryToDateTimeOffset(expiration, out var at) || at <= now)
            {
                return Problem(400, "Invalid expiration", "'expiration' must be in the future and before the year 10000 (seconds since the Unix epoch).");
            }

            expiresAt = at;
        }

        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null)
        {
            return Problem(404, "Not found", $"There is no file or folder '{path}'.");
        }

        var trusted = trust.EvaluatePeer(recipient.Authority);
        if (!trusted.Allowed)
        {
            return Problem(403, "Server not allowed", trusted.Reason!);
        }

        // Discovery first (§4.1), so what the recipient's server cannot take is refused now, in words. A server that
        // does not answer right now does not stop the share: it is delivered, and phrased for the peer, once it is back.
        SharePayload.Plan? plan = null;
        try
        {
            var peer = await peers.DiscoverAsync(recipient.Authority, cancellationToken);
            plan = SharePayload.Decide(peer, node.IsFolder, security);
            if (plan.Value.Refusal is { } refusal)
            {
                return Problem(422, "Recipient's server cannot receive this", refusal + ".");
            }
        }
        catch (OcmDiscoveryException)
        {
            // Transient or not, the outbox retries until the delivery deadline and reports the reason on the share.
        }

        var providerId = Guid.NewGuid().ToString("N");
        var share = new OutgoingShare
        {
            OwnerUserId = user.Id,
            FileId = node.Id,
            Name = node.Name,
            ResourceType = plan?.ResourceType ?? (node.IsFolder ? ResourceTypes.Folder : ResourceTypes.File),
            ShareWith = recipient.ToString(),
            RecipientHost = recipient.Authority,
            ProviderId = providerId,
            SecretHash = ShareSecrets.Hash(secrets.DeriveShareSecret(providerId)),
            Permissions = permissions,
            Expiration = expiresAt,
            MustExchangeToken = plan?.MustExchangeToken ?? security.RequireTokenExchange,
            State = OutgoingShareState.PendingDelivery,
            Dialect = (plan?.Dialect ?? ShareDialect.RevaCompatible).ToString(),
            Created = now,
            Updated = now,
        };

        // The share and its delivery commit together: a crash in between loses nothing (the outbox retries).
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Add(share);
            await db.SaveChangesAsync(cancellationToken);
            // The body is phrased at delivery time for the peer as it is then (ShareDeliveryListener.BuildBodyAsync).
            outbox.Enqueue(recipient.Authority, "shares", ShareDeliveryListener.Kind, share.Id, []);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Created($"/api/v1/shares/{share.Id}", ToView(share, "/" + path.Value));
    }

    private static async Task<Ok<List<ShareView>>> ListAsync(HttpContext context, OcmDb db, FileTree files, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var shares = await db.Set<OutgoingShare>().AsNoTracking().Where(s => s.OwnerUserId == user.Id).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        var views = new List<ShareView>(shares.Count);
        foreach (var share in shares)
        {
            views.Add(ToView(share, await CurrentPathAsync(files, share, cancellationToken)));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<ShareView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, OcmDb db, FileTree files, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == user.Id, cancellationToken);
        return share is null ? NotFound(id) : TypedResults.Ok(ToView(share, await CurrentPathAsync(files, share, cancellationToken)));
    }

    internal static async Task<Results<Ok<ShareView>, ProblemHttpResult>> UpdateAsync(
        long id,
        UpdateShareRequest body,
        HttpContext context,
        OcmDb db,
        FileTree files,
        Notifier notifier,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == user.Id, cancellationToken);
        if (share is null)
        {
            return NotFound(id);
        }

        if (body.Permissions is not null)
        {
            if (!TryParsePermissions(body.Permissions, out var permissions, out var error))
            {
                return Problem(400, "Invalid permissions", error);
            }

            share.Permissions = permissions;
        }

        if (body.Expiration is { } expiration)
        {
            DateTimeOffset at = default;
            if (expiration != 0 && (!UnixTime.TryToDateTimeOffset(expiration, out at) || at <= time.GetUtcNow()))
            {
                return Problem(400, "Invalid expiration", "'expiration' must be in the future and before the year 10000, or 0 to remove the expiry.");
            }

            share.Expiration = expiration == 0 ? null : at;
        }

        share.Updated = time.GetUtcNow();
        notifier.PermissionsChanged(share);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(ToView(share, await CurrentPathAsync(files, share, cancellationToken)));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, HttpContext context, OcmDb db, Notifier notifier, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == id && s.OwnerUserId == user.Id, cancellationToken);
        if (share is null)
        {
            return NotFound(id);
        }

        // Access ends with this commit; the recipient's server is told through the outbox.
        db.Remove(share);
        await db.Set<ShareAccessToken>().Where(t => t.ShareId == share.Id).ExecuteDeleteAsync(cancellationToken);
        if (share.State != OutgoingShareState.Failed)
        {
            notifier.ShareUnshared(share);
        }

        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static bool TryParsePermissions(IReadOnlyList<string>? names, out SharePermissions permissions, out string error)
    {
        permissions = SharePermissions.None;
        error = "";
        if (names is null || names.Count == 0)
        {
            permissions = SharePermissions.Read;
            return true;
        }

        foreach (var name in names)
        {
            switch (name)
            {
                case WebDavPermissions.Read:
                    permissions |= SharePermissions.Read;
                    break;
                case WebDavPermissions.Write:
                    permissions |= SharePermissions.Write | SharePermissions.Read;
                    break;
                case WebDavPermissions.Share:
                    permissions |= SharePermissions.Share | SharePermissions.Read;
                    break;
                default:
                    error = $"Unknown permission '{name}': use read, write or share.";
                    return false;
            }
        }

        return true;
    }

    private static async Task<string?> CurrentPathAsync(FileTree files, OutgoingShare share, CancellationToken cancellationToken) =>
        (await files.FindByIdAsync(share.OwnerUserId, share.FileId, cancellationToken)) is { } node ? "/" + node.Path : null;

    internal static ShareView ToView(OutgoingShare share, string? path) => new(
        share.Id,
        path is null ? null : path.StartsWith('/') ? path : "/" + path,
        share.Name,
        share.ResourceType,
        share.ShareWith,
        SharePermissionNames.ToNames(share.Permissions),
        share.Expiration?.ToUnixTimeSeconds(),
        StateText(share),
        share.ProviderId,
        share.RecipientDisplayName,
        share.Created);

    internal static string StateText(OutgoingShare share) => share.State switch
    {
        OutgoingShareState.PendingDelivery => "pending-delivery",
        OutgoingShareState.Delivered => "delivered",
        OutgoingShareState.Accepted => "accepted",
        OutgoingShareState.Declined => "declined",
        _ => "failed: " + (share.StateReason ?? "unknown reason"),
    };

    private static ProblemHttpResult NotFound(long id) => Problem(404, "Not found", $"You have no share {id}.");

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
