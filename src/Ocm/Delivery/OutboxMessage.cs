using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Delivery;

internal enum OutboxState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>What an outbox message is: it decides where the message goes and which listener hears of its fate.</summary>
internal enum OutboxMessageKind
{
    /// <summary>A new share (<c>POST {endPoint}/shares</c>, OCM §Share Creation Notification), composed at delivery for the peer as it is then.</summary>
    Share,

    /// <summary>A notification about a share (<c>POST {endPoint}/notifications</c>, OCM §Share Acceptance Notification).</summary>
    Notification,

    /// <summary><c>USER_REMOVED</c>: a user removed a contact of the peer's (<c>POST {endPoint}/notifications</c>).</summary>
    UserRemoved,

    /// <summary><c>REQUEST_RESHARE</c>: a recipient asks the owner's server to share further (<c>POST {endPoint}/notifications</c>, OCM §Resharing).</summary>
    Reshare,

    /// <summary><c>RESHARE_CHANGE_PERMISSION</c>: a resharer asks the owner's server to change what a reshare allows (OCM §Resharing).</summary>
    ReshareChange,
}

internal static class OutboxMessageKinds
{
    /// <summary>The name stored in the database and shown to operators: <c>share</c>, <c>notification</c>, <c>user-removed</c>, <c>reshare</c>, <c>reshare-change</c>.</summary>
    public static string Name(this OutboxMessageKind kind) => kind switch
    {
        OutboxMessageKind.Share => "share",
        OutboxMessageKind.Notification => "notification",
        OutboxMessageKind.UserRemoved => "user-removed",
        OutboxMessageKind.Reshare => "reshare",
        OutboxMessageKind.ReshareChange => "reshare-change",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static OutboxMessageKind Parse(string name) => name switch
    {
        "share" => OutboxMessageKind.Share,
        "notification" => OutboxMessageKind.Notification,
        "user-removed" => OutboxMessageKind.UserRemoved,
        "reshare" => OutboxMessageKind.Reshare,
        "reshare-change" => OutboxMessageKind.ReshareChange,
        _ => throw new InvalidOperationException($"Unknown outbox message kind '{name}' in the database."),
    };

    /// <summary>The path under the peer's discovered <c>endPoint</c> that a message of this kind is posted to.</summary>
    public static string Endpoint(this OutboxMessageKind kind) => kind == OutboxMessageKind.Share ? "shares" : "notifications";
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

    /// <summary>Path under the peer's discovered <c>endPoint</c> (<see cref="OutboxMessageKinds.Endpoint"/> of the kind).</summary>
    public required string Endpoint { get; set; }

    /// <summary>What this is: where it goes and which <see cref="IOutboxListener"/> hears of it.</summary>
    public required OutboxMessageKind Kind { get; set; }

    /// <summary>The local entity the message is about (e.g. the outgoing share id), for listeners.</summary>
    public long? SubjectId { get; set; }

    /// <summary>
    /// The exact JSON body to send; null while it is still to be composed at delivery by the kind's listener, for the
    /// peer as it is then (<see cref="Outbox.EnqueueComposedAtDelivery"/>).
    /// </summary>
    public byte[]? Body { get; set; }

    public OutboxState State { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>After this, a transient failure becomes final.</summary>
    public DateTimeOffset Deadline { get; set; }

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
        builder.Property(m => m.Kind).HasMaxLength(50).HasConversion(k => k.Name(), name => OutboxMessageKinds.Parse(name));
        builder.Property(m => m.LastError).HasMaxLength(2000);
        builder.Property(m => m.State).HasConversion<string>().HasMaxLength(20);
    }
}
