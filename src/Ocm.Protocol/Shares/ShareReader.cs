using System.Text.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Shares;

/// <summary>Maps any share dialect deployed peers send onto <see cref="NewShare"/>, collecting every problem.</summary>
internal static class ShareReader
{
    private static readonly HashSet<string> ProtocolMembers = new(StringComparer.Ordinal)
    {
        "name", "options", ProtocolNames.WebDav, ProtocolNames.WebApp, ProtocolNames.Ssh, ProtocolNames.LegacyDataTx,
    };

    public static OcmReadResult<NewShare> Read(JsonElement root, ShareValidationOptions options)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);

        var shareWith = o.Address("shareWith", required: true);
        var name = o.String("name", required: true);
        var description = o.String("description", required: false);
        var providerId = o.StringOrNumber("providerId", required: true);
        var owner = o.Address("owner", required: true);

        // 1.0-proposal1 names (Nextcloud also sends them, Seafile reads only them); fall back to the owner when a
        // peer sends neither.
        var sender = o.Has("sender", "sharedBy") ? o.Address("sender", required: true, "sharedBy") : owner;
        if (sender is null && !o.Has("sender", "sharedBy") && owner is null)
        {
            errors.Invalid("sender", ValidationMessages.Required);
        }

        var ownerDisplayName = o.String("ownerDisplayName", required: false, "owner_display_name");
        var senderDisplayName = o.String("senderDisplayName", required: false, "sharedByDisplayName");
        var shareType = o.String("shareType", required: true);
        var resourceType = o.String("resourceType", required: true);
        var expiration = o.Integer("expiration", required: false);
        if (expiration == 0)
        {
            expiration = null; // Some peers send 0 for "never"; the epoch itself is never meant.
        }

        var protocolReader = o.Object("protocol", required: true);
        var protocol = protocolReader is { } p ? ReadProtocol(p) : null;

        ShareValidator.Check(shareType, resourceType, expiration, protocol, errors, options);

        if (shareWith is null || name is null || providerId is null || owner is null || sender is null
            || shareType is null || resourceType is null || protocol is null)
        {
            return OcmReadResult<NewShare>.From(null, errors);
        }

        var share = new NewShare
        {
            ShareWith = shareWith,
            Name = name,
            Description = description,
            ProviderId = providerId,
            Owner = owner,
            Sender = sender,
            OwnerDisplayName = ownerDisplayName,
            SenderDisplayName = senderDisplayName,
            ShareType = shareType,
            ResourceType = resourceType,
            Expiration = expiration,
            Protocol = protocol,
        };
        return OcmReadResult<NewShare>.From(share, errors);
    }

    /// <summary>Reads a <c>protocol</c> object in any of its shapes (the three options of OCM §Share Creation Notification › Fields, <c>protocol</c>).</summary>
    public static ShareProtocol ReadProtocol(JsonObjectReader p)
    {
        var name = p.String("name", required: false) ?? ProtocolNames.Multi; // "Default: multi" although marked REQUIRED
        var options = p.Object("options", required: false);
        var legacySecret = options?.String("sharedSecret", required: false);

        var webdavObject = p.Object(ProtocolNames.WebDav, required: false);
        var webdav = webdavObject is { } w ? ReadWebDav(w, legacySecret) : null;

        var datatx = p.Object(ProtocolNames.LegacyDataTx, required: false);
        if (webdav is null && datatx is { } d)
        {
            webdav = ReadLegacyDataTx(d);
        }

        var isLegacyOptionsForm = false;
        if (webdav is null && options is { } opts && string.Equals(name, ProtocolNames.WebDav, StringComparison.OrdinalIgnoreCase))
        {
            // Option 1 (deprecated 1.0 form): the URL is the sender's WebDAV root, the secret is the Basic user.
            var secret = opts.String("sharedSecret", required: true);
            var permissionsText = opts.LenientString("permissions");
            var permissionsList = opts.TryGet("permissions", out var perm) && perm.ValueKind == JsonValueKind.Array
                ? JsonObjectReader.ReadStringList(perm)
                : null;
            webdav = new WebDavProtocol
            {
                Uri = null,
                SharedSecret = secret ?? string.Empty,
                Permissions = permissionsList ?? [WebDavPermissions.Read], // OPTIONAL in the draft: read-only when absent
                LegacyPermissions = permissionsText,
                IsLegacy = true,
            };
            isLegacyOptionsForm = true;
        }

        var webappObject = p.Object(ProtocolNames.WebApp, required: false);
        var webapp = webappObject is { } a ? ReadWebApp(a) : null;
        WebAppProtocol? legacyWebApp = null;
        if (webapp is { IsLegacy: true })
        {
            (legacyWebApp, webapp) = (webapp, null);
        }

        var sshObject = p.Object(ProtocolNames.Ssh, required: false);
        var ssh = sshObject is { } s ? ReadSsh(s) : null;

        Dictionary<string, JsonElement>? others = null;
        foreach (var member in p.Element.EnumerateObject())
        {
            if (!ProtocolMembers.Contains(member.Name) && member.Value.ValueKind != JsonValueKind.Null)
            {
                others ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                others[member.Name] = member.Value.Clone();
            }
        }

        return new ShareProtocol
        {
            Name = name,
            WebDav = webdav,
            WebApp = webapp,
            LegacyWebApp = legacyWebApp,
            Ssh = ssh,
            OtherProtocols = others,
            IsLegacyOptionsForm = isLegacyOptionsForm,
        };
    }

    private static WebDavProtocol ReadWebDav(JsonObjectReader w, string? legacySecret)
    {
        // oCIS sends `url` (owncloud/ocis#11736), the stub `URI`.
        var uri = w.String("uri", required: true, "url", "URI");
        var secret = w.String("sharedSecret", required: false) ?? legacySecret;
        return new WebDavProtocol
        {
            Uri = uri ?? string.Empty,
            SharedSecret = secret ?? string.Empty,
            Permissions = w.StringList("permissions", required: false) ?? [WebDavPermissions.Read], // OPTIONAL in the draft: read-only when absent
            Requirements = NormalizeRequirements(w.StringList("requirements", required: false)),
            AccessTypes = w.StringList("accessTypes", required: false),
            Size = w.Integer("size", required: false),
        };
    }

    private static WebDavProtocol ReadLegacyDataTx(JsonObjectReader d) => new()
    {
        Uri = d.String("srcUri", required: true, "uri") ?? string.Empty,
        SharedSecret = d.String("sharedSecret", required: false) ?? string.Empty,
        Size = d.Integer("size", required: false),
        AccessTypes = [AccessTypes.DataTx],
    };

    private static WebAppProtocol ReadWebApp(JsonObjectReader a) => new()
    {
        Uri = a.String("uri", required: false),
        Targets = a.StringList("targets", required: false),
        Permissions = a.StringList("permissions", required: false),
        Requirements = NormalizeRequirements(a.StringList("requirements", required: false)),
        SharedSecret = a.String("sharedSecret", required: false),
        AppName = a.String("appName", required: false),
        AppIconHint = a.String("appIconHint", required: false),
        MediaTypes = a.StringList("mediaTypes", required: false),
        LegacyViewMode = a.LenientString("viewMode"),
        LegacyUriTemplate = a.LenientString("uriTemplate"),
    };

    private static SshProtocol ReadSsh(JsonObjectReader s) => new()
    {
        Uri = s.String("uri", required: true) ?? string.Empty,
        AccessTypes = s.StringList("accessTypes", required: false),
    };

    /// <summary>1.2 names (renamed in OCM 1.4): <c>mfa-enforced</c> → <c>must-use-mfa</c>, <c>use-code</c> → <c>must-exchange-token</c>.</summary>
    private static string[]? NormalizeRequirements(IReadOnlyList<string>? requirements) =>
        requirements?.Select(r => r.Trim() switch
        {
            "mfa-enforced" => ShareRequirements.MustUseMfa,
            "use-code" => ShareRequirements.MustExchangeToken,
            var other => other,
        }).Distinct(StringComparer.Ordinal).ToArray();
}
