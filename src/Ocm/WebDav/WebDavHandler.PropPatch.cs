using System.Text;
using System.Xml.Linq;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// PROPPATCH (RFC 4918 §9.2): sets and removes dead properties in document order, all or nothing. Live properties are
    /// protected (403 <c>cannot-modify-protected-property</c>); when one instruction fails the others report 424.
    /// </summary>
    private async Task PropPatchAsync(DavContext dav)
    {
        var body = await DavXml.ReadAsync(dav.Http.Request, options.MaxXmlBodyBytes, dav.Aborted);
        if (await RejectBodyAsync(dav, body))
        {
            return;
        }

        var instructions = body.Root is { } root && root.Name == DavXml.D + "propertyupdate"
            ? root.Elements()
                .Where(e => e.Name == DavXml.D + "set" || e.Name == DavXml.D + "remove")
                .SelectMany(e => e.Elements(DavXml.D + "prop").Elements().Select(p => (Property: p, Set: e.Name.LocalName == "set")))
                .ToList()
            : null;
        if (instructions is null || instructions.Count == 0)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The body must be a DAV:propertyupdate with at least one set or remove.");
            return;
        }

        var node = await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted);
        if (node is null)
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }

        if (!await PreconditionsHoldAsync(dav, node, new LockScope(dav.Path, IncludeBelow: false, MembershipChange: false)))
        {
            return;
        }

        var outcomes = new List<(XName Name, int Status)>();
        var changes = new List<PropertyChange>();
        foreach (var (property, set) in instructions)
        {
            var name = property.Name;
            if (LiveProperties.ByName.ContainsKey(name))
            {
                outcomes.Add((name, StatusCodes.Status403Forbidden));
                continue;
            }

            var xml = set ? DavXml.Serialize(property) : null;
            if (xml is not null && Encoding.UTF8.GetByteCount(xml) > options.MaxPropertyBytes)
            {
                outcomes.Add((name, StatusCodes.Status507InsufficientStorage));
                continue;
            }

            changes.Add(new PropertyChange(name.NamespaceName, name.LocalName, xml));
            outcomes.Add((name, StatusCodes.Status200OK));
        }

        var failed = outcomes.Any(o => o.Status != StatusCodes.Status200OK);
        if (failed)
        {
            outcomes = outcomes.Select(o => o.Status == StatusCodes.Status200OK ? (o.Name, StatusCodes.Status424FailedDependency) : o).ToList();
        }
        else if (!await files.PatchPropertiesAsync(dav.OwnerId, node.Id, changes, dav.Aborted))
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, "Not found: it was removed meanwhile.");
            return;
        }

        await using var output = DavXmlOutput.Start(dav.Http.Response, StatusCodes.Status207MultiStatus);
        var xmlOut = output.Xml;
        xmlOut.WriteStartElement("d", "multistatus", DavXml.Dav);
        xmlOut.WriteAttributeString("xmlns", "d", null, DavXml.Dav);
        xmlOut.WriteStartElement("d", "response", DavXml.Dav);
        xmlOut.WriteElementString("d", "href", DavXml.Dav, dav.Href(dav.Path, node.IsFolder));
        foreach (var group in outcomes.GroupBy(o => o.Status))
        {
            xmlOut.WriteStartElement("d", "propstat", DavXml.Dav);
            xmlOut.WriteStartElement("d", "prop", DavXml.Dav);
            foreach (var name in group.Select(o => o.Name).Distinct())
            {
                WriteEmpty(xmlOut, name);
            }

            xmlOut.WriteEndElement();
            xmlOut.WriteElementString("d", "status", DavXml.Dav, "HTTP/1.1 " + group.Key + " " + ReasonPhrase(group.Key));
            if (group.Key == StatusCodes.Status403Forbidden)
            {
                xmlOut.WriteStartElement("d", "error", DavXml.Dav);
                xmlOut.WriteElementString("d", "cannot-modify-protected-property", DavXml.Dav, null);
                xmlOut.WriteEndElement();
            }

            xmlOut.WriteEndElement();
        }

        xmlOut.WriteEndElement();
        xmlOut.WriteEndElement();
        await output.CompleteAsync(dav.Aborted);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        StatusCodes.Status200OK => "OK",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status424FailedDependency => "Failed Dependency",
        StatusCodes.Status507InsufficientStorage => "Insufficient Storage",
        _ => "",
    };
}
