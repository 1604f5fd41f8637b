using System.Text.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Discovery;

/// <summary>
/// Maps every discovery dialect deployed peers publish onto <see cref="DiscoveryDocument"/>. Never fails on a
/// member's type or an unknown key (reva changelog 3.10.2 fixed exactly that); spec violations are the business of
/// <see cref="DiscoveryAnalysis"/>.
/// </summary>
internal static class DiscoveryReader
{
    public static DiscoveryDocument Read(JsonElement root)
    {
        var o = new JsonObjectReader(root, string.Empty, new ValidationCollector());

        return new DiscoveryDocument
        {
            // Absent `enabled` is a violation, but a peer that publishes a document at all most likely has OCM on.
            Enabled = o.Boolean("enabled", required: false) ?? true,
            ApiVersion = o.LenientString("apiVersion") ?? string.Empty,
            EndPoint = (o.LenientString("endPoint", "endpoint") ?? string.Empty).Trim(),
            Provider = o.LenientString("provider"),
            ResourceTypes = ReadResourceTypes(o),
            Capabilities = NormalizeList(o.LenientStringList("capabilities"), OcmCapabilities.Normalize),
            Criteria = NormalizeList(o.LenientStringList("criteria"), OcmCriteria.Normalize),
            InviteAcceptDialog = o.LenientString("inviteAcceptDialog"),
            JwksUri = o.LenientString("jwksUri"),
            TokenEndPoint = o.LenientString("tokenEndPoint"),
            PublicKey = o.TryGet("publicKey", out var key) ? ReadPublicKey(key) : null,
            PublicKeys = o.TryGet("publicKeys", out var keys) && keys.ValueKind == JsonValueKind.Array
                ? keys.EnumerateArray().Select(ReadPublicKey).OfType<LegacyPublicKey>().ToArray()
                : null,
        };
    }

    private static ResourceTypeDescriptor[] ReadResourceTypes(JsonObjectReader o)
    {
        // ownCloud 10 names the list `shareTypes`; Seafile sends a single object instead of an array.
        if (!o.TryGet("resourceTypes", out var value) && !(o.TryGet("shareTypes", out value) && value.ValueKind == JsonValueKind.Array))
        {
            return [];
        }

        IEnumerable<JsonElement> items = value.ValueKind switch
        {
            JsonValueKind.Array => value.EnumerateArray(),
            JsonValueKind.Object => [value],
            _ => [],
        };

        return items.Where(i => i.ValueKind == JsonValueKind.Object).Select(ReadResourceType).OfType<ResourceTypeDescriptor>().ToArray();
    }

    private static ResourceTypeDescriptor? ReadResourceType(JsonElement element)
    {
        var o = new JsonObjectReader(element, string.Empty, new ValidationCollector());
        var name = o.LenientString("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        return new ResourceTypeDescriptor
        {
            Name = name.Trim(),
            ShareTypes = o.LenientStringList("shareTypes") ?? [Shares.ShareTypes.User],
            Protocols = o.TryGet("protocols", out var protocols) && protocols.ValueKind == JsonValueKind.Object
                ? ReadProtocols(protocols)
                : new DiscoveryProtocols(),
        };
    }

    private static DiscoveryProtocols ReadProtocols(JsonElement element)
    {
        string? webdav = null;
        WebDavReceive? webdavReceive = null;
        WebAppSend? webapp = null;
        WebAppReceive? webappReceive = null;
        string? ssh = null;
        SshReceive? sshReceive = null;
        Dictionary<string, JsonElement>? other = null;

        foreach (var member in element.EnumerateObject())
        {
            var value = member.Value;
            var handled = true;
            switch (member.Name)
            {
                case "webdav" when value.ValueKind == JsonValueKind.String:
                    webdav = value.GetString()!.Trim();
                    break;
                case "webdav-receive":
                    var uri = value.ValueKind switch
                    {
                        JsonValueKind.Object when value.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                        JsonValueKind.String => value.GetString(),
                        _ => null,
                    };
                    webdavReceive = uri is null ? null : new WebDavReceive { Uri = uri.Trim().ToLowerInvariant() };
                    handled = webdavReceive is not null;
                    break;
                case "webapp" when value.ValueKind is JsonValueKind.Object or JsonValueKind.String:
                    webapp = new WebAppSend(); // ≤1.3 sent a documentation-only path string.
                    break;
                case "webapp-receive" when value.ValueKind == JsonValueKind.Object:
                    var targets = value.TryGetProperty("targets", out var t) ? JsonObjectReader.ReadStringList(t) : null;
                    webappReceive = new WebAppReceive { Targets = targets ?? [] };
                    break;
                case "ssh" when value.ValueKind == JsonValueKind.String:
                    ssh = value.GetString();
                    break;
                case "ssh-receive" when value.ValueKind != JsonValueKind.Null:
                    sshReceive = new SshReceive();
                    break;
                default:
                    handled = false;
                    break;
            }

            if (!handled && value.ValueKind != JsonValueKind.Null)
            {
                other ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                other[member.Name] = value.Clone();
            }
        }

        return new DiscoveryProtocols
        {
            WebDav = webdav,
            WebDavReceive = webdavReceive,
            WebApp = webapp,
            WebAppReceive = webappReceive,
            Ssh = ssh,
            SshReceive = sshReceive,
            Other = other,
        };
    }

    private static LegacyPublicKey? ReadPublicKey(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            // The stub publishes a bare PEM string.
            var pem = element.GetString();
            return string.IsNullOrWhiteSpace(pem) ? null : new LegacyPublicKey { PublicKeyPem = pem };
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var o = new JsonObjectReader(element, string.Empty, new ValidationCollector());
        var publicKeyPem = o.LenientString("publicKeyPem");
        return publicKeyPem is null
            ? null
            : new LegacyPublicKey
            {
                KeyId = o.LenientString("keyId", "id"), // the old RFC text used `id`
                PublicKeyPem = publicKeyPem,
                Algorithm = o.LenientString("algorithm"),
            };
    }

    private static string[] NormalizeList(IReadOnlyList<string>? values, Func<string, string> normalize) =>
        values is null ? [] : values.Select(normalize).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
}
