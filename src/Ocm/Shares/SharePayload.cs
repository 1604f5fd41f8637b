using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Signatures;
using Ocm.Users;

namespace Ocm.Shares;

/// <summary>
/// Phrases a share creation notification for the recipient's server as it is discovered at that moment
/// (OCM §Share Creation Notification): only what it can receive, in the dialect it understands, with <c>must-exchange-token</c>
/// where its criteria or ours demand it — or says why it cannot be sent at all.
/// </summary>
internal static class SharePayload
{
    /// <summary>How a share is phrased for a peer; <c>WebApp</c>: offer <c>protocol.webapp</c> too (our browser viewer, <c>Ui/ViewerPages.WebApp.cs</c>).</summary>
    public readonly record struct Plan(ShareDialect Dialect, string ResourceType, bool MustExchangeToken, bool AbsoluteUri, string? Refusal, bool WebApp = false);

    /// <summary>The <c>requirements</c> of the WebDAV protocol block: null when none (if present it MUST NOT be empty).</summary>
    public static IReadOnlyList<string>? Requirements(bool mustExchangeToken, bool mustUseMfa) => (mustExchangeToken, mustUseMfa) switch
    {
        (true, true) => [ShareRequirements.MustExchangeToken, ShareRequirements.MustUseMfa],
        (true, false) => [ShareRequirements.MustExchangeToken],
        (false, true) => [ShareRequirements.MustUseMfa],
        _ => null,
    };

    /// <param name="peer">The recipient's server as discovered now.</param>
    /// <param name="isFolder">A folder is shared.</param>
    /// <param name="security">Our token-exchange policy.</param>
    /// <param name="mustUseMfa">The share requires a second factor.</param>
    /// <param name="viewable">The shared file is one our browser viewer opens (text, Markdown, image, PDF): offer it as a web app too.</param>
    public static Plan Decide(DiscoveredServer peer, bool isFolder, SecurityOptions security, bool mustUseMfa = false, bool viewable = false)
    {
        var resourceType = isFolder ? ResourceTypes.Folder : ResourceTypes.File;
        var dialect = peer.Dialect is OcmDialect.NextcloudLegacy or OcmDialect.OwnCloud10 or OcmDialect.Seafile
            ? ShareDialect.NextcloudLegacy
            : ShareDialect.RevaCompatible;
        if (!peer.Document.CanReceive(resourceType, ProtocolNames.WebDav))
        {
            // Nextcloud and ownCloud receive folders announced as files (and find out by PROPFIND).
            if (isFolder && dialect == ShareDialect.NextcloudLegacy && peer.Document.CanReceive(ResourceTypes.File, ProtocolNames.WebDav))
            {
                resourceType = ResourceTypes.File;
            }
            else
            {
                return new Plan(dialect, resourceType, false, false,
                    $"{peer.Authority} does not accept {resourceType} shares over WebDAV (its discovery lists: {string.Join(", ", peer.Document.ResourceTypes.Select(r => r.Name))})");
            }
        }

        // OCM Appendix A: must-use-mfa only to a receiver that promises to honour it by advertising enforce-mfa.
        if (mustUseMfa && (!peer.Document.SupportsCapability(OcmCapabilities.EnforceMfa) || dialect == ShareDialect.NextcloudLegacy))
        {
            return new Plan(dialect, resourceType, false, false,
                $"This share requires multi-factor authentication (must-use-mfa), but {peer.Authority} does not advertise enforce-mfa, so it would not make sure its user signed in with a second factor");
        }

        // OCM §Share Creation Notification and §Code Flow Decision Tables 1 and 2. A receiver whose criteria demand
        // must-exchange-token gets it on every protocol (R59), and no share when we cannot offer it the code flow (R60): a
        // legacy share has no place for the requirement. Our own policy (Ocm:Security:RequireTokenExchange) never puts the
        // requirement on a share for a receiver that does not advertise exchange-token (R102); as the secret alone would not
        // open the share here (R105), such a receiver gets no share, and the owner is told why.
        var receiverRequires = peer.Document.HasCriterion(OcmCriteria.MustExchangeToken);
        var mustExchange = receiverRequires || security.RequireTokenExchange;

        // OCM §Share Creation Notification › webapp: only to a receiver whose webapp-receive.targets include the target we
        // offer ("blank": our viewer is a whole page), only with the code flow (we advertise exchange-token), and with
        // must-exchange-token, which then has to be on the WebDAV block too (all protocols' requirements agree, R74).
        var webApp = viewable && !isFolder && dialect == ShareDialect.RevaCompatible
            && peer.Document.FindResourceType(resourceType)?.Protocols.WebAppReceive?.Targets.Contains(WebAppTargets.Blank) == true;
        mustExchange |= webApp;
        if (mustExchange && dialect == ShareDialect.NextcloudLegacy)
        {
            return new Plan(dialect, resourceType, true, false, receiverRequires
                ? $"{peer.Authority} requires token exchange (criterion must-exchange-token) but only understands legacy shares, which cannot carry the requirement, so this server cannot offer it the code flow"
                : $"This server requires token exchange for the shares it sends (Ocm:Security:RequireTokenExchange), but {peer.Authority} only understands legacy shares, which cannot carry the requirement");
        }

        if (!receiverRequires && security.RequireTokenExchange && !peer.Document.SupportsCapability(OcmCapabilities.ExchangeToken))
        {
            return new Plan(dialect, resourceType, false, false,
                $"This server requires token exchange for the shares it sends (Ocm:Security:RequireTokenExchange), but {peer.Authority} does not advertise exchange-token, so it could not open such a share (OCM §Code Flow, Decision Table 2)");
        }

        var absolute = peer.Document.FindResourceType(resourceType)?.Protocols.WebDavReceive?.Uri != WebDavUriForms.Relative;
        return new Plan(dialect, resourceType, mustExchange, absolute, null, webApp);
    }

    public static byte[] Build(OutgoingShare share, User owner, Plan plan, SecretProtector secrets, OcmServerInfo server)
    {
        var self = OcmAddress.Create(owner.Name, server.Authority);
        var recipient = OcmAddress.Parse(share.ShareWith);

        // A reshare (OCM §Resharing) names the recipient who asked for it as its sender; the owner stays the owner, and
        // this server, which holds the resource, sends and signs it.
        var sender = share.ResharedBy is { } resharer ? OcmAddress.Parse(resharer) : self;
        return OcmJson.Write(new NewShare
        {
            ShareWith = recipient,
            Name = share.Name,
            ProviderId = share.ProviderId,
            Owner = self,
            Sender = sender,
            OwnerDisplayName = owner.DisplayName ?? owner.Name,
            SenderDisplayName = share.ResharedBy ?? owner.DisplayName ?? owner.Name,
            ShareType = ShareTypes.User,
            ResourceType = plan.ResourceType,
            Expiration = share.Expiration?.ToUnixTimeSeconds(),
            Protocol = new ShareProtocol
            {
                WebDav = new WebDavProtocol
                {
                    Uri = plan.AbsoluteUri ? server.Url("dav/ocm/" + share.ProviderId).AbsoluteUri : share.ProviderId,
                    SharedSecret = secrets.DeriveShareSecret(share.ProviderId),
                    Permissions = SharePermissionNames.ToNames(share.Permissions),
                    Requirements = Requirements(plan.MustExchangeToken, share.MustUseMfa),
                    // A folder can also be copied whole by the recipient (OCM §Share Creation Notification, accessTypes
                    // "datatx"): the same WebDAV URL and secret, read with PROPFIND and ranged GETs
                    // (src/Ocm/RemoteShares/ShareTransferWorker.cs), so nothing else has to be served for it.
                    AccessTypes = plan.ResourceType == ResourceTypes.Folder ? [AccessTypes.Remote, AccessTypes.DataTx] : null,
                },
                WebApp = plan.WebApp ? WebApp(share, secrets, server) : null,
            },
        }, plan.Dialect);
    }

    /// <summary>
    /// <c>protocol.webapp</c> (OCM §Share Creation Notification › webapp, 1.4): our viewer's entry point for this share, the
    /// <c>blank</c> target, <c>read</c> or <c>read</c>+<c>write</c> as the share grants, and <c>must-exchange-token</c>. The
    /// secret is the WebDAV block's (the spec's own multi-protocol example shares one): the token it is exchanged for
    /// opens both, with the same permissions.
    /// </summary>
    private static WebAppProtocol WebApp(OutgoingShare share, SecretProtector secrets, OcmServerInfo server) => new()
    {
        Uri = server.Url(Ui.ViewerPages.WebAppPath(share.ProviderId)).AbsoluteUri,
        Targets = [WebAppTargets.Blank],
        Permissions = share.Permissions.HasFlag(SharePermissions.Write) ? [WebAppPermissions.Read, WebAppPermissions.Write] : [WebAppPermissions.Read],
        Requirements = Requirements(true, share.MustUseMfa),
        SharedSecret = secrets.DeriveShareSecret(share.ProviderId),
        AppName = server.ProviderName,
        MediaTypes = [Ui.ViewableFiles.MediaTypeOf(share.Name)],
    };
}
