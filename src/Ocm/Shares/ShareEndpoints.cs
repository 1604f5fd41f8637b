using Microsoft.AspNetCore.Http.HttpResults;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// The owner's side of federated sharing, <c>/api/v1/shares</c>: create, read, change and revoke, each a call of
/// <see cref="OutgoingShares"/> (whose rules the web interface shares) with its outcome turned into HTTP.
/// </summary>
internal static partial class ShareEndpoints
{
    public static IEndpointRouteBuilder MapShareApi(this IEndpointRouteBuilder app)
    {
        var shares = app.MapGroup("/api/v1/shares").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Shares");
        shares.MapPost("", CreateAsync).WithName("CreateShare")
            .WithSummary("Share a file or folder with a user on another server; for one shared with you, its owner's server is asked to (202)")
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

        var reshares = app.MapGroup("/api/v1/reshares").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Shares");
        reshares.MapGet("", ListResharesAsync).WithName("ListReshares")
            .WithSummary("What you asked owners' servers to share further (requested, created, refused with the reason, undone)");
        reshares.MapPatch("{id:long}", ChangeReshareAsync).WithName("ChangeReshare")
            .WithSummary("Ask the owner's server to change what a reshare allows (RESHARE_CHANGE_PERMISSION); never more than you have")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        reshares.MapDelete("{id:long}", UndoReshareAsync).WithName("UndoReshare")
            .WithSummary("Take a reshare back: the owner's server is told (RESHARE_UNDO) and removes the share")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<List<ReshareView>>> ListResharesAsync(HttpContext context, Reshares reshares, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reshares.ListAsync(context.GetSignedInUser().Id, cancellationToken));

    private static async Task<Results<Accepted<ReshareView>, ProblemHttpResult>> ChangeReshareAsync(
        long id, ChangeReshareRequest body, HttpContext context, Reshares reshares, CancellationToken cancellationToken)
    {
        var (view, problem) = await reshares.ChangePermissionsAsync(context.GetSignedInUser().Id, id, body.Permissions, cancellationToken);
        return view is not null ? TypedResults.Accepted($"/api/v1/reshares/{id}", view) : Problem(problem!);
    }

    private static async Task<Results<Ok<ReshareView>, ProblemHttpResult>> UndoReshareAsync(long id, HttpContext context, Reshares reshares, CancellationToken cancellationToken)
    {
        var (view, problem) = await reshares.UndoAsync(context.GetSignedInUser().Id, id, cancellationToken);
        return view is not null ? TypedResults.Ok(view) : Problem(problem!);
    }

    private static async Task<Results<Created<ShareView>, Accepted<ShareView>, ProblemHttpResult>> CreateAsync(
        CreateShareRequest body, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken)
    {
        var created = await shares.CreateAsync(context.GetSignedInUser().Id, body, cancellationToken);
        return created.Share switch
        {
            { ReshareRequest: true } reshare => TypedResults.Accepted($"/api/v1/reshares/{reshare.Id}", reshare),
            { } share => TypedResults.Created($"/api/v1/shares/{share.Id}", share),
            _ => Problem(created.Problem!),
        };
    }

    private static async Task<Ok<List<ShareView>>> ListAsync(HttpContext context, OutgoingShares shares, CancellationToken cancellationToken) =>
        TypedResults.Ok(await shares.ListAsync(context.GetSignedInUser().Id, fileId: null, cancellationToken));

    private static async Task<Results<Ok<ShareView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken) =>
        await shares.GetAsync(context.GetSignedInUser().Id, id, cancellationToken) is { } share ? TypedResults.Ok(share) : Problem(ShareOutcome.NotFound(id).Problem!);

    private static async Task<Results<Ok<ShareView>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateShareRequest body, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken)
    {
        var updated = await shares.UpdateAsync(context.GetSignedInUser().Id, id, body, cancellationToken);
        return updated.Share is { } share ? TypedResults.Ok(share) : Problem(updated.Problem!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, HttpContext context, OutgoingShares shares, CancellationToken cancellationToken)
    {
        var revoked = await shares.RevokeAsync(context.GetSignedInUser().Id, id, cancellationToken);
        return revoked.Share is not null ? TypedResults.NoContent() : Problem(revoked.Problem!);
    }

    /// <summary>A refused operation as an RFC 9457 problem; a 409 on creation carries the existing share as <c>existingShare</c>.</summary>
    internal static ProblemHttpResult Problem(ShareProblem problem) => TypedResults.Problem(
        statusCode: problem.Status,
        title: problem.Title,
        detail: problem.Detail,
        extensions: problem.Existing is { } existing ? new Dictionary<string, object?> { ["existingShare"] = existing } : null);
}
