using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Protocol.Json;

namespace Ocm.Shares;

/// <summary>Moves an outgoing share to <c>delivered</c> or <c>failed: reason</c> as its delivery ends.</summary>
internal sealed class ShareDeliveryListener(TimeProvider time) : IOutboxListener
{
    public const string Kind = "share";

    string IOutboxListener.Kind => Kind;

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
