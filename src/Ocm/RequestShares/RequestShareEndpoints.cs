using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Contacts;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Validation;
using Ocm.Signatures;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.RequestShares;

/// <summary>
/// <c>POST /ocm/request-share</c> (OCM 1.4 §Request for a Share): a remote user asks one of our users to share a
/// resource. Signature required and checked by <see cref="OcmRequestAuthentication"/> (the spec says to verify it), rate-limited per signing server (429 with
/// <c>Retry-After</c>), trust policy applied (403), then stored for the owner: 201. The owner lists requests with
/// <c>GET /api/v1/share-requests</c>, accepts one (<c>POST /api/v1/share-requests/{id}/accept</c>: a share to the requester,
/// the request <see cref="ShareRequestState.Fulfilled"/>) or dismisses it (<see cref="ShareRequestInbox"/>). The other
/// way, <c>/api/v1/share-requests/outgoing</c> asks someone on another server (<see cref="OutgoingShareRequests"/>).
/// </summary>
internal static partial class RequestShareEndpoints
{
    public const string Name = "request-share";

    public static IServiceCollection AddOcmRequestShares(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RequestSharesOptions.Section).Get<RequestSharesOptions>() ?? new RequestSharesOptions();

        services.TryAddSingleton(options);
        services.TryAddKeyedSingleton(Name, (sp, _) => new PeerRateLimiter(
            Name, sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<Data.DatabaseWriteGate>(), sp.GetRequiredService<TimeProvider>(), options.Burst, options.PerHour));
        services.TryAddScoped<ShareRequestInbox>();
        services.TryAddScoped<OutgoingShareRequests>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RequestSharesJsonContext.Default));
        return services;
    }

    public static IEndpointRouteBuilder MapOcmRequestShares(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ocm/request-share", ReceiveAsync).RequireOcmAuthentication().ExcludeFromDescription();

        var api = app.MapGroup("/api/v1/share-requests").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Share requests");
        api.MapGet("", ListAsync)
            .WithName("ListShareRequests")
            .WithSummary("List requests from users of other servers to share something with them")
            .WithQueryValues("state", "open", "all")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/{id:long}/accept", AcceptAsync)
            .WithName("AcceptShareRequest")
            .WithSummary("Share what was asked for with the requester (path and permissions chosen by you); the request becomes fulfilled")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/{id:long}/dismiss", DismissAsync)
            .WithName("DismissShareRequest")
            .WithSummary("Dismiss a share request")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/outgoing", SendAsync)
            .WithName("SendShareRequest")
            .WithSummary("Ask a user on another server to share a file or folder with you (OCM request-share)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/outgoing", ListOutgoingAsync)
            .WithName("ListOutgoingShareRequests")
            .WithSummary("List the share requests you sent and what became of them");
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        OcmDb db,
        TrustPolicy trust,
        OcmServerInfo server,
        RequestSharesOptions options,
        [FromKeyedServices(Name)] PeerRateLimiter limiter,
        TimeProvider time,
        ILogger<ShareRequest> logger,
        CancellationToken cancellationToken)
    {
        var request = context.GetOcmRequest();

        // OCM §Request for a Share: verify the signature before acting; an unsigned request could name any requester.
        if (!request.IsSigned)
        {
            return OcmApi.Error(StatusCodes.Status401Unauthorized,
                "A share request must carry an HTTP message signature (RFC 9421) of the requester's server.");
        }

        var peer = request.SignerHost!;
        var (acquired, retryAfter) = await limiter.TryAcquireAsync(peer, cancellationToken);
        if (!acquired)
        {
            Log.RateLimited(logger, peer);
            RetryAfter.Set(context.Response, retryAfter);
            return OcmApi.Error(StatusCodes.Status429TooManyRequests, "Too many share requests from this server; try again later.");
        }

        var read = OcmJson.ValidateRequestShare(request.Body);
        if (!read.IsValid)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, read.Error);
        }

        var body = read.Value;
        var requesterServer = body.ShareWith.Authority;
        if (!request.IsConsistentWith(requesterServer))
        {
            return trust.Refuse(Name, request.SignerHost!, $"The request is signed by {request.SignerHost} but is made for {body.ShareWith}.");
        }

        var policy = trust.EvaluatePeer(requesterServer);
        if (!policy.Allowed)
        {
            return trust.Refuse(Name, requesterServer, policy.Reason!);
        }

        if (body.Share.Length > ShareRequestConfiguration.MaxResourceLength)
        {
            return OcmApi.Error(StatusCodes.Status400BadRequest, ValidationMessages.InvalidParameters,
                [new OcmValidationError("share", ValidationMessages.InvalidValue)]);
        }

        // 404 covers both "no such owner" and "not allowed" (spec.yaml), so the endpoint does not reveal user names.
        var normalized = User.Normalize(body.Owner.Identifier);
        var owner = body.Owner.IsAt(server.Authority)
            ? await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedName == normalized, cancellationToken)
            : null;
        if (owner is null || owner.Disabled)
        {
            return OcmApi.Error(StatusCodes.Status404NotFound, "The owner is not a user of this server.");
        }

        var requester = body.ShareWith.ToString();
        var isContact = await db.Set<Contact>().AnyAsync(
            c => c.UserId == owner.Id && c.Provider == requesterServer && c.RemoteUserId == body.ShareWith.Identifier && c.Source == ContactSource.Invite,
            cancellationToken);
        if (trust.Options.MustInvite && !isContact)
        {
            return trust.Refuse(Name, requesterServer,
                $"This server accepts requests only from contacts with whom an invite was exchanged (must-invite); {requester} is not one.");
        }

        var now = time.GetUtcNow();
        var existing = await db.Set<ShareRequest>().FirstOrDefaultAsync(
            r => r.OwnerUserId == owner.Id && r.State == ShareRequestState.Open && r.Requester == requester && r.Resource == body.Share,
            cancellationToken);
        if (existing is not null)
        {
            existing.Count++;
            existing.Received = now;
        }
        else
        {
            var open = await db.Set<ShareRequest>().CountAsync(r => r.OwnerUserId == owner.Id && r.State == ShareRequestState.Open, cancellationToken);
            if (open >= options.MaxOpenPerUser)
            {
                context.Response.Headers.RetryAfter = "3600";
                return OcmApi.Error(StatusCodes.Status503ServiceUnavailable, "The owner has too many open share requests; try again later.");
            }

            db.Add(new ShareRequest
            {
                OwnerUserId = owner.Id,
                Requester = requester,
                RequesterProvider = requesterServer,
                Resource = body.Share,
                SignerHost = request.SignerHost,
                Received = now,
                State = ShareRequestState.Open,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        Log.Received(logger, owner.Id, requesterServer, request.IsSigned);
        return new OcmApi.JsonBytesResult(StatusCodes.Status201Created, "{}"u8.ToArray());
    }

    private static async Task<Results<Ok<List<ShareRequestView>>, ProblemHttpResult>> ListAsync(
        HttpContext context, ShareRequestInbox inbox, string? state, CancellationToken cancellationToken)
    {
        bool all;
        switch (state?.ToLowerInvariant())
        {
            case null or "" or "open":
                all = false;
                break;
            case "all":
                all = true;
                break;
            default:
                return TypedResults.Problem(statusCode: 400, title: "Unknown state", detail: "state is 'open' (default) or 'all'.");
        }

        return TypedResults.Ok(await inbox.ListAsync(context.GetSignedInUser().Id, all, cancellationToken));
    }

    private static async Task<Results<Ok<ShareRequestView>, ProblemHttpResult>> AcceptAsync(
        HttpContext context, long id, AcceptShareRequestBody? body, ShareRequestInbox inbox, CancellationToken cancellationToken)
    {
        var accepted = await inbox.AcceptAsync(context.GetSignedInUser().Id, id, body ?? new AcceptShareRequestBody(), cancellationToken);
        return accepted.Request is { } request ? TypedResults.Ok(request) : Problem(accepted.Problem!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DismissAsync(HttpContext context, long id, ShareRequestInbox inbox, CancellationToken cancellationToken)
    {
        var dismissed = await inbox.DismissAsync(context.GetSignedInUser().Id, id, cancellationToken);
        return dismissed.Request is not null ? TypedResults.NoContent() : Problem(dismissed.Problem!);
    }

    private static async Task<Results<Created<OutgoingShareRequestView>, ProblemHttpResult>> SendAsync(
        HttpContext context, SendShareRequestBody body, OutgoingShareRequests requests, CancellationToken cancellationToken)
    {
        var sent = await requests.SendAsync(context.GetSignedInUser().Id, body, cancellationToken);
        if (sent.Problem is { } problem)
        {
            // A request that went out and failed is recorded; the problem names it so the user finds it in the list.
            return TypedResults.Problem(
                statusCode: problem.Status,
                title: problem.Title,
                detail: problem.Detail,
                extensions: sent.Request is { } failed ? new Dictionary<string, object?> { ["request"] = failed } : null);
        }

        return TypedResults.Created($"/api/v1/share-requests/outgoing", sent.Request!);
    }

    private static async Task<Ok<List<OutgoingShareRequestView>>> ListOutgoingAsync(HttpContext context, OutgoingShareRequests requests, CancellationToken cancellationToken) =>
        TypedResults.Ok(await requests.ListAsync(context.GetSignedInUser().Id, cancellationToken));

    private static ProblemHttpResult Problem(ShareRequestProblem problem) =>
        TypedResults.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail);

    private static partial class Log
    {
        [LoggerMessage(1800, LogLevel.Information, "Share request for user {UserId} from {Server} stored (signed: {Signed})")]
        public static partial void Received(ILogger logger, long userId, string server, bool signed);

        [LoggerMessage(1801, LogLevel.Warning, "Share requests from {Peer} rate-limited")]
        public static partial void RateLimited(ILogger logger, string peer);
    }
}
