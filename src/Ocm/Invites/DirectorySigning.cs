using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ocm.Invites;

/// <summary>A server a directory list names: its base URL and the name a WAYF page shows.</summary>
internal sealed record DirectoryEntry(string Url, string DisplayName);

/// <summary>Thrown when a directory list cannot be signed as given; the message names the entry and the rule.</summary>
internal sealed class DirectoryListException(string message) : Exception(message);

/// <summary>
/// Makes the signed server list of an OCM Directory Service (OCM Appendix C): a JWS (RFC 7515) in the flattened JSON
/// serialization (§7.2.2), signed with ES256 (RFC 7518 §3.4, r‖s), whose payload is
/// <c>{ "federation": …, "servers": [{ "url", "displayName" }] }</c>. The signing key stays with the operator (offline);
/// WAYF pages verify with its public key, distributed out of band — as <see cref="DirectoryJws"/> does.
/// </summary>
internal static class DirectorySigner
{
    /// <summary>
    /// The signed document. Every URL must be one Appendix C allows (<see cref="DirectoryJws.TryCheckServerUrl"/>) and
    /// appear once; a display name defaults to the URL's host.
    /// </summary>
    /// <exception cref="DirectoryListException">The federation is unnamed, a URL is not allowed, or one repeats.</exception>
    public static string Sign(ECDsa key, string federation, IReadOnlyList<DirectoryEntry> servers)
    {
        if (key.KeySize != 256)
        {
            throw new DirectoryListException($"the key is on a {key.KeySize}-bit curve; ES256 needs P-256");
        }

        if (string.IsNullOrWhiteSpace(federation))
        {
            throw new DirectoryListException("the federation needs a name");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("federation", federation.Trim());
            json.WriteStartArray("servers");
            foreach (var server in servers)
            {
                var url = server.Url.Trim().TrimEnd('/');
                if (!DirectoryJws.TryCheckServerUrl(url, out var authority))
                {
                    throw new DirectoryListException(
                        $"'{server.Url}' is not a server URL a directory may list: it must be https://host[:port] (http only for tests), without a path, user, query or fragment");
                }

                if (!seen.Add(authority))
                {
                    throw new DirectoryListException($"'{server.Url}' is listed twice");
                }

                json.WriteStartObject();
                json.WriteString("url", url);
                json.WriteString("displayName", string.IsNullOrWhiteSpace(server.DisplayName) ? authority : server.DisplayName.Trim());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var protectedPart = Base64Url.EncodeToString("{\"alg\":\"ES256\"}"u8);
        var payloadPart = Base64Url.EncodeToString(payload.ToArray());
        var signature = key.SignData(
            Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var document = new MemoryStream();
        using (var json = new Utf8JsonWriter(document, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("payload", payloadPart);
            json.WriteString("protected", protectedPart);
            json.WriteString("signature", Base64Url.EncodeToString(signature));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(document.ToArray()) + "\n";
    }

    /// <summary>The public half of <paramref name="key"/> as a JWK (RFC 7517; <c>kty</c> EC, <c>crv</c> P-256), one of the forms WAYF configuration takes.</summary>
    public static string PublicJwk(ECDsa key)
    {
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        return $"{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{Base64Url.EncodeToString(point.X)}\",\"y\":\"{Base64Url.EncodeToString(point.Y)}\"}}";
    }
}
