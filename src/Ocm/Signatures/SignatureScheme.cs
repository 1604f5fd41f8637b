using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Discovery.Client;

namespace Ocm.Signatures;

/// <summary>How a server-to-server request is signed (OCM §HTTP Message Signatures).</summary>
[JsonConverter(typeof(SignatureSchemeJsonConverter))]
internal enum SignatureScheme
{
    /// <summary>Not signed.</summary>
    None,

    /// <summary>HTTP Message Signatures (RFC 9421), the key published in the JWK Set (<c>jwksUri</c>).</summary>
    Rfc9421,

    /// <summary>draft-cavage-http-signatures, the key published as discovery's legacy <c>publicKey</c> (Nextcloud ≤ 34).</summary>
    Cavage,
}

internal static class SignatureSchemes
{
    /// <summary>The scheme's name in logs, on the command line and in <c>keys.json</c>: <c>none</c>, <c>rfc9421</c>, <c>cavage</c>.</summary>
    public static string Name(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.Rfc9421 => "rfc9421",
        SignatureScheme.Cavage => "cavage",
        _ => "none",
    };

    /// <summary>The scheme as operators read it in logs: <c>RFC 9421</c>, <c>draft-cavage</c>, <c>none</c>.</summary>
    public static string Label(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.Rfc9421 => "RFC 9421",
        SignatureScheme.Cavage => "draft-cavage",
        _ => "none",
    };

    public static bool TryParse(string? name, out SignatureScheme scheme)
    {
        foreach (var candidate in Enum.GetValues<SignatureScheme>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                scheme = candidate;
                return true;
            }
        }

        scheme = default;
        return false;
    }

    /// <summary>
    /// The scheme a peer understands, from its discovery: RFC 9421 when it advertises <c>http-sig</c> or a
    /// <c>jwksUri</c>, draft-cavage when it only publishes a legacy <c>publicKey</c>, unsigned otherwise unless
    /// <paramref name="alwaysSign"/> (<c>Ocm:Security:AlwaysSign</c>). Without a discovery to go by (null), RFC 9421:
    /// a signature never hurts a peer that ignores it.
    /// </summary>
    public static SignatureScheme For(DiscoveredServer? peer, bool alwaysSign)
    {
        if (peer is null)
        {
            return SignatureScheme.Rfc9421;
        }

        var document = peer.Document;
        if (document.SupportsCapability(OcmCapabilities.HttpSig) || document.JwksUri is not null)
        {
            return SignatureScheme.Rfc9421;
        }

        if (document.PublicKey is not null || document.PublicKeys is { Count: > 0 })
        {
            return SignatureScheme.Cavage;
        }

        return alwaysSign ? SignatureScheme.Rfc9421 : SignatureScheme.None;
    }
}

/// <summary>Writes a scheme by its <see cref="SignatureSchemes.Name"/>, as <c>keys.json</c> has always stored it.</summary>
internal sealed class SignatureSchemeJsonConverter : JsonConverter<SignatureScheme>
{
    public override SignatureScheme Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SignatureSchemes.TryParse(reader.GetString(), out var scheme) ? scheme : throw new JsonException($"Unknown signature scheme '{reader.GetString()}'.");

    public override void Write(Utf8JsonWriter writer, SignatureScheme value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
