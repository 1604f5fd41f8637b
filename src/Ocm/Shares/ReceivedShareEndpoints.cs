using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Hosting;
using Ocm.Notifications;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// The recipient's side, <c>/api/v1/received-shares</c>: see what others offered (quarantined ones marked), accept,
/// decline, or leave. Each decision is told to the sender's server through the outbox.
/// </summary>
internal static class ReceivedShareEndpoints
{
    public static IEndpointRouteBuilder MapReceivedShareApi(this IEndpointRouteBuilder app)
    {
        var received = app.MapGroup("/api/v1/received-shares").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Received shares");
        received.MapGet("", ListAsync).WithName("ListReceivedShares")
            .WithSummary("List shares offered to you, optionally only those in one state")
            .WithQueryValues("state", "pending", "accepted", "declined", "unshared")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        received.MapGet("{id:long}", GetAsync).WithName("GetReceivedShare")
            .WithSummary("One received share")
            .ProducesProblem(StatusCodes.Status404NotFound);
        received.MapPost("{id:long}/accept", AcceptAsync).WithName("AcceptReceivedShare")
            .WithSummary("Accept a share: it appears in your files; the owner's server is notified")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        received.MapPost("{id:long}/decline", DeclineAsync).WithName("DeclineReceivedShare")
            .WithSummary("Decline a share; the owner's server is notified")
            .ProducesProblem(StatusCodes.Status404NotFound);
        received.MapDelete("{id:long}", LeaveAsync).WithName("LeaveReceivedShare")
            .WithSummary("Leave a share: it disappears for you; the owner's server is notified")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<List<ReceivedShareView>>, ProblemHttpResult>> ListAsync(
        string? state, HttpContext context, OcmDb db, SharesOptions options, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var query = db.Set<ReceivedShare>().AsNoTracking().Where(s => s.RecipientUserId == user.Id);
        if (state is not null)
        {
            if (!Enum.TryParse<ReceivedShareState>(state, ignoreCase: true, out var wanted) || wanted == ReceivedShareState.Unshared && !string.Equals(state, "unshared", StringComparison.OrdinalIgnoreCase))
            {
                return ShareEndpoints.Problem(400, "Invalid state", $"'{state}' is not one of pending, accepted, declined, unshared.");
            }

            query = query.Where(s => s.State == wanted);
        }

        var shares = await query.OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(shares.Select(s => ToView(s, options)).ToList());
    }

    private static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, OcmDb db, SharesOptions options, CancellationToken cancellationToken)
    {
        var share = await FindAsync(db, context, id, cancellationToken);
        return share is null ? NotFound(id) : TypedResults.Ok(ToView(share, options));
    }

    internal static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> AcceptAsync(
        long id, HttpContext context, OcmDb db, Notifier notifier, SharesOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var share = await FindAsync(db, context, id, cancellationToken);
        if (share is null)
        {
            return NotFound(id);
        }

        if (share.State == ReceivedShareState.Unshared)
        {
            return ShareEndpoints.Problem(409, "Share ended", "The owner has removed this share.");
        }

        if (share.State != ReceivedShareState.Accepted)
        {
            share.State = ReceivedShareState.Accepted;
            share.Quarantined = false;
            share.Updated = time.GetUtcNow();
            notifier.ShareAccepted(share, context.GetSignedInUser().Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ToView(share, options));
    }

    internal static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> DeclineAsync(
        long id, HttpContext context, OcmDb db, Notifier notifier, SharesOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var share = await FindAsync(db, context, id, cancellationToken);
        if (share is null)
        {
            return NotFound(id);
        }

        if (share.State is ReceivedShareState.Pending or ReceivedShareState.Accepted)
        {
            share.State = ReceivedShareState.Declined;
            share.Updated = time.GetUtcNow();
            notifier.ShareDeclined(share, context.GetSignedInUser().Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ToView(share, options));
    }

    /// <summary>Leave: the share disappears for the recipient; an accepted share tells the owner (SHARE_UNSHARED).</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(long id, HttpContext context, OcmDb db, Notifier notifier, CancellationToken cancellationToken)
    {
        var share = await FindAsync(db, context, id, cancellationToken);
        if (share is null)
        {
            return NotFound(id);
        }

        if (share.State == ReceivedShareState.Accepted)
        {
            notifier.ShareLeft(share, context.GetSignedInUser().Name);
        }
        else if (share.State == ReceivedShareState.Pending)
        {
            notifier.ShareDeclined(share, context.GetSignedInUser().Name);
        }

        db.Remove(share);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<ReceivedShare?> FindAsync(OcmDb db, HttpContext context, long id, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        return db.Set<ReceivedShare>().SingleOrDefaultAsync(s => s.Id == id && s.RecipientUserId == user.Id, cancellationToken);
    }

    internal static ReceivedShareView ToView(ReceivedShare share, SharesOptions options) => new(
        share.Id,
        share.Name,
        share.IsFolder == true ? "folder" : share.ResourceType,
        share.Owner,
        share.OwnerDisplayName,
        share.Sender,
        share.SenderDisplayName,
        share.SenderHost,
        SharePermissionNames.ToNames(share.Permissions),
        share.Expiration?.ToUnixTimeSeconds(),
        share.State.ToString().ToLowerInvariant(),
        share.Quarantined,
        share.State == ReceivedShareState.Accepted ? $"/{options.ReceivedFolder}/{share.Name}" : null,
        share.Created);

    private static ProblemHttpResult NotFound(long id) => ShareEndpoints.Problem(404, "Not found", $"You have no received share {id}.");
}
