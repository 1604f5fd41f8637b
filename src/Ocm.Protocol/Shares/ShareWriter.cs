using System.Text.Json;
using System.Text.Json.Nodes;
using Ocm.Protocol.Json;

namespace Ocm.Protocol.Shares;

/// <summary>Writes a share in the wire shape a peer understands (see <see cref="ShareDialect"/>).</summary>
internal static class ShareWriter
{
    /// <summary>What Nextcloud puts into the legacy <c>options.permissions</c>: "read the WebDAV property".</summary>
    public const string NextcloudPermissionsProperty = "{http://open-cloud-mesh.org/ns}share-permissions";

    public static byte[] Write(NewShare share, ShareDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(share);
        if (dialect == ShareDialect.Ocm14)
        {
            return JsonSerializer.SerializeToUtf8Bytes(share, OcmJsonContext.Default.NewShare);
        }

        var node = JsonSerializer.SerializeToNode(share, OcmJsonContext.Default.NewShare)!.AsObject();
        var protocol = node["protocol"]!.AsObject();
        switch (dialect)
        {
            case ShareDialect.RevaCompatible:
                protocol["options"] = new JsonObject();
                break;

            case ShareDialect.NextcloudLegacy:
                // Nextcloud reads the 1.0-proposal1 names; Seafile-via-WebDAV reads only these.
                node["sharedBy"] = share.Sender.ToString();
                if (share.SenderDisplayName is not null)
                {
                    node["sharedByDisplayName"] = share.SenderDisplayName;
                }

                if (share.Protocol.WebDav is { } webdav)
                {
                    protocol["name"] = ProtocolNames.WebDav;
                    protocol["options"] = new JsonObject
                    {
                        ["sharedSecret"] = webdav.SharedSecret,
                        ["permissions"] = NextcloudPermissionsProperty,
                    };
                    if (webdav.Uri is null)
                    {
                        protocol.Remove(ProtocolNames.WebDav);
                    }
                }

                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "Unknown share dialect.");
        }

        return JsonNodeBytes(node);
    }

    internal static byte[] JsonNodeBytes(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
