using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Discovery;

/// <summary>
/// What a peer's discovery document says about it: the dialect it speaks and every violation of the 1.4 rules
/// (OCM §OCM API Discovery › Fields) in plain words, for logs, an "OCM doctor" and our own builder.
/// </summary>
public sealed partial record DiscoveryAnalysis
{
    /// <summary>The normalized document.</summary>
    public required DiscoveryDocument Document { get; init; }

    /// <summary>The implementation family.</summary>
    public required OcmDialect Dialect { get; init; }

    /// <summary>Human-readable spec violations; empty for a conformant 1.4 document.</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    /// <summary>True when no violation was found.</summary>
    public bool IsConformant => Violations.Count == 0;

    /// <summary>The share shape to send this peer (what each family accepts, see <see cref="Shares.ShareDialect"/>).</summary>
    public ShareDialect ShareDialect => Dialect switch
    {
        OcmDialect.Ocm14 => ShareDialect.Ocm14,
        OcmDialect.NextcloudLegacy or OcmDialect.OwnCloud10 or OcmDialect.Seafile => ShareDialect.NextcloudLegacy,
        _ => ShareDialect.RevaCompatible,
    };

    /// <summary>Parses and analyzes a discovery body. Throws <see cref="Errors.OcmFormatException"/> only for malformed JSON.</summary>
    public static DiscoveryAnalysis Analyze(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        var model = OcmJson.ReadDiscovery(document.RootElement);
        return Analyze(model, document.RootElement);
    }

    /// <summary>
    /// Analyzes a document. With the <paramref name="raw"/> JSON it was read from, wire-level quirks (legacy keys,
    /// wrong types, legacy names that the reader normalized) are taken into account too.
    /// </summary>
    public static DiscoveryAnalysis Analyze(DiscoveryDocument document, JsonElement? raw = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var violations = new List<string>();
        CheckRaw(raw, violations);
        CheckDocument(document, violations);
        return new DiscoveryAnalysis
        {
            Document = document,
            Dialect = DetectDialect(document, raw),
            Violations = violations,
        };
    }

    private static void CheckRaw(JsonElement? raw, List<string> violations)
    {
        if (raw is not { ValueKind: JsonValueKind.Object } root)
        {
            return;
        }

        void Require(string name, JsonValueKind kind, string typeName)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                violations.Add($"'{name}' is missing (REQUIRED).");
            }
            else if (value.ValueKind != kind && !(kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False))
            {
                violations.Add($"'{name}' must be {typeName}.");
            }
        }

        Require("enabled", JsonValueKind.True, "a boolean");
        Require("apiVersion", JsonValueKind.String, "a string");
        Require("endPoint", JsonValueKind.String, "a string");
        Require("resourceTypes", JsonValueKind.Array, "an array");

        foreach (var (name, legacy) in new[] { ("capabilities", true), ("criteria", false) })
        {
            if (!root.TryGetProperty(name, out var list))
            {
                continue;
            }

            if (list.ValueKind != JsonValueKind.Array)
            {
                violations.Add($"'{name}' must be an array of strings.");
                continue;
            }

            foreach (var item in list.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!))
            {
                var normalized = legacy ? OcmCapabilities.Normalize(item) : OcmCriteria.Normalize(item);
                if (!string.Equals(normalized, item, StringComparison.Ordinal))
                {
                    violations.Add($"'{name}' uses the legacy name '{item}' (1.4: '{normalized}').");
                }
            }
        }

        if (root.TryGetProperty("publicKey", out _))
        {
            violations.Add("'publicKey' (draft-cavage) was removed in OCM 1.4.");
        }

        if (root.TryGetProperty("resourceTypes", out var types) && types.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in types.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    violations.Add("every 'resourceTypes' item must be an object.");
                    continue;
                }

                foreach (var member in new[] { "name", "shareTypes", "protocols" })
                {
                    if (!entry.TryGetProperty(member, out _))
                    {
                        violations.Add($"a 'resourceTypes' item lacks '{member}'.");
                    }
                }

                if (entry.TryGetProperty("protocols", out var protocols) && protocols.ValueKind == JsonValueKind.Object
                    && protocols.TryGetProperty("webapp", out var webapp) && webapp.ValueKind == JsonValueKind.String)
                {
                    violations.Add("'protocols.webapp' is a ≤1.3 path string; 1.4 uses an object.");
                }
            }
        }
    }

    private static void CheckDocument(DiscoveryDocument doc, List<string> violations)
    {
        if (doc.ApiVersion.Length > 0 && !SemVer().IsMatch(doc.ApiVersion))
        {
            violations.Add($"'apiVersion' \"{doc.ApiVersion}\" is not a semantic version like 1.4.0.");
        }

        if (doc.EndPoint.Length > 0)
        {
            if (DiscoveryUris.Absolute(doc.EndPoint) is not { } endPoint)
            {
                violations.Add($"'endPoint' \"{doc.EndPoint}\" is not an absolute URL.");
            }
            else if (endPoint.Scheme != Uri.UriSchemeHttps)
            {
                violations.Add("'endPoint' must use https (http only in test setups, OCM §OCM API Discovery › Process).");
            }
        }

        if (doc.ResourceTypes.Count == 0)
        {
            violations.Add("no resource type is advertised.");
        }

        foreach (var duplicate in doc.ResourceTypes.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            violations.Add($"resource type '{duplicate.Key}' is listed more than once.");
        }

        foreach (var entry in doc.ResourceTypes)
        {
            if (!entry.ShareTypes.Contains(ShareTypes.User, StringComparer.Ordinal))
            {
                violations.Add($"resource type '{entry.Name}' does not list share type 'user'.");
            }

            if (entry.Protocols.Count == 0)
            {
                violations.Add($"resource type '{entry.Name}' advertises no protocol.");
            }

            if (entry.Name == ResourceTypes.File && entry.Protocols.WebDav is null)
            {
                violations.Add("resource type 'file' does not advertise 'webdav'.");
            }

            if (entry.Protocols.WebDavReceive is { } receive && receive.Uri is not (WebDavUriForms.Absolute or WebDavUriForms.Relative))
            {
                violations.Add($"'webdav-receive.uri' of '{entry.Name}' must be \"absolute\" or \"relative\".");
            }

            if (entry.Protocols.WebAppReceive is { } webapp
                && (webapp.Targets.Count == 0 || webapp.Targets.Any(t => t is not (WebAppTargets.Blank or WebAppTargets.Iframe))))
            {
                violations.Add($"'webapp-receive.targets' of '{entry.Name}' must list \"blank\" and/or \"iframe\".");
            }
        }

        if (doc.SupportsCapability(OcmCapabilities.ExchangeToken))
        {
            if (string.IsNullOrWhiteSpace(doc.TokenEndPoint))
            {
                violations.Add("'exchange-token' is advertised without 'tokenEndPoint'.");
            }
            else if (doc.GetTokenEndPointUri() is null)
            {
                violations.Add("'tokenEndPoint' is not an absolute URL.");
            }
        }

        if (doc.HasCriterion(OcmCriteria.MustExchangeToken) && !doc.SupportsCapability(OcmCapabilities.ExchangeToken))
        {
            violations.Add("criterion 'must-exchange-token' without capability 'exchange-token'.");
        }

        if (doc.SupportsCapability(OcmCapabilities.HttpSig))
        {
            if (string.IsNullOrWhiteSpace(doc.JwksUri))
            {
                violations.Add("'http-sig' is advertised without 'jwksUri'.");
            }
            else if (doc.GetJwksUri() is not { } jwks)
            {
                violations.Add("'jwksUri' is not an absolute URL.");
            }
            else if (jwks.Scheme != Uri.UriSchemeHttps)
            {
                violations.Add("'jwksUri' must use https.");
            }
        }

        if (doc.HasCriterion(OcmCriteria.MustUseHttpSig) && !doc.SupportsCapability(OcmCapabilities.HttpSig))
        {
            violations.Add("criterion 'must-use-http-sig' without capability 'http-sig'.");
        }

        if (doc.SupportsCapability(OcmCapabilities.Invites) && string.IsNullOrWhiteSpace(doc.InviteAcceptDialog))
        {
            violations.Add("'invites' is advertised without 'inviteAcceptDialog'.");
        }

        if (doc.SupportsCapability(OcmCapabilities.LegacyWebDavUri))
        {
            violations.Add("capability 'webdav-uri' is superseded by 'webdav-receive' in 1.4.");
        }
    }

    private static OcmDialect DetectDialect(DiscoveryDocument doc, JsonElement? raw)
    {
        var root = raw is { ValueKind: JsonValueKind.Object } r ? r : (JsonElement?)null;

        // Seafile: single-object resourceTypes, `library` resources, the `Seafile API` protocol, `seafdav` root.
        var singleObject = root?.TryGetProperty("resourceTypes", out var rt) == true && rt.ValueKind == JsonValueKind.Object;
        if (singleObject
            || doc.ResourceTypes.Any(t => t.Name == "library"
                || t.Protocols.Other?.ContainsKey("Seafile API") == true
                || (t.Protocols.WebDav is { Length: > 0 } w && !w.StartsWith('/') && DiscoveryUris.Absolute(w) is null)))
        {
            return OcmDialect.Seafile;
        }

        // ownCloud 10: the resource list is under `shareTypes`.
        if (root?.TryGetProperty("shareTypes", out var st) == true && st.ValueKind == JsonValueKind.Array
            && root?.TryGetProperty("resourceTypes", out _) != true)
        {
            return OcmDialect.OwnCloud10;
        }

        var rawCapabilities = root?.TryGetProperty("capabilities", out var caps) == true && caps.ValueKind == JsonValueKind.Array
            ? caps.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToArray()
            : [];
        var hasNextcloudVersion = root?.TryGetProperty("version", out _) == true;
        var nextcloudCapabilities = rawCapabilities.Contains("invite-accepted") || rawCapabilities.Contains("shares");
        if (doc.ApiVersion.StartsWith("1.0", StringComparison.Ordinal) || hasNextcloudVersion || nextcloudCapabilities)
        {
            return OcmDialect.NextcloudLegacy;
        }

        var version = ParseMajorMinor(doc.ApiVersion);
        if (version is { } v && (v.Major > 1 || (v.Major == 1 && v.Minor >= 4)))
        {
            return OcmDialect.Ocm14;
        }

        if (version is { Major: 1 } || doc.SupportsCapability(OcmCapabilities.ProtocolObject)
            || doc.SupportsCapability(OcmCapabilities.LegacyWebDavUri))
        {
            return OcmDialect.RevaFamily;
        }

        return OcmDialect.Unknown;
    }

    private static (int Major, int Minor)? ParseMajorMinor(string apiVersion)
    {
        var match = MajorMinor().Match(apiVersion);
        return match.Success
            ? (int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVer();

    [GeneratedRegex(@"^v?(\d{1,4})\.(\d{1,4})", RegexOptions.CultureInvariant)]
    private static partial Regex MajorMinor();
}
