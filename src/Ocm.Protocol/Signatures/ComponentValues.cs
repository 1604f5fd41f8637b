using System.Globalization;
using System.Text;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>Computes the value(s) of a covered component from a message (RFC 9421 §2.1–2.4).</summary>
internal static class ComponentValues
{
    public static void Append(List<SignatureBaseLine> lines, HttpMessage message, ComponentIdentifier id, SignatureBaseOptions options)
    {
        var target = ResolveMessage(message, id);
        if (id.IsDerived)
        {
            AppendDerived(lines, target, id);
        }
        else
        {
            lines.Add(new SignatureBaseLine(id, FieldValue(target, id, options)));
        }
    }

    private static HttpMessage ResolveMessage(HttpMessage message, ComponentIdentifier id)
    {
        var parameters = id.RawParameters;
        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "sf" or "bs" or "tr" or "req":
                    if (!value.IsTrue)
                    {
                        throw Invalid(id, $"parameter '{key}' must be boolean true");
                    }

                    break;
                case "key" or "name":
                    if (value.Type != SfBareItemType.String)
                    {
                        throw Invalid(id, $"parameter '{key}' must be a string");
                    }

                    break;
                default:
                    throw Invalid(id, $"parameter '{key}' is not understood");
            }
        }

        if (id.IsDerived)
        {
            foreach (var (key, _) in parameters)
            {
                if (key is not "req" && !(key == "name" && id.Name == "@query-param"))
                {
                    throw Invalid(id, $"parameter '{key}' does not apply to a derived component");
                }
            }
        }
        else
        {
            if (parameters.ContainsKey("name"))
            {
                throw Invalid(id, "parameter 'name' applies only to @query-param");
            }

            if (parameters.ContainsKey("bs") && (parameters.ContainsKey("sf") || parameters.ContainsKey("key")))
            {
                throw Invalid(id, "'bs' cannot be combined with 'sf' or 'key' (RFC 9421 §2.1.3)");
            }
        }

        if (!parameters.ContainsKey("req"))
        {
            return message;
        }

        if (message.IsRequest)
        {
            throw Invalid(id, "'req' is only meaningful in a response (RFC 9421 §2.4)");
        }

        return message.RelatedRequest
            ?? throw new HttpSignatureException(SignatureFailure.MissingComponent, $"Component {id} needs the related request, which is not available.");
    }

    private static void AppendDerived(List<SignatureBaseLine> lines, HttpMessage message, ComponentIdentifier id)
    {
        string? value;
        switch (id.Name)
        {
            case "@signature-params":
                throw Invalid(id, "@signature-params cannot be a covered component");
            case "@status":
                if (message.IsRequest)
                {
                    throw Invalid(id, "@status exists only in responses");
                }

                value = message.StatusCode!.Value.ToString("000", CultureInfo.InvariantCulture);
                break;
            case "@query-param":
                RequireRequest(message, id);
                AppendQueryParams(lines, message, id);
                return;
            default:
                RequireRequest(message, id);
                value = id.Name switch
                {
                    "@method" => message.Method,
                    "@target-uri" => message.TryGetTargetUri(out var uri) ? uri : null,
                    "@authority" => message.EffectiveAuthority,
                    "@scheme" => message.Scheme,
                    "@request-target" => message.RequestTarget ?? (message.Path is null ? null : message.Path + message.Query),
                    "@path" => message.Path is null ? null : message.Path.Length == 0 ? "/" : message.Path,
                    "@query" => message.Path is null && message.Query is null ? null : message.Query is null or "" ? "?" : message.Query,
                    _ => throw Invalid(id, "unknown derived component"),
                };
                break;
        }

        lines.Add(new SignatureBaseLine(id, value ?? throw Missing(id, "the message does not have it")));
    }

    private static void RequireRequest(HttpMessage message, ComponentIdentifier id)
    {
        if (!message.IsRequest)
        {
            throw Invalid(id, $"{id.Name} exists only in requests (use ;req in a response)");
        }
    }

    // RFC 9421 §2.2.8: parse the query as application/x-www-form-urlencoded, then re-encode names and values with
    // the form-urlencoded percent-encode set (space as %20). Repeated names give one line each, in order.
    private static void AppendQueryParams(List<SignatureBaseLine> lines, HttpMessage message, ComponentIdentifier id)
    {
        var wanted = id.GetParameter("name")?.StringValue ?? throw Invalid(id, "@query-param needs a 'name' parameter");
        var query = message.Query is { Length: > 0 } q && q[0] == '?' ? q[1..] : message.Query ?? string.Empty;
        var found = false;
        foreach (var pair in query.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = PercentEncode(FormDecode(eq < 0 ? pair : pair[..eq]));
            if (!string.Equals(name, wanted, StringComparison.Ordinal))
            {
                continue;
            }

            lines.Add(new SignatureBaseLine(id, PercentEncode(FormDecode(eq < 0 ? string.Empty : pair[(eq + 1)..]))));
            found = true;
        }

        if (!found)
        {
            throw Missing(id, "the query has no such parameter");
        }
    }

    private static string FieldValue(HttpMessage message, ComponentIdentifier id, SignatureBaseOptions options)
    {
        var parameters = id.RawParameters;
        var fields = parameters.ContainsKey("tr") ? message.Trailers : message.Headers;
        var where = parameters.ContainsKey("tr") ? "trailer" : "header";
        if (parameters.ContainsKey("bs"))
        {
            // §2.1.3: each field line separately, trimmed, as a byte sequence.
            var values = fields.GetValues(id.Name);
            if (values.Count == 0)
            {
                throw Missing(id, $"no such {where} field");
            }

            return string.Join(", ", values.Select(v => ":" + Convert.ToBase64String(Encoding.Latin1.GetBytes(FieldValues.Canonicalize(v))) + ":"));
        }

        if (!fields.TryGetCombinedValue(id.Name, out var combined))
        {
            throw Missing(id, $"no such {where} field");
        }

        if (id.GetParameter("key") is { } key)
        {
            // §2.1.2: the member of a dictionary field.
            SfDictionary dictionary;
            try
            {
                dictionary = StructuredField.ParseDictionary(combined);
            }
            catch (StructuredFieldException ex)
            {
                throw new HttpSignatureException(SignatureFailure.InvalidComponent, $"Component {id}: field is not a structured dictionary: {ex.Message}", ex);
            }

            return dictionary.TryGetValue(key.StringValue, out var member)
                ? StructuredField.Serialize(member)
                : throw Missing(id, $"the dictionary has no member '{key.StringValue}'");
        }

        if (parameters.ContainsKey("sf"))
        {
            // §2.1.1: strict re-serialization, which needs the field's structured type.
            if (!options.StructuredFieldTypes.TryGetValue(id.Name, out var type))
            {
                throw Invalid(id, "the structured type of this field is not known (register it in SignatureBaseOptions)");
            }

            try
            {
                return type switch
                {
                    StructuredFieldType.Item => StructuredField.ParseItem(combined).ToString(),
                    StructuredFieldType.List => StructuredField.ParseList(combined).ToString(),
                    _ => StructuredField.ParseDictionary(combined).ToString(),
                };
            }
            catch (StructuredFieldException ex)
            {
                throw new HttpSignatureException(SignatureFailure.InvalidComponent, $"Component {id}: field is not a valid structured {type}: {ex.Message}", ex);
            }
        }

        return combined;
    }

    private static string FormDecode(string text)
    {
        if (text.AsSpan().IndexOfAny('%', '+') < 0)
        {
            return text;
        }

        var input = Encoding.UTF8.GetBytes(text);
        var output = new List<byte>(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == (byte)'+')
            {
                output.Add((byte)' ');
            }
            else if (b == (byte)'%' && i + 2 < input.Length && char.IsAsciiHexDigit((char)input[i + 1]) && char.IsAsciiHexDigit((char)input[i + 2]))
            {
                output.Add((byte)((HexValue(input[i + 1]) << 4) | HexValue(input[i + 2])));
                i += 2;
            }
            else
            {
                output.Add(b);
            }
        }

        // WHATWG "UTF-8 decode without BOM": invalid sequences become U+FFFD.
        return Encoding.UTF8.GetString([.. output]);
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string PercentEncode(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '*' or '-' or '.' or '_')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static HttpSignatureException Invalid(ComponentIdentifier id, string why) =>
        new(SignatureFailure.InvalidComponent, $"Component {id} is invalid: {why}.");

    private static HttpSignatureException Missing(ComponentIdentifier id, string why) =>
        new(SignatureFailure.MissingComponent, $"Component {id} is missing: {why}.");
}
