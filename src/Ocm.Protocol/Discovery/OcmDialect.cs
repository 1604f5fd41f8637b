namespace Ocm.Protocol.Discovery;

/// <summary>
/// Which family of implementations a peer belongs to, judged from its discovery document (its keys, versions and legacy members).
/// Decides the wire shape we send it (<see cref="DiscoveryAnalysis.ShareDialect"/>); feature decisions are made
/// on capabilities and criteria, never on this alone: <c>apiVersion</c> says little (peers report <c>1.0-proposal1</c> with newer features).
/// </summary>
public enum OcmDialect
{
    /// <summary>Nothing tells; treat as a pre-1.4 object-protocol peer.</summary>
    Unknown = 0,

    /// <summary>A strict OCM 1.4+ peer (e.g. OpenCloudMesh Go).</summary>
    Ocm14 = 1,

    /// <summary>Reva / CERNBox / oCIS / OpenCloud and other 1.1–1.3 object-protocol peers.</summary>
    RevaFamily = 2,

    /// <summary>Nextcloud (<c>1.0-proposal1</c>, non-spec capability names): legacy <c>options</c> shape required.</summary>
    NextcloudLegacy = 3,

    /// <summary>ownCloud 10 (<c>shareTypes</c> key instead of <c>resourceTypes</c>): legacy shape only.</summary>
    OwnCloud10 = 4,

    /// <summary>Seafile (single-object <c>resourceTypes</c>, <c>library</c> resources, <c>Seafile API</c> protocol).</summary>
    Seafile = 5,
}
