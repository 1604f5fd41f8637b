using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Shares;

/// <summary>
/// The receiver-side rules of OCM §Share Creation Notification › Fields for a share, usable on a model built in code (e.g.
/// before sending) as well as inside <see cref="Json.OcmJson.ValidateShare(ReadOnlySpan{byte}, ShareValidationOptions?)"/>.
/// </summary>
public static class ShareValidator
{
    private static readonly HashSet<string> KnownRequirements = new(StringComparer.Ordinal)
    {
        ShareRequirements.MustExchangeToken, ShareRequirements.MustUseMfa,
    };

    private static readonly HashSet<string> KnownAccessTypes = new(StringComparer.Ordinal) { AccessTypes.Remote, AccessTypes.DataTx };

    private static readonly HashSet<string> KnownTargets = new(StringComparer.Ordinal) { WebAppTargets.Blank, WebAppTargets.Iframe };

    private static readonly HashSet<string> KnownWebAppPermissions = new(StringComparer.Ordinal)
    {
        WebAppPermissions.View, WebAppPermissions.Read, WebAppPermissions.Write, WebAppPermissions.Share,
    };

    /// <summary>Checks a share against the spec rules and what this server supports; reports every problem.</summary>
    public static OcmValidationResult Validate(NewShare share, ShareValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(share);
        var errors = new ValidationCollector();
        if (string.IsNullOrWhiteSpace(share.Name))
        {
            errors.Invalid("name", ValidationMessages.Required);
        }

        if (string.IsNullOrWhiteSpace(share.ProviderId))
        {
            errors.Invalid("providerId", ValidationMessages.Required);
        }

        Check(share.ShareType, share.ResourceType, share.Expiration, share.Protocol, errors, options ?? ShareValidationOptions.Default);
        return errors.ToResult();
    }

    internal static void Check(
        string? shareType,
        string? resourceType,
        long? expiration,
        ShareProtocol? protocol,
        ValidationCollector errors,
        ShareValidationOptions options)
    {
        if (!string.IsNullOrWhiteSpace(shareType) && !options.SupportedShareTypes.Contains(shareType))
        {
            errors.Unsupported("shareType", ValidationMessages.UnsupportedShareType);
        }

        if (!string.IsNullOrWhiteSpace(resourceType) && !options.SupportedResourceTypes.Contains(resourceType))
        {
            errors.Unsupported("resourceType", ValidationMessages.UnsupportedResourceType);
        }

        if (expiration is < 0)
        {
            errors.Invalid("expiration", ValidationMessages.Negative);
        }
        else if (expiration is > UnixTime.MaxSeconds)
        {
            errors.Invalid("expiration", ValidationMessages.TooFarInTheFuture);
        }
        else if (expiration is { } seconds && options.Now is { } now && seconds <= now.ToUnixTimeSeconds())
        {
            errors.Invalid("expiration", ValidationMessages.Expired);
        }

        if (protocol is not null)
        {
            CheckProtocol(protocol, errors, options);
        }
    }

    private static void CheckProtocol(ShareProtocol protocol, ValidationCollector errors, ShareValidationOptions options)
    {
        if (protocol.WebDav is { } webdav)
        {
            CheckWebDav(webdav, errors, options);
        }

        var webappUsable = protocol.WebApp is not null;
        if (protocol.WebApp is { } webapp)
        {
            CheckWebApp(webapp, errors, options);
        }

        if (protocol.Ssh is { } ssh)
        {
            if (string.IsNullOrWhiteSpace(ssh.Uri))
            {
                errors.Invalid("protocol.ssh.uri", ValidationMessages.Required);
            }

            CheckAccessTypes("protocol.ssh.accessTypes", ssh.AccessTypes, errors);
        }

        var offered = new List<string>();
        if (protocol.WebDav is not null)
        {
            offered.Add(ProtocolNames.WebDav);
        }

        if (webappUsable)
        {
            offered.Add(ProtocolNames.WebApp);
        }

        if (protocol.Ssh is not null)
        {
            offered.Add(ProtocolNames.Ssh);
        }

        if (offered.Count == 0 && protocol.LegacyWebApp is null && protocol.OtherProtocols is not { Count: > 0 })
        {
            // Option 1 with an unknown name (e.g. Seafile's "Seafile API") is a protocol we do not speak.
            var knownName = protocol.Name is ProtocolNames.Multi or ProtocolNames.WebDav or ProtocolNames.WebApp or ProtocolNames.Ssh;
            if (knownName)
            {
                errors.Invalid("protocol", ValidationMessages.NoAccessMethod);
            }
            else
            {
                errors.Unsupported("protocol", ValidationMessages.UnsupportedProtocol);
            }
        }
        else if (!offered.Any(options.SupportedProtocols.Contains))
        {
            errors.Unsupported("protocol", ValidationMessages.UnsupportedProtocol);
        }

        if (options.RequireTokenExchange)
        {
            // OCM §Share Creation Notification: with our criterion must-exchange-token every offered protocol must carry the requirement.
            if (protocol.WebDav is { } w && !w.MustExchangeToken)
            {
                errors.Invalid(w.IsLegacy ? "protocol" : "protocol.webdav.requirements", ValidationMessages.MissingTokenExchangeRequirement);
            }
        }
    }

    private static void CheckWebDav(WebDavProtocol webdav, ValidationCollector errors, ShareValidationOptions options)
    {
        if (!webdav.IsLegacy && string.IsNullOrWhiteSpace(webdav.Uri))
        {
            errors.Invalid("protocol.webdav.uri", ValidationMessages.Required);
        }

        if (string.IsNullOrWhiteSpace(webdav.SharedSecret))
        {
            // sharedSecret is REQUIRED in 1.4 payloads; a legacy share without one is discarded (OCM §Resource Access step 5).
            errors.Invalid(webdav.IsLegacy ? "protocol.options.sharedSecret" : "protocol.webdav.sharedSecret", ValidationMessages.Required);
        }

        if (webdav.Permissions.Count == 0)
        {
            errors.Invalid("protocol.webdav.permissions", ValidationMessages.Empty);
        }

        CheckRequirements("protocol.webdav.requirements", webdav.Requirements, errors, options);
        CheckAccessTypes("protocol.webdav.accessTypes", webdav.AccessTypes, errors);
        if (webdav.Size is < 0)
        {
            errors.Invalid("protocol.webdav.size", ValidationMessages.Negative);
        }
    }

    private static void CheckWebApp(WebAppProtocol webapp, ValidationCollector errors, ShareValidationOptions options)
    {
        if (string.IsNullOrWhiteSpace(webapp.Uri))
        {
            errors.Invalid("protocol.webapp.uri", ValidationMessages.Required);
        }
        else if (!Uri.TryCreate(webapp.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Invalid("protocol.webapp.uri", ValidationMessages.NotAbsoluteUri); // MUST be absolute
        }

        if (webapp.Targets is null)
        {
            errors.Invalid("protocol.webapp.targets", ValidationMessages.Required);
        }
        else if (webapp.Targets.Count == 0)
        {
            errors.Invalid("protocol.webapp.targets", ValidationMessages.Empty); // MUST NOT be empty
        }
        else if (!webapp.Targets.All(KnownTargets.Contains))
        {
            errors.Invalid("protocol.webapp.targets", ValidationMessages.InvalidValue);
        }
        else if (options.WebAppTargets is { } ours && !webapp.Targets.Any(ours.Contains))
        {
            errors.Unsupported("protocol.webapp.targets", ValidationMessages.UnsupportedProtocol); // no common target (OCM §Resource Access step 6)
        }

        if (webapp.Permissions is null)
        {
            errors.Invalid("protocol.webapp.permissions", ValidationMessages.Required);
        }
        else if (webapp.Permissions.Count == 0)
        {
            errors.Invalid("protocol.webapp.permissions", ValidationMessages.Empty); // MUST NOT be empty
        }
        else if (!webapp.Permissions.All(KnownWebAppPermissions.Contains))
        {
            errors.Invalid("protocol.webapp.permissions", ValidationMessages.InvalidValue);
        }

        if (webapp.Requirements is null)
        {
            errors.Invalid("protocol.webapp.requirements", ValidationMessages.Required);
        }
        else if (webapp.Requirements.Count > 0 && !webapp.Requirements.Contains(ShareRequirements.MustExchangeToken))
        {
            errors.Invalid("protocol.webapp.requirements", ValidationMessages.WebAppRequiresTokenExchange); // MUST include must-exchange-token
        }

        CheckRequirements("protocol.webapp.requirements", webapp.Requirements, errors, options);

        if (string.IsNullOrWhiteSpace(webapp.SharedSecret))
        {
            errors.Invalid("protocol.webapp.sharedSecret", ValidationMessages.Required); // REQUIRED
        }
    }

    private static void CheckRequirements(string name, IReadOnlyList<string>? requirements, ValidationCollector errors, ShareValidationOptions options)
    {
        if (requirements is null)
        {
            return;
        }

        if (requirements.Count == 0)
        {
            errors.Invalid(name, ValidationMessages.Empty); // OpenAPI NewShare: if present MUST NOT be empty
            return;
        }

        // OpenAPI NewShare: a requirement we do not understand, or cannot honour, means we must not accept the share.
        if (requirements.Any(r => !KnownRequirements.Contains(r) || !options.SupportedRequirements.Contains(r)))
        {
            errors.Unsupported(name, ValidationMessages.UnsupportedRequirement);
        }
    }

    private static void CheckAccessTypes(string name, IReadOnlyList<string>? accessTypes, ValidationCollector errors)
    {
        if (accessTypes is null)
        {
            return;
        }

        if (accessTypes.Count == 0)
        {
            errors.Invalid(name, ValidationMessages.Empty);
        }
        else if (!accessTypes.All(KnownAccessTypes.Contains))
        {
            errors.Invalid(name, ValidationMessages.InvalidValue);
        }
    }
}
