namespace Ocm.Protocol.Shares;

/// <summary>
/// Which wire shape to write a <see cref="NewShare"/> in. Chosen per peer from its discovery
/// (see <c>DiscoveryAnalysis.ShareDialect</c>), because no single shape reaches everyone
/// (observed behaviour): oCIS/OpenCloud reject a non-empty <c>options</c>, Nextcloud ≤32 and ownCloud 10 reject a
/// missing <c>options.sharedSecret</c>.
/// </summary>
public enum ShareDialect
{
    /// <summary>Exactly OCM 1.4: <c>name:"multi"</c>, one object per protocol, no legacy names.</summary>
    Ocm14 = 0,

    /// <summary>
    /// OCM 1.4 plus an empty <c>protocol.options: {}</c>, as reva sends it: satisfies naive 1.0 parsers and is
    /// accepted by reva, oCIS and OpenCloud.
    /// </summary>
    RevaCompatible = 1,

    /// <summary>
    /// For Nextcloud, ownCloud 10 and Seafile-via-WebDAV: <c>name:"webdav"</c> with
    /// <c>options {sharedSecret, permissions}</c> (Option 1, deprecated but required there), the
    /// <c>webdav</c> object kept for 1.1+ readers, and <c>sharedBy</c>/<c>sharedByDisplayName</c> next to
    /// <c>sender</c>/<c>senderDisplayName</c>.
    /// </summary>
    NextcloudLegacy = 2,
}
