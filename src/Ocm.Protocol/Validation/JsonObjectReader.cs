using System.Globalization;
using System.Text.Json;
using Ocm.Protocol.Addressing;

namespace Ocm.Protocol.Validation;

/// <summary>
/// Reads members of a JSON object leniently while recording type errors and missing fields under their spec
/// name. A wrong type in one member never hides problems in the others.
/// </summary>
internal readonly struct JsonObjectReader
{
    private readonly string _path;

    public JsonObjectReader(JsonElement element, string path, ValidationCollector errors)
    {
        Element = element;
        _path = path;
        Errors = errors;
    }

    public JsonElement Element { get; }

    public ValidationCollector Errors { get; }

    public string PathOf(string name) => _path.Length == 0 ? name : _path + "." + name;

    /// <summary>Finds a member by its spec name or one of its aliases; JSON null counts as absent.</summary>
    public bool TryGet(string name, out JsonElement value, params ReadOnlySpan<string> aliases)
    {
        if (Element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        foreach (var alias in aliases)
        {
            if (Element.TryGetProperty(alias, out value) && value.ValueKind != JsonValueKind.Null)
            {
                return true;
            }
        }

        value = default;
        return false;
    }

    public bool Has(string name, params ReadOnlySpan<string> aliases) => TryGet(name, out _, aliases);

    /// <summary>A string member; an empty or whitespace-only required string counts as missing.</summary>
    public string? String(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            if (required)
            {
                Errors.Invalid(PathOf(name), ValidationMessages.Required);
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Errors.Invalid(PathOf(name), ValidationMessages.ExpectedString);
            return null;
        }

        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            Errors.Invalid(PathOf(name), ValidationMessages.Required);
            return null;
        }

        return text;
    }

    /// <summary>A string that some peers send as a JSON number (e.g. <c>providerId</c> in a Nextcloud share).</summary>
    public string? StringOrNumber(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (TryGet(name, out var value, aliases) && value.ValueKind == JsonValueKind.Number)
        {
            return value.GetRawText();
        }

        return String(name, required, aliases);
    }

    /// <summary>An integer member; a string of digits is accepted leniently.</summary>
    public long? Integer(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            if (required)
            {
                Errors.Invalid(PathOf(name), ValidationMessages.Required);
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String
            && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        Errors.Invalid(PathOf(name), ValidationMessages.ExpectedInteger);
        return null;
    }

    /// <summary>A boolean member; the strings "true"/"false" are accepted leniently.</summary>
    public bool? Boolean(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            if (required)
            {
                Errors.Invalid(PathOf(name), ValidationMessages.Required);
            }

            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed):
                return parsed;
            default:
                Errors.Invalid(PathOf(name), ValidationMessages.ExpectedBoolean);
                return null;
        }
    }

    /// <summary>An array of strings; a single string is accepted as a one-element array (string-or-array fields).</summary>
    public IReadOnlyList<string>? StringList(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            if (required)
            {
                Errors.Invalid(PathOf(name), ValidationMessages.Required);
            }

            return null;
        }

        var list = ReadStringList(value);
        if (list is null)
        {
            Errors.Invalid(PathOf(name), ValidationMessages.ExpectedStringArray);
        }

        return list;
    }

    /// <summary>A nested object; returns null (and records the error) when absent-but-required or not an object.</summary>
    public JsonObjectReader? Object(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            if (required)
            {
                Errors.Invalid(PathOf(name), ValidationMessages.Required);
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Errors.Invalid(PathOf(name), ValidationMessages.ExpectedObject);
            return null;
        }

        return new JsonObjectReader(value, PathOf(name), Errors);
    }

    /// <summary>An OCM Address member, parsed leniently (scheme, trailing slash, duplicated host tolerated).</summary>
    public OcmAddress? Address(string name, bool required, params ReadOnlySpan<string> aliases)
    {
        var text = String(name, required, aliases);
        if (text is null)
        {
            return null;
        }

        if (!OcmAddress.TryParse(text, out var address))
        {
            Errors.Invalid(PathOf(name), ValidationMessages.InvalidOcmAddress);
            return null;
        }

        return address;
    }

    /// <summary>A string member that is silently ignored when it has the wrong type (free-form peer data).</summary>
    public string? LenientString(string name, params ReadOnlySpan<string> aliases)
    {
        if (!TryGet(name, out var value, aliases))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>A string-or-array member that is silently ignored when it has the wrong type.</summary>
    public IReadOnlyList<string>? LenientStringList(string name, params ReadOnlySpan<string> aliases) =>
        TryGet(name, out var value, aliases) ? ReadStringList(value) : null;

    internal static IReadOnlyList<string>? ReadStringList(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            list.Add(item.GetString()!);
        }

        return list;
    }
}
