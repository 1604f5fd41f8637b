using System.Text;
using System.Text.Json;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>
/// A JWK Set (RFC 7517 §5), e.g. a peer's <c>jwksUri</c> document. Parsing is lenient: members that are not
/// valid JWK objects are skipped (RFC 7517 §5 says to ignore keys one does not understand).
/// </summary>
public sealed class JsonWebKeySet
{
    /// <summary>Creates a set of keys.</summary>
    public JsonWebKeySet(IEnumerable<JsonWebKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = [.. keys];
    }

    /// <summary>The keys in document order.</summary>
    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>How many members of the parsed document were skipped as unreadable.</summary>
    public int SkippedKeys { get; private init; }

    /// <summary>Parses a JWK Set from UTF-8 JSON.</summary>
    /// <exception cref="FormatException">The JSON is invalid or has no <c>keys</c> array.</exception>
    public static JsonWebKeySet Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("A JWK Set must be an object with a \"keys\" array.");
            }

            var parsed = new List<JsonWebKey>();
            var skipped = 0;
            foreach (var element in keys.EnumerateArray())
            {
                try
                {
                    parsed.Add(JsonWebKey.Parse(element));
                }
                catch (FormatException)
                {
                    skipped++;
                }
            }

            return new JsonWebKeySet(parsed) { SkippedKeys = skipped };
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Invalid JWK Set JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Parses a JWK Set from JSON text.</summary>
    public static JsonWebKeySet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The first key whose <c>kid</c> equals <paramref name="keyId"/> (ordinal), or null.</summary>
    public JsonWebKey? Find(string keyId)
    {
        foreach (var key in Keys)
        {
            if (string.Equals(key.Kid, keyId, StringComparison.Ordinal))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The set as JSON <c>{"keys":[...]}</c>.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                key.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
