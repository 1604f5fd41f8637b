using Microsoft.AspNetCore.Http.HttpResults;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// The recipient's side, <c>/api/v1/received-shares</c>: see what others offered (quarantined ones marked, accepted
/// ones with the path they are mounted at), accept, decline, or leave — each a call of <see cref="ReceivedShares"/>
/// with its outcome turned into HTTP.
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
        string? state, HttpContext context, ReceivedShares shares, CancellationToken cancellationToken)
    {
        ReceivedShareState? wanted = null;
        if (state is not null)
        {
            if (!ReceivedShares.TryParseState(state, out var parsed))
            {
                return ShareEndpoints.Problem(new ShareProblem(400, "Invalid state", $"'{state}' is not one of pending, accepted, declined, unshared."));
            }

            wanted = parsed;
        }

        return TypedResults.Ok(await shares.ListAsync(context.GetSignedInUser().Id, wanted, cancellationToken));
    }

    private static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, ReceivedShares shares, CancellationToken cancellationToken) =>
        await shares.GetAsync(context.GetSignedInUser().Id, id, cancellationToken) is { } share
            ? TypedResults.Ok(share)
            : ShareEndpoints.Problem(ReceivedShareOutcome.NotFound(id).Problem!);

    private static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> AcceptAsync(long id, HttpContext context, ReceivedShares shares, CancellationToken cancellationToken) =>
        Answer(await shares.AcceptAsync(context.GetSignedInUser(), id, cancellationToken));

    private static async Task<Results<Ok<ReceivedShareView>, ProblemHttpResult>> DeclineAsync(long id, HttpContext context, ReceivedShares shares, CancellationToken cancellationToken) =>
        Answer(await shares.DeclineAsync(context.GetSignedInUser(), id, cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(long id, HttpContext context, ReceivedShares shares, CancellationToken cancellationToken)
    {
        var left = await shares.LeaveAsync(context.GetSignedInUser(), id, cancellationToken);
        return left.Share is not null ? TypedResults.NoContent() : ShareEndpoints.Problem(left.Problem!);
    }

    private static Results<Ok<ReceivedShareView>, ProblemHttpResult> Answer(ReceivedShareOutcome outcome) =>
        outcome.Share is { } share ? TypedResults.Ok(share) : ShareEndpoints.Problem(outcome.Problem!);
}
