using System.Xml;
using System.Xml.Linq;

namespace Ocm.WebDav;

/// <summary>Namespaces and names of the WebDAV XML vocabulary, and the one safe way request bodies are parsed.</summary>
internal static class DavXml
{
    public const string Dav = "DAV:";
    public const string OwnCloud = "http://owncloud.org/ns";
    public const string NextCloud = "http://nextcloud.org/ns";

    public static readonly XNamespace D = Dav;

    /// <summary>
    /// Reads and parses an XML request body. DTDs are refused outright (no external entities, no entity expansion such as
    /// "billion laughs"), nothing is resolved, and the body is limited to <paramref name="maxBytes"/>.
    /// Returns null for an empty body.
    /// </summary>
    public static async Task<XmlBody> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return XmlBody.TooLarge;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return XmlBody.TooLarge;
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return XmlBody.Empty;
        }

        buffer.Position = 0;
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = maxBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CloseInput = false,
        };
        try
        {
            using var reader = XmlReader.Create(buffer, settings);
            var document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
            return document.Root is null ? XmlBody.Invalid : new XmlBody(XmlBodyStatus.Parsed, document.Root);
        }
        catch (XmlException)
        {
            return XmlBody.Invalid;
        }
    }

    /// <summary>
    /// A property element as self-contained XML: a detached copy (so every namespace it uses is declared on it) that
    /// keeps an inherited <c>xml:lang</c> (RFC 4918 §4.3).
    /// </summary>
    public static string Serialize(XElement property)
    {
        var copy = new XElement(property);
        if (copy.Attribute(XNamespace.Xml + "lang") is null
            && property.Ancestors().Select(a => a.Attribute(XNamespace.Xml + "lang")).FirstOrDefault(a => a is not null) is { } lang)
        {
            copy.SetAttributeValue(XNamespace.Xml + "lang", lang.Value);
        }

        return copy.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces);
    }

    /// <summary>The child nodes of an element as self-contained XML (used for <c>DAV:owner</c>).</summary>
    public static string SerializeContent(XElement element)
    {
        var copy = new XElement(element);
        return string.Concat(copy.Nodes().Select(n => n is XElement e ? e.ToString(SaveOptions.DisableFormatting) : n.ToString(SaveOptions.DisableFormatting)));
    }
}

internal enum XmlBodyStatus
{
    Empty,
    Parsed,
    Invalid,
    TooLarge,
}

internal sealed record XmlBody(XmlBodyStatus Status, XElement? Root)
{
    public static readonly XmlBody Empty = new(XmlBodyStatus.Empty, null);
    public static readonly XmlBody Invalid = new(XmlBodyStatus.Invalid, null);
    public static readonly XmlBody TooLarge = new(XmlBodyStatus.TooLarge, null);
}
