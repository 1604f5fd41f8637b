using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ocm.Shares;

internal enum ReceivedShareState
{
    Pending,
    Accepted,
    Declined,

    /// <summary>The sender revoked it (SHARE_UNSHARED).</summary>
    Unshared,
}

/// <summary>
/// How the recipient's server authenticates to the sender's WebDAV for a share (OCM §Resource Access): with the shared
/// secret as a bearer token, as <c>Basic base64(secret:)</c> (legacy <c>options</c> shares), or with a token exchanged
/// for it at the sender's token endpoint (§8).
/// </summary>
internal enum ShareAccessMethod
{
    Bearer,
    Basic,
    Token,
}

internal static class ShareAccessMethods
{
    /// <summary>The stored and logged name: <c>bearer</c>, <c>basic</c>, <c>token</c>.</summary>
    public static string Name(this ShareAccessMethod method) => method switch
    {
        ShareAccessMethod.Basic => "basic",
        ShareAccessMethod.Token => "token",
        _ => "bearer",
    };

    /// <summary>A stored name read back; an unknown one (none is ever written) is forgotten, and the next access finds out again.</summary>
    public static ShareAccessMethod? Parse(string? name) => name switch
    {
        "bearer" => ShareAccessMethod.Bearer,
        "basic" => ShareAccessMethod.Basic,
        "token" => ShareAccessMethod.Token,
        _ => null,
    };
}

/// <summary>A share another server offered to one of our users. Keyed by (sending server, providerId).</summary>
internal sealed class ReceivedShare
{
    public long Id { get; set; }

    public long RecipientUserId { get; set; }

    /// <summary>The sending server's authority (verified signer when signed, else the host of <c>sender</c>).</summary>
    public required string SenderHost { get; set; }

    public required string ProviderId { get; set; }

    public required string Name { get; set; }

    public required string ResourceType { get; set; }

    /// <summary>True when the remote turned out to be a folder although <see cref="ResourceType"/> said file (Nextcloud).</summary>
    public bool? IsFolder { get; set; }

    public required string Owner { get; set; }

    public required string Sender { get; set; }

    public string? OwnerDisplayName { get; set; }

    public string? SenderDisplayName { get; set; }

    public string ShareType { get; set; } = "user";

    public string? Description { get; set; }

    /// <summary>
    /// Where the data is: an absolute URL, or the id to append to the sender's discovered WebDAV root. Null for legacy
    /// <c>options</c> shares (the secret alone names the share at the root).
    /// </summary>
    public string? WebDavUri { get; set; }

    /// <summary>The shared secret, encrypted with the data directory's secret key (<see cref="SecretProtector"/>).</summary>
    public required string ProtectedSecret { get; set; }

    public SharePermissions Permissions { get; set; }

    public bool MustExchangeToken { get; set; }

    /// <summary>
    /// The sender set <c>must-use-mfa</c> (OCM Appendix A): only a session that passed a second factor, or an app
    /// password created in one, may open it (Identity/Mfa/MfaShareAccess.cs).
    /// </summary>
    public bool MustUseMfa { get; set; }

    /// <summary>
    /// The sender offers the share for copying (<c>accessTypes: ["datatx"]</c>, or the ≤1.2 <c>datatx</c> protocol):
    /// shown to the recipient as "copy to my files" (src/Ocm/RemoteShares/ShareTransfers.cs). Any WebDAV share can be
    /// copied on request; this only says the sender meant it to be.
    /// </summary>
    public bool OffersDataTransfer { get; set; }

    /// <summary>A legacy <c>options</c>-form share: access with Basic (secret as user name).</summary>
    public bool Legacy { get; set; }

    public DateTimeOffset? Expiration { get; set; }

    public ReceivedShareState State { get; set; }

    /// <summary>From a sender who is not a contact of the recipient (shown apart, marked unknown).</summary>
    public bool Quarantined { get; set; }

    /// <summary>
    /// The absolute URI of the sender's web app for this share (<c>protocol.webapp.uri</c>, OCM §Share Creation Notification ›
    /// webapp); null when none was offered or it was unusable here. Opened by posting an exchanged token to it
    /// (Ui/WebAppLaunchPages.cs).
    /// </summary>
    public string? WebAppUri { get; set; }

    /// <summary>The web app's <c>sharedSecret</c>, encrypted like <see cref="ProtectedSecret"/>; never sent to a browser.</summary>
    public string? WebAppProtectedSecret { get; set; }

    /// <summary>The web app's permissions as sent (<c>view</c>, <c>read</c>, <c>write</c>, <c>share</c>), comma-separated.</summary>
    public string? WebAppPermissions { get; set; }

    /// <summary>Which authentication worked last against the sender; null until one has.</summary>
    public ShareAccessMethod? AccessMethod { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public bool IsExpired(DateTimeOffset now) => Expiration is { } expiration && expiration <= now;
}

internal sealed class ReceivedShareConfiguration : IEntityTypeConfiguration<ReceivedShare>
{
    public void Configure(EntityTypeBuilder<ReceivedShare> builder)
    {
        builder.ToTable("received_shares");
        builder.HasIndex(s => new { s.SenderHost, s.ProviderId }).IsUnique();
        builder.HasIndex(s => new { s.RecipientUserId, s.State });
        builder.Property(s => s.SenderHost).HasMaxLength(300);
        builder.Property(s => s.ProviderId).HasMaxLength(300);
        builder.Property(s => s.Name).HasMaxLength(1000);
        builder.Property(s => s.ResourceType).HasMaxLength(50);
        builder.Property(s => s.Owner).HasMaxLength(600);
        builder.Property(s => s.Sender).HasMaxLength(600);
        builder.Property(s => s.OwnerDisplayName).HasMaxLength(300);
        builder.Property(s => s.SenderDisplayName).HasMaxLength(300);
        builder.Property(s => s.ShareType).HasMaxLength(50);
        builder.Property(s => s.Description).HasMaxLength(2000);
        builder.Property(s => s.WebDavUri).HasMaxLength(2000);
        builder.Property(s => s.ProtectedSecret).HasMaxLength(1000);
        builder.Property(s => s.WebAppUri).HasMaxLength(2000);
        builder.Property(s => s.WebAppProtectedSecret).HasMaxLength(1000);
        builder.Property(s => s.WebAppPermissions).HasMaxLength(100);
        builder.Property(s => s.AccessMethod).HasMaxLength(20)
            .HasConversion(m => m.HasValue ? m.Value.Name() : null, name => ShareAccessMethods.Parse(name));
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(30);
    }
}
