using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Delivery;

internal enum OutboxState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>
/// One request to another server (a share, a notification, …) written in the same transaction as the change that
/// caused it, then delivered by <see cref="OutboxWorker"/> with retries. A crash between commit and send loses
/// nothing: the worker finds the row after restart. Delivery is at-least-once; receivers deduplicate (shares by
/// sending host + providerId).
/// </summary>
internal sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>The peer's authority (<c>host[:port]</c>), as used for discovery.</summary>
    public required string Peer { get; set; }

    /// <summary>Path under the peer's discovered <c>endPoint</c>, e.g. <c>shares</c> or <c>notifications</c>.</summary>
    public required string Endpoint { get; set; }

    /// <summary>What this is, for listeners: e.g. <c>share</c>, <c>notification</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The local entity the message is about (e.g. the outgoing share id), for listeners.</summary>
    public long? SubjectId { get; set; }

    /// <summary>The exact JSON body to send.</summary>
    public required byte[] Body { get; set; }

    public OutboxState State { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>After this, a transient failure becomes final.</summary>
    public DateTimeOffset Deadline { get; set; }

    /// <summary>A worker that claimed the message holds it until then (several server processes may share a database).</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public int? LastStatus { get; set; }

    /// <summary>Why the last attempt failed, in words an operator understands.</summary>
    public string? LastError { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox");
        builder.HasIndex(m => new { m.State, m.NextAttemptAt });
        builder.HasIndex(m => new { m.Kind, m.SubjectId });
        builder.Property(m => m.Peer).HasMaxLength(300);
        builder.Property(m => m.Endpoint).HasMaxLength(100);
        builder.Property(m => m.Kind).HasMaxLength(50);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        builder.Property(m => m.State).HasConversion<string>().HasMaxLength(20);
    }
}
