using Microsoft.AspNetCore.Http.HttpResults;
using Ocm.Shares;
using Ocm.Users;

namespace Ocm.RemoteShares;

/// <summary>
/// Copies of received shares into the recipient's files: <c>POST /api/v1/received-shares/{id}/copy</c> queues one,
/// <c>/api/v1/transfers</c> shows them with their progress and final state — each a call of <see cref="ShareTransfers"/>.
/// </summary>
internal static class ShareTransferEndpoints
{
    public static IEndpointRouteBuilder MapShareTransferApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/received-shares/{id:long}/copy", StartAsync).RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
            .WithTags("Received shares").WithName("CopyReceivedShare")
            .WithSummary("Copy an accepted share into your own files in the background (OCM datatx); body: { \"destination\": \"/path\" } (optional)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        var transfers = app.MapGroup("/api/v1/transfers").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Transfers");
        transfers.MapGet("", ListAsync).WithName("ListTransfers").WithSummary("Your copies of received shares, newest first, with progress and final state");
        transfers.MapGet("{id:long}", GetAsync).WithName("GetTransfer").WithSummary("One copy of a received share")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Accepted<ShareTransferView>, ProblemHttpResult>> StartAsync(
        long id, StartTransferRequest? body, HttpContext context, ShareTransfers transfers, CancellationToken cancellationToken)
    {
        var (view, problem) = await transfers.StartAsync(context.GetSignedInUser().Id, id, body?.Destination, cancellationToken);
        return problem is null ? TypedResults.Accepted($"/api/v1/transfers/{view!.Id}", view) : ShareEndpoints.Problem(problem);
    }

    private static async Task<Ok<List<ShareTransferView>>> ListAsync(HttpContext context, ShareTransfers transfers, CancellationToken cancellationToken) =>
        TypedResults.Ok(await transfers.ListAsync(context.GetSignedInUser().Id, cancellationToken));

    private static async Task<Results<Ok<ShareTransferView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, ShareTransfers transfers, CancellationToken cancellationToken) =>
        await transfers.GetAsync(context.GetSignedInUser().Id, id, cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : ShareEndpoints.Problem(new ShareProblem(404, "No such transfer", $"You have no transfer {id}."));
}
