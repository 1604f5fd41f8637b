using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ocm.Protocol.Addressing;

/// <summary>Writes an <see cref="OcmAddress"/> as its strict string form; reads it leniently.</summary>
public sealed class OcmAddressJsonConverter : JsonConverter<OcmAddress>
{
    /// <inheritdoc/>
    public override OcmAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("An OCM address must be a JSON string.");
        }

        var text = reader.GetString();
        return OcmAddress.TryParse(text, out var address, out var error)
            ? address
            : throw new JsonException("Invalid OCM address: " + error + ".");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, OcmAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
