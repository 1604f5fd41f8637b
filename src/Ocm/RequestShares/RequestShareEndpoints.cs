using System.Text.Json;
using System.Text.Json.Serialization;
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

/// <summary>A share request as the owner sees it.</summary>
internal sealed record ShareRequestView(
    long Id,
    string Requester,
    string Resource,
    string Server,
    bool Signed,
    bool FromContact,
    DateTimeOffset Received,
    int Count,
    string State,
    DateTimeOffset? Closed);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<ShareRequestView>))]
internal sealed partial class RequestSharesJsonContext : JsonSerializerContext;

/// <summary>
/// <c>POST /ocm/request-share</c> (OCM 1.4 §Request for a Share): a remote user asks one of our users to share a
/// resource. Signature required and checked by <see cref="OcmRequestAuthentication"/> (the spec says to verify it), rate-limited per signing server (429 with
/// <c>Retry-After</c>), trust policy applied (403), then stored for the owner: 201. The owner lists requests with
/// <c>GET /api/v1/share-requests</c> and dismisses them with <c>POST /api/v1/share-requests/{id}/dismiss</c>; the shares
/// feature turns one into a share and marks it <see cref="ShareRequestState.Fulfilled"/>.
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
        api.MapPost("/{id:long}/dismiss", DismissAsync)
            .WithName("DismissShareRequest")
            .WithSummary("Dismiss a share request")
            .ProducesProblem(StatusCodes.Status404NotFound);
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

    private static async Task<Results<Ok<List<ShareRequestView>>, ProblemHttpResult>> ListAsync(HttpContext context, OcmDb db, string? state, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var query = db.Set<ShareRequest>().AsNoTracking().Where(r => r.OwnerUserId == user.Id);
        switch (state?.ToLowerInvariant())
        {
            case null or "" or "open":
                query = query.Where(r => r.State == ShareRequestState.Open);
                break;
            case "all":
                break;
            default:
                return TypedResults.Problem(statusCode: 400, title: "Unknown state", detail: "state is 'open' (default) or 'all'.");
        }

        var requests = await query.OrderByDescending(r => r.Received).Take(1000).ToListAsync(cancellationToken);
        var contacts = (await db.Set<Contact>().AsNoTracking().Where(c => c.UserId == user.Id).Select(c => c.Address).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        return TypedResults.Ok(requests.Select(r => new ShareRequestView(
            r.Id,
            r.Requester,
            r.Resource,
            r.RequesterProvider,
            r.SignerHost is not null,
            contacts.Contains(r.Requester),
            r.Received,
            r.Count,
            r.State.ToString().ToLowerInvariant(),
            r.Closed)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DismissAsync(HttpContext context, long id, OcmDb db, TimeProvider time, CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        var entry = await db.Set<ShareRequest>().FirstOrDefaultAsync(r => r.Id == id && r.OwnerUserId == user.Id, cancellationToken);
        if (entry is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No such share request", detail: $"You have no share request with id {id}.");
        }

        if (entry.State == ShareRequestState.Open)
        {
            entry.State = ShareRequestState.Dismissed;
            entry.Closed = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.NoContent();
    }

    private static partial class Log
    {
        [LoggerMessage(1800, LogLevel.Information, "Share request for user {UserId} from {Server} stored (signed: {Signed})")]
        public static partial void Received(ILogger logger, long userId, string server, bool signed);

        [LoggerMessage(1801, LogLevel.Warning, "Share requests from {Peer} rate-limited")]
        public static partial void RateLimited(ILogger logger, string peer);
    }
}
