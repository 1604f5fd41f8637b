using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Ocm.SyncClients;

/// <summary>
/// A value in an OCS response: a string, a number, a boolean, a list or an <see cref="OcsObject"/>. One tree is written
/// either as JSON or as XML, so the two envelopes can never say different things.
/// </summary>
internal sealed class OcsObject : List<KeyValuePair<string, object>>
{
    public void Add(string key, object value) => Add(new KeyValuePair<string, object>(key, value));
}

/// <summary>
/// The OCS envelope Nextcloud and ownCloud clients read: <c>{"ocs":{"meta":{…},"data":…}}</c> in JSON, or
/// <c>&lt;ocs&gt;&lt;meta/&gt;&lt;data/&gt;&lt;/ocs&gt;</c> in XML (the default unless <c>format=json</c> or an
/// <c>Accept</c> naming JSON). OCS v1 answers HTTP 200 with status code 100 for success; v2 uses HTTP status codes in both.
/// </summary>
internal static class OcsResponse
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static bool WantsJson(HttpRequest request)
    {
        var format = request.Query["format"].ToString();
        if (format.Length > 0)
        {
            return string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        }

        return request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes a success (<paramref name="data"/>) or failure (<paramref name="httpStatus"/> not 200) envelope.</summary>
    public static async Task WriteAsync(HttpContext context, int ocsVersion, int httpStatus, string message, object? data)
    {
        var ok = httpStatus == StatusCodes.Status200OK;
        var statusCode = ocsVersion == 1 ? (ok ? 100 : V1Code(httpStatus)) : httpStatus;
        var response = context.Response;
        // OCS v1 reports failures inside the envelope only, except authentication which stays a real 401.
        response.StatusCode = ocsVersion == 1 && httpStatus != StatusCodes.Status401Unauthorized ? StatusCodes.Status200OK : httpStatus;
        response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        if (WantsJson(context.Request))
        {
            response.ContentType = "application/json; charset=utf-8";
            using var json = new Utf8JsonWriter(buffer);
            json.WriteStartObject();
            json.WriteStartObject("ocs");
            json.WriteStartObject("meta");
            json.WriteString("status", ok ? "ok" : "failure");
            json.WriteNumber("statuscode", statusCode);
            json.WriteString("message", message);
            json.WriteNull("totalitems");
            json.WriteNull("itemsperpage");
            json.WriteEndObject();
            json.WritePropertyName("data");
            WriteJson(json, data ?? new List<object>());
            json.WriteEndObject();
            json.WriteEndObject();
        }
        else
        {
            response.ContentType = "application/xml; charset=utf-8";
            using var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 });
            xml.WriteStartDocument();
            xml.WriteStartElement("ocs");
            xml.WriteStartElement("meta");
            xml.WriteElementString("status", ok ? "ok" : "failure");
            xml.WriteElementString("statuscode", statusCode.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("message", message);
            xml.WriteElementString("totalitems", "");
            xml.WriteElementString("itemsperpage", "");
            xml.WriteEndElement();
            xml.WriteStartElement("data");
            WriteXmlContent(xml, data);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>The OCS v1 status codes clients know (100 ok, 997 unauthorised, 998 not found, 996 server error, 400 otherwise).</summary>
    private static int V1Code(int httpStatus) => httpStatus switch
    {
        StatusCodes.Status401Unauthorized => 997,
        StatusCodes.Status404NotFound => 998,
        >= 500 => 996,
        _ => httpStatus,
    };

    private static void WriteJson(Utf8JsonWriter json, object value)
    {
        switch (value)
        {
            case string text:
                json.WriteStringValue(text);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int number:
                json.WriteNumberValue(number);
                break;
            case long number:
                json.WriteNumberValue(number);
                break;
            case double number:
                json.WriteNumberValue(number);
                break;
            case OcsObject members:
                json.WriteStartObject();
                foreach (var (key, member) in members)
                {
                    json.WritePropertyName(key);
                    WriteJson(json, member);
                }

                json.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                json.WriteStartArray();
                foreach (var item in items)
                {
                    WriteJson(json, item!);
                }

                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException("Unsupported OCS value.", nameof(value));
        }
    }

    private static void WriteXmlContent(XmlWriter xml, object? value)
    {
        switch (value)
        {
            case null:
                break;
            case string text:
                xml.WriteString(text);
                break;
            case bool flag:
                // As Nextcloud's XML renderer does: true is 1, false is empty.
                xml.WriteString(flag ? "1" : "");
                break;
            case int or long or double:
                xml.WriteString(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case OcsObject members:
                foreach (var (key, member) in members)
                {
                    xml.WriteStartElement(XmlConvert.EncodeLocalName(key));
                    WriteXmlContent(xml, member);
                    xml.WriteEndElement();
                }

                break;
            case System.Collections.IEnumerable items:
                foreach (var item in items)
                {
                    xml.WriteStartElement("element");
                    WriteXmlContent(xml, item);
                    xml.WriteEndElement();
                }

                break;
            default:
                throw new ArgumentException("Unsupported OCS value.", nameof(value));
        }
    }
}
