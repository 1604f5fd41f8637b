using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ocm.Hosting;

/// <summary>
/// Strings in the user API's JSON bodies: one containing the NUL character (<c>"\u0000"</c>) is refused while the body
/// is read, so the request gets a 400 instead of reaching the database (PostgreSQL cannot store NUL in text; no name,
/// label or address has a use for it).
/// </summary>
internal sealed class NulFreeStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        return value is not null && value.Contains('\0', StringComparison.Ordinal)
            ? throw new JsonException("A string contains the NUL character (\\u0000).")
            : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
