using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Hosting;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Signatures;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>Moves an outgoing share to <c>delivered</c> or <c>failed: reason</c> as its delivery ends.</summary>
internal sealed class ShareDeliveryListener(SecurityOptions security, SecretProtector secrets, OcmServerInfo server, TimeProvider time) : IOutboxListener
{
    public const OutboxMessageKind Kind = OutboxMessageKind.Share;

    OutboxMessageKind IOutboxListener.Kind => Kind;

    public async Task<(byte[]? Body, string? Refusal)> BuildBodyAsync(OcmDb db, OutboxMessage message, DiscoveredServer peer, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == message.SubjectId, cancellationToken);
        if (share is null)
        {
            return (null, "the share was revoked before it could be delivered");
        }

        var owner = await db.Set<User>().SingleAsync(u => u.Id == share.OwnerUserId, cancellationToken);
        var plan = SharePayload.Decide(
            peer, share.ResourceType == ResourceTypes.Folder, security, share.MustUseMfa, Ui.ViewableFiles.KindOf(share.Name, null) != Ui.ViewKind.None);
        if (plan.Refusal is not null)
        {
            return (null, plan.Refusal);
        }

        share.Dialect = plan.Dialect;
        share.MustExchangeToken = plan.MustExchangeToken;
        return (SharePayload.Build(share, owner, plan, secrets, server), null);
    }

    public async Task OnDeliveredAsync(OcmDb db, OutboxMessage message, byte[] responseBody, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == message.SubjectId, cancellationToken);
        if (share is null)
        {
            return; // revoked meanwhile
        }

        if (share.State == OutgoingShareState.PendingDelivery)
        {
            share.State = OutgoingShareState.Delivered;
        }

        try
        {
            share.RecipientDisplayName = responseBody.Length > 0 ? OcmJson.ReadShareCreatedResponse(responseBody).RecipientDisplayName : null;
        }
        catch (Protocol.Errors.OcmFormatException)
        {
            // reva answers {} or nothing useful; the display name is optional.
        }

        share.Updated = time.GetUtcNow();
    }

    public async Task OnFailedAsync(OcmDb db, OutboxMessage message, CancellationToken cancellationToken)
    {
        var share = await db.Set<OutgoingShare>().SingleOrDefaultAsync(s => s.Id == message.SubjectId, cancellationToken);
        if (share is null)
        {
            return;
        }

        share.State = OutgoingShareState.Failed;
        share.StateReason = message.LastError;
        share.Updated = time.GetUtcNow();
    }
}
