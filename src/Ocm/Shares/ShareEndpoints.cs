using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Notifications;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;
using Ocm.Tokens;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// The owner's side of federated sharing, <c>/api/v1/shares</c>: create and read through <see cref="OutgoingShares"/>
/// (whose rules the web interface shares), change, revoke.
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
            .ProducesProblem(StatusCodes.Status409Conflict)
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

    private static async Task<Results<Created<ShareView>, ProblemHttpResult>> CreateAsync(
        CreateShareRequest body, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken)
    {
        var created = await shares.CreateAsync(context.GetSignedInUser().Id, body, cancellationToken);
        return created.Share is { } share ? TypedResults.Created($"/api/v1/shares/{share.Id}", share) : Problem(created.Problem!);
    }

    private static async Task<Ok<List<ShareView>>> ListAsync(HttpContext context, OutgoingShares shares, CancellationToken cancellationToken) =>
        TypedResults.Ok(await shares.ListAsync(context.GetSignedInUser().Id, cancellationToken));

    private static async Task<Results<Ok<ShareView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken) =>
        await shares.GetAsync(context.GetSignedInUser().Id, id, cancellationToken) is { } share ? TypedResults.Ok(share) : NotFound(id);

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

    internal static ShareView ToView(OutgoingShare share, string? path, ShareDelivery? delivery = null) => new(
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
        share.Created,
        share.State == OutgoingShareState.PendingDelivery ? delivery?.LastError : null,
        share.State == OutgoingShareState.PendingDelivery ? delivery?.NextAttemptAt : null);

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

    /// <summary>A refused share as an RFC 9457 problem; a 409 carries the existing share as <c>existingShare</c>.</summary>
    private static ProblemHttpResult Problem(ShareProblem problem) => TypedResults.Problem(
        statusCode: problem.Status,
        title: problem.Title,
        detail: problem.Detail,
        extensions: problem.Existing is { } existing ? new Dictionary<string, object?> { ["existingShare"] = existing } : null);
}
