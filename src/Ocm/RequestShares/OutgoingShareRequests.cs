using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.RequestShares;
using Ocm.Shares;
using Ocm.Signatures;
using Ocm.Trust;
using Ocm.Users;

namespace Ocm.RequestShares;

/// <summary>Why a share-request operation was refused, as the user is told it (RFC 9457 <c>title</c> and <c>detail</c>).</summary>
internal sealed record ShareRequestProblem(int Status, string Title, string Detail);

/// <summary>The outcome of asking for a share: the request as recorded, or why it went nowhere (both when it was sent and failed).</summary>
internal sealed record OutgoingShareRequestOutcome(OutgoingShareRequestView? Request, ShareRequestProblem? Problem)
{
    public static OutgoingShareRequestOutcome Refused(int status, string title, string detail) => new(null, new ShareRequestProblem(status, title, detail));
}

/// <summary>
/// The requester's side of OCM 1.4 §Request for a Share: a local user asks someone on another server to share a
/// resource with them. The owner's server is discovered first; it must have an OCM <c>endPoint</c> and verify RFC 9421
/// signatures (<c>http-sig</c> or a <c>jwksUri</c>), because the spec says the request MUST be signed when signatures
/// are available and SHOULD NOT be offered without them. The signed <c>POST {endPoint}/request-share</c> goes through
/// <see cref="PeerClient"/>, synchronously like accepting an invite (the user waits for the answer and sees it). Every
/// request that was sent is recorded — sent, failed with the reason — and becomes fulfilled when a share from the owner
/// arrives (<see cref="ShareArrivedAsync"/>).
/// </summary>
internal sealed partial class OutgoingShareRequests(
    OcmDb db,
    PeerClient peers,
    TrustPolicy trust,
    OcmServerInfo server,
    TimeProvider time,
    ILogger<OutgoingShareRequests> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public async Task<OutgoingShareRequestOutcome> SendAsync(long userId, SendShareRequestBody body, CancellationToken cancellationToken)
    {
        if (!OcmAddress.TryParse(body.Owner, out var owner, out var addressError))
        {
            return OutgoingShareRequestOutcome.Refused(400, "Invalid owner",
                string.IsNullOrWhiteSpace(body.Owner) ? "'owner' is required: the OCM address of the person to ask, like alice@cloud.example.org." : $"'owner' must be an OCM address like alice@cloud.example.org: {addressError}.");
        }

        var resource = body.Resource?.Trim();
        if (string.IsNullOrEmpty(resource))
        {
            return OutgoingShareRequestOutcome.Refused(400, "Invalid resource", "'resource' is required: the path, id or link of what you ask for, as the owner knows it.");
        }

        if (resource.Length > ShareRequestConfiguration.MaxResourceLength || resource.Any(char.IsControl))
        {
            return OutgoingShareRequestOutcome.Refused(400, "Invalid resource",
                $"'resource' must be at most {ShareRequestConfiguration.MaxResourceLength} characters without control characters.");
        }

        if (owner.IsAt(server.Authority))
        {
            return OutgoingShareRequestOutcome.Refused(400, "Owner on this server", $"{owner} is a user of this server; share requests go to users of other servers.");
        }

        var policy = trust.EvaluatePeer(owner.Authority);
        if (!policy.Allowed)
        {
            return OutgoingShareRequestOutcome.Refused(403, "Server not allowed", $"This server does not federate with {owner.Authority}: {policy.Reason}");
        }

        var user = await db.Set<User>().AsNoTracking().FirstAsync(u => u.Id == userId, cancellationToken);
        DiscoveredServer peer;
        try
        {
            peer = await peers.DiscoverAsync(owner.Authority, cancellationToken);
        }
        catch (OcmDiscoveryException ex)
        {
            return OutgoingShareRequestOutcome.Refused(422, "Owner's server does not speak OCM",
                $"The server {owner.Authority} could not be reached as an OCM server: {ex.Summary} Check the part of the address after '@'.");
        }
        catch (FormatException)
        {
            return OutgoingShareRequestOutcome.Refused(400, "Invalid owner", $"'{owner.Authority}' is not a server name.");
        }

        if (peer.Document.GetEndPointUri() is not { } endPoint)
        {
            return OutgoingShareRequestOutcome.Refused(422, "Owner's server cannot take share requests", $"The server {owner.Authority} advertises no usable OCM endPoint.");
        }

        if (SignatureSchemes.For(peer, alwaysSign: false) != SignatureScheme.Rfc9421)
        {
            return OutgoingShareRequestOutcome.Refused(422, "Owner's server cannot take share requests",
                $"The server {owner.Authority} does not verify RFC 9421 signatures (its discovery has no 'http-sig' capability and no 'jwksUri'); " +
                "share requests (OCM 1.4) must be signed, so it cannot take one. Ask the owner to share with you directly.");
        }

        var shareWith = OcmAddress.Create(user.Name, server.Authority);
        var now = time.GetUtcNow();
        var entry = new OutgoingShareRequest
        {
            UserId = userId,
            Owner = owner.ToString(),
            OwnerProvider = owner.Authority,
            Resource = resource,
            State = OutgoingShareRequestState.Sent,
            Created = now,
            Updated = now,
        };

        var problem = await PostAsync(peer, new Uri(endPoint, "request-share"), new RequestShare { Owner = owner, ShareWith = shareWith, Share = resource }, cancellationToken);
        if (problem is not null)
        {
            entry.State = OutgoingShareRequestState.Failed;
            entry.Reason = problem.Detail.Length > 1000 ? problem.Detail[..999] + "…" : problem.Detail;
        }

        db.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        Log.Sent(logger, userId, owner.Authority, entry.State.ToString());
        return new OutgoingShareRequestOutcome(ToView(entry), problem);
    }

    /// <summary>The user's requests, newest first.</summary>
    public async Task<List<OutgoingShareRequestView>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        var requests = await db.Set<OutgoingShareRequest>().AsNoTracking()
            .Where(r => r.UserId == userId)
            .OrderByDescending(r => r.Id)
            .Take(1000)
            .ToListAsync(cancellationToken);
        return requests.Select(ToView).ToList();
    }

    /// <summary>
    /// A share from another server arrived for a local user: the oldest sent request of that user to the share's owner
    /// for a resource of the share's name (the last segment of a path or link) is fulfilled by it. Saved by the caller.
    /// </summary>
    public async Task ShareArrivedAsync(ReceivedShare share, CancellationToken cancellationToken)
    {
        var candidates = await db.Set<OutgoingShareRequest>()
            .Where(r => r.UserId == share.RecipientUserId && r.Owner == share.Owner && r.State == OutgoingShareRequestState.Sent)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var match = candidates.FirstOrDefault(r => string.Equals(LastSegment(r.Resource), share.Name, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return;
        }

        match.State = OutgoingShareRequestState.Fulfilled;
        match.ReceivedShareId = share.Id;
        match.Updated = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        Log.Fulfilled(logger, match.Id, share.Id);
    }

    private static string LastSegment(string resource)
    {
        var text = resource;
        if (Uri.TryCreate(resource, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            text = Uri.UnescapeDataString(url.AbsolutePath);
        }

        return text.TrimEnd('/').Split('/')[^1];
    }

    /// <summary>Sends the request; null when the owner's server took it (201, or any 2xx), else the reason in words.</summary>
    private async Task<ShareRequestProblem?> PostAsync(DiscoveredServer peer, Uri url, RequestShare body, CancellationToken cancellationToken)
    {
        PeerResponse response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(OcmJson.Write(body)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            response = await peers.SendAsync(peer, request, RequestTimeout, cancellationToken, maxResponseBytes: 64 * 1024);
        }
        catch (PeerCallException ex) when (ex.Failure == PeerFailure.CircuitOpen)
        {
            return new ShareRequestProblem(503, "Try again later", $"The server {peer.Authority} is not answering; the next attempt is possible at {ex.RetryAt:u}.");
        }
        catch (PeerCallException ex)
        {
            return new ShareRequestProblem(502, "Owner's server unreachable", $"The request could not be sent: {ex.Message}.");
        }

        Log.Answered(logger, peer.Authority, response.Status);
        if (response.IsSuccess)
        {
            return null;
        }

        var message = PeerResponse.MessageIn(response.Body);
        var said = message is null ? "" : $" (the server said: \"{message}\")";
        return response.Status switch
        {
            // A 404 without an OCM error body is a server that has no such endpoint; with one, the spec's
            // "resource missing or requester not allowed".
            404 when message is null => NotOffered(peer.Authority, response.Status),
            405 or 501 => NotOffered(peer.Authority, response.Status),
            404 => new ShareRequestProblem(404, "Not found at the owner's server",
                $"The server {peer.Authority} has no such owner or does not let you ask{said}. Check the address."),
            400 => new ShareRequestProblem(400, "Refused by the owner's server", $"The server {peer.Authority} found the request invalid{said}."),
            401 or 403 => new ShareRequestProblem(403, "Refused by the owner's server", $"The server {peer.Authority} does not accept share requests from this server{said}."),
            429 or 503 => new ShareRequestProblem(503, "Try again later", $"The server {peer.Authority} is busy or limits share requests{said}; try again later."),
            _ => new ShareRequestProblem(502, "Refused by the owner's server", $"The server {peer.Authority} answered {response.Status}{said}."),
        };
    }

    private static ShareRequestProblem NotOffered(string authority, int status) => new(422, "Owner's server cannot take share requests",
        $"The server {authority} does not offer share requests (it answered {status} to POST /request-share of OCM 1.4). Ask the owner to share with you directly.");

    private static OutgoingShareRequestView ToView(OutgoingShareRequest r) => new(
        r.Id, r.Owner, r.Resource, r.State.ToString().ToLowerInvariant(), r.Reason, r.ReceivedShareId, r.Created, r.Updated);

    private static partial class Log
    {
        [LoggerMessage(1810, LogLevel.Information, "Share request of user {UserId} to {Server}: {State}")]
        public static partial void Sent(ILogger logger, long userId, string server, string state);

        [LoggerMessage(1811, LogLevel.Debug, "POST /request-share to {Server} answered {Status}")]
        public static partial void Answered(ILogger logger, string server, int status);

        [LoggerMessage(1812, LogLevel.Information, "Share request {RequestId} fulfilled by received share {ShareId}")]
        public static partial void Fulfilled(ILogger logger, long requestId, long shareId);
    }
}
