using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Ocm.Contacts;
using Ocm.Users;

namespace Ocm.Invites;

/// <summary>Body of <c>POST /api/v1/invites</c> (optional).</summary>
internal sealed record CreateInviteRequest(string? Label);

/// <summary>A new invite: the token is shown only in this answer.</summary>
internal sealed record CreatedInvite(long Id, string Token, string InviteString, string Link, DateTimeOffset Expires);

/// <summary>An invite as listed: metadata only, never the token.</summary>
internal sealed record InviteView(long Id, string? Label, DateTimeOffset Created, DateTimeOffset Expires, string State, DateTimeOffset? Accepted, string? AcceptedBy);

/// <summary>Body of <c>POST /api/v1/invites/accept</c>: the invite string (or link), or the token and the inviter's server.</summary>
internal sealed record AcceptInviteRequest(string? Invite, string? Token, string? ProviderDomain);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateInviteRequest))]
[JsonSerializable(typeof(CreatedInvite))]
[JsonSerializable(typeof(InviteView))]
[JsonSerializable(typeof(List<InviteView>))]
[JsonSerializable(typeof(AcceptInviteRequest))]
internal sealed partial class InvitesJsonContext : JsonSerializerContext;

/// <summary>
/// The invite API of the signed-in user: <c>POST /api/v1/invites</c> (201 with token, invite string, WAYF link and
/// expiry), <c>GET /api/v1/invites</c>, <c>DELETE /api/v1/invites/{id}</c> (revoke), and
/// <c>POST /api/v1/invites/accept</c> (accept someone else's invite). Errors are RFC 9457 ProblemDetails.
/// </summary>
internal static class InviteEndpoints
{
    public static IEndpointRouteBuilder MapInviteApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/invites").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Invites");

        api.MapPost("", async Task<Results<Created<CreatedInvite>, ProblemHttpResult>> (HttpContext context, CreateInviteRequest? request, InviteRegistry registry, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            if (InviteRegistry.LabelProblem(request?.Label) is { } labelProblem)
            {
                return TypedResults.Problem(statusCode: 400, title: "Label too long", detail: labelProblem);
            }

            var (invite, token) = await registry.CreateAsync(user.Id, request?.Label, cancellationToken);
            var created = new CreatedInvite(invite.Id, token, registry.InviteStringFor(token), registry.LinkFor(token).AbsoluteUri, invite.Expires);
            return TypedResults.Created($"/api/v1/invites/{invite.Id}", created);
        }).WithName("CreateInvite").WithSummary("Create an invite for someone on another server").ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("", async (HttpContext context, InviteRegistry registry, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            var invites = await registry.ListAsync(user.Id, cancellationToken);
            return TypedResults.Ok(invites
                .Select(i => new InviteView(i.Id, i.Label, i.Created, i.Expires, registry.StateOf(i).ToString().ToLowerInvariant(), i.Accepted, i.AcceptedBy))
                .ToList());
        }).WithName("ListInvites").WithSummary("List the invites you created (never their tokens)");

        api.MapDelete("/{id:long}", async Task<Results<NoContent, ProblemHttpResult>> (HttpContext context, long id, InviteRegistry registry, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            return await registry.RevokeAsync(user.Id, id, cancellationToken)
                ? TypedResults.NoContent()
                : TypedResults.Problem(statusCode: 404, title: "No such invite", detail: $"You have no invite with id {id}.");
        }).WithName("RevokeInvite").WithSummary("Revoke an invite").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/accept", async Task<Results<Ok<ContactView>, ProblemHttpResult>> (HttpContext context, AcceptInviteRequest request, InviteAcceptor acceptor, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            var outcome = await acceptor.AcceptAsync(user.Id, request.Invite, request.Token, request.ProviderDomain, cancellationToken);
            return outcome.Succeeded
                ? TypedResults.Ok(ContactView.From(outcome.Contact))
                : TypedResults.Problem(statusCode: outcome.Status, title: outcome.Title, detail: outcome.Detail);
        })
            .WithName("AcceptInvite")
            .WithSummary("Accept someone else's invite: they become your contact and you theirs")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        return app;
    }
}
