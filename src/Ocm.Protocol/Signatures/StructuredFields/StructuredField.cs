using System.Globalization;
using System.Text;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>The top-level type of a structured field (RFC 9651 §3).</summary>
public enum StructuredFieldType
{
    /// <summary>A single item with parameters.</summary>
    Item,

    /// <summary>A list of items and inner lists.</summary>
    List,

    /// <summary>A dictionary of items and inner lists.</summary>
    Dictionary,
}

/// <summary>
/// Parsing and canonical serialization of HTTP structured fields (RFC 9651, a superset of RFC 8941): items,
/// lists, inner lists, dictionaries and parameters with every bare-item type. Parsing follows the RFC's
/// algorithms exactly and is strict: any deviation throws a <see cref="StructuredFieldException"/>.
/// </summary>
public static class StructuredField
{
    /// <summary>Parses a list field value (RFC 9651 §4.2.1). Several field lines must be joined with ", " first.</summary>
    /// <exception cref="StructuredFieldException">The value is not a valid list.</exception>
    public static SfList ParseList(string fieldValue)
    {
        ArgumentNullException.ThrowIfNull(fieldValue);
        return StructuredFieldParser.ParseList(fieldValue);
    }

    /// <summary>Parses a dictionary field value (RFC 9651 §4.2.2).</summary>
    /// <exception cref="StructuredFieldException">The value is not a valid dictionary.</exception>
    public static SfDictionary ParseDictionary(string fieldValue)
    {
        ArgumentNullException.ThrowIfNull(fieldValue);
        return StructuredFieldParser.ParseDictionary(fieldValue);
    }

    /// <summary>Parses an item field value (RFC 9651 §4.2.3).</summary>
    /// <exception cref="StructuredFieldException">The value is not a valid item.</exception>
    public static SfItem ParseItem(string fieldValue)
    {
        ArgumentNullException.ThrowIfNull(fieldValue);
        return StructuredFieldParser.ParseItem(fieldValue);
    }

    /// <summary>Parses the field lines of one field as the given type; lines are combined with ", " (RFC 9651 §4.2).</summary>
    public static object Parse(IEnumerable<string> fieldLines, StructuredFieldType type)
    {
        ArgumentNullException.ThrowIfNull(fieldLines);
        var combined = string.Join(", ", fieldLines);
        return type switch
        {
            StructuredFieldType.Item => ParseItem(combined),
            StructuredFieldType.List => ParseList(combined),
            StructuredFieldType.Dictionary => ParseDictionary(combined),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary>Tries to parse a dictionary; on failure returns false and the reason.</summary>
    public static bool TryParseDictionary(string fieldValue, out SfDictionary dictionary, out string error)
    {
        try
        {
            dictionary = ParseDictionary(fieldValue);
            error = string.Empty;
            return true;
        }
        catch (StructuredFieldException ex)
        {
            dictionary = new SfDictionary();
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Tries to parse a list; on failure returns false and the reason.</summary>
    public static bool TryParseList(string fieldValue, out SfList list, out string error)
    {
        try
        {
            list = ParseList(fieldValue);
            error = string.Empty;
            return true;
        }
        catch (StructuredFieldException ex)
        {
            list = [];
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Tries to parse an item; on failure returns false and the reason.</summary>
    public static bool TryParseItem(string fieldValue, out SfItem? item, out string error)
    {
        try
        {
            item = ParseItem(fieldValue);
            error = string.Empty;
            return true;
        }
        catch (StructuredFieldException ex)
        {
            item = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Serializes a list (RFC 9651 §4.1.1): members joined with ", ".</summary>
    public static string Serialize(SfList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var sb = new StringBuilder();
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            AppendMember(sb, list[i]);
        }

        return sb.ToString();
    }

    /// <summary>Serializes a dictionary (RFC 9651 §4.1.2); a member whose value is boolean true is written as its key only.</summary>
    public static string Serialize(SfDictionary dictionary)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        var sb = new StringBuilder();
        var first = true;
        foreach (var (key, member) in dictionary)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(key);
            if (member is SfItem { Value.IsTrue: true } item)
            {
                AppendParameters(sb, item.Parameters);
            }
            else
            {
                sb.Append('=');
                AppendMember(sb, member);
            }
        }

        return sb.ToString();
    }

    /// <summary>Serializes a list or dictionary member: an item or an inner list.</summary>
    public static string Serialize(SfMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var sb = new StringBuilder();
        AppendMember(sb, member);
        return sb.ToString();
    }

    /// <summary>Serializes a bare item (RFC 9651 §4.1.3.1).</summary>
    public static string Serialize(SfBareItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var sb = new StringBuilder();
        AppendBareItem(sb, item);
        return sb.ToString();
    }

    /// <summary>Serializes parameters (RFC 9651 §4.1.1.2), e.g. <c>;a=1;b</c>.</summary>
    public static string Serialize(SfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sb = new StringBuilder();
        AppendParameters(sb, parameters);
        return sb.ToString();
    }

    internal static void AppendMember(StringBuilder sb, SfMember member)
    {
        switch (member)
        {
            case SfItem item:
                AppendBareItem(sb, item.Value);
                AppendParameters(sb, item.Parameters);
                break;
            case SfInnerList inner:
                sb.Append('(');
                for (var i = 0; i < inner.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(' ');
                    }

                    AppendBareItem(sb, inner.Items[i].Value);
                    AppendParameters(sb, inner.Items[i].Parameters);
                }

                sb.Append(')');
                AppendParameters(sb, inner.Parameters);
                break;
            default:
                throw new StructuredFieldException($"Unknown structured-field member type {member.GetType().Name}.");
        }
    }

    internal static void AppendParameters(StringBuilder sb, SfParameters parameters)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var (key, value) = parameters[i];
            sb.Append(';').Append(key);
            if (!value.IsTrue)
            {
                sb.Append('=');
                AppendBareItem(sb, value);
            }
        }
    }

    internal static void AppendBareItem(StringBuilder sb, SfBareItem item)
    {
        switch (item.Type)
        {
            case SfBareItemType.Integer:
                sb.Append(item.RawInteger.ToString(CultureInfo.InvariantCulture));
                break;
            case SfBareItemType.Decimal:
                AppendDecimal(sb, item.RawDecimal);
                break;
            case SfBareItemType.String:
                AppendString(sb, item.RawText!);
                break;
            case SfBareItemType.Token:
                sb.Append(item.RawText);
                break;
            case SfBareItemType.ByteSequence:
                sb.Append(':').Append(Convert.ToBase64String(item.RawBytes!)).Append(':');
                break;
            case SfBareItemType.Boolean:
                sb.Append(item.IsTrue ? "?1" : "?0");
                break;
            case SfBareItemType.Date:
                sb.Append('@').Append(item.RawInteger.ToString(CultureInfo.InvariantCulture));
                break;
            case SfBareItemType.DisplayString:
                AppendDisplayString(sb, item.RawText!);
                break;
            default:
                throw new StructuredFieldException($"Unknown bare item type {item.Type}.");
        }
    }

    internal static void AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        sb.Append('"');
    }

    // RFC 9651 §4.1.5: integer part, ".", then the fractional part (rounded to 3 digits) without trailing zeros
    // but with at least one digit.
    private static void AppendDecimal(StringBuilder sb, decimal value)
    {
        var rounded = Math.Round(value, 3, MidpointRounding.ToEven);
        var text = Math.Abs(rounded).ToString("0.000", CultureInfo.InvariantCulture).TrimEnd('0');
        if (text.EndsWith('.'))
        {
            text += "0";
        }

        if (rounded < 0)
        {
            sb.Append('-');
        }

        sb.Append(text);
    }

    // RFC 9651 §4.1.11: percent-encode '%', '"' and every byte outside 0x20-0x7E, lowercase hex.
    private static void AppendDisplayString(StringBuilder sb, string value)
    {
        sb.Append("%\"");
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            var length = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < length; i++)
            {
                var b = buffer[i];
                if (b is (byte)'%' or (byte)'"' or < 0x20 or > 0x7E)
                {
                    sb.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append((char)b);
                }
            }
        }

        sb.Append('"');
    }
}
