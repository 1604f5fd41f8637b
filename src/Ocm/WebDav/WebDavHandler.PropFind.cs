using System.Xml;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// PROPFIND (RFC 4918 §9.1) with Depth 0 or 1 (infinity only when enabled), for <c>allprop</c> (with
    /// <c>include</c>), <c>propname</c> or named properties. The multistatus is streamed: a folder's members come from
    /// one database query, their dead properties from one more, and each response is written as it is read.
    /// </summary>
    private async Task PropFindAsync(DavContext dav)
    {
        if (await ReadPropFindAsync(dav, fallbackDepth: -1) is not var (depth, query))
        {
            return;
        }

        var node = await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted);
        if (node is null)
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }

        var live = query.RequestedLiveProperties().ToList();
        var wantLocks = live.Any(p => p.Name == DavXml.D + "lockdiscovery");
        var wantDead = query.WantsDeadProperties;
        var lockList = wantLocks ? await locks.FindAsync(dav.OwnerId, dav.Path, includeBelow: depth != 0, dav.Aborted) : [];
        var scope = new PropertyScope(dav, await identity.InstanceIdAsync(db, dav.Aborted), lockList, time.GetUtcNow());
        if (LiveProperties.NeedsQuota(live))
        {
            scope.UsedBytes = node.ParentId is null ? node.Size : await files.UsedBytesAsync(dav.OwnerId, dav.Aborted);
            scope.AvailableBytes = dav.Scope.QuotaBytes is long quota ? Math.Max(0, quota - scope.UsedBytes) : files.Store.AvailableBytes();
        }

        var selfHref = dav.Href(dav.Path, node.IsFolder);
        await using var output = DavXmlOutput.Start(dav.Http.Response, StatusCodes.Status207MultiStatus);
        var xml = output.Xml;
        StartPropFindMultistatus(xml);
        var selfProperties = wantDead ? await files.PropertiesAsync(node.Id, dav.Aborted) : [];
        WriteResponse(xml, selfHref, node, query, scope, selfProperties);

        if (node.IsFolder && depth != 0)
        {
            if (depth == 1)
            {
                var childProperties = wantDead ? await files.ChildPropertiesAsync(node.Id, dav.Aborted) : null;
                await foreach (var child in files.ChildrenAsync(node).WithCancellation(dav.Aborted))
                {
                    if (node.ParentId is null && VirtualFolderOf(child.StoragePath) is not null)
                    {
                        continue; // masked by the virtual folder of the same name
                    }

                    var href = selfHref + Uri.EscapeDataString(child.Name) + (child.IsFolder ? "/" : "");
                    WriteResponse(xml, href, child, query, scope, childProperties?[child.Id] ?? []);
                    await output.FlushIfNeededAsync(dav.Aborted);
                }

                if (node.ParentId is null && dav.Scope.Root.IsRoot)
                {
                    await WriteVirtualFoldersAsync(dav, xml, selfHref, query, scope);
                }
            }
            else
            {
                await WriteDescendantsAsync(dav, output, node, query, scope, wantDead);
            }
        }

        xml.WriteEndElement();
        await output.CompleteAsync(dav.Aborted);
    }

    /// <summary>
    /// The Depth header and the body of a PROPFIND; null after answering 400 (malformed), 403 (infinity not enabled)
    /// or 413 (body too large).
    /// </summary>
    private async Task<(int Depth, PropQuery Query)?> ReadPropFindAsync(DavContext dav, int fallbackDepth)
    {
        var depth = ReadDepth(dav.Http.Request, fallbackDepth);
        if (depth is null)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The Depth header must be 0, 1 or infinity.");
            return null;
        }

        if (depth == -1 && !options.AllowInfiniteDepth)
        {
            await ConditionAsync(dav, StatusCodes.Status403Forbidden, "propfind-finite-depth");
            return null;
        }

        var body = await DavXml.ReadAsync(dav.Http.Request, options.MaxXmlBodyBytes, dav.Aborted);
        if (await RejectBodyAsync(dav, body))
        {
            return null;
        }

        var query = body.Status == XmlBodyStatus.Empty ? PropQuery.AllProp([]) : PropQuery.Parse(body.Root!);
        if (query is null)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The body must be a DAV:propfind with prop, propname or allprop.");
            return null;
        }

        return (depth.Value, query);
    }

    /// <summary>Depth infinity (only when enabled): everything below, in path order.</summary>
    private async Task WriteDescendantsAsync(DavContext dav, DavXmlOutput output, FileNode folder, PropQuery query, PropertyScope scope, bool wantDead)
    {
        var prefix = folder.Path.Length == 0 ? "" : folder.Path + "/";
        var ownerId = dav.OwnerId;
        ILookup<long, FileProperty>? properties = null;
        if (wantDead)
        {
            var rows = await (
                from p in db.Set<FileProperty>().AsNoTracking()
                join n in db.Set<FileNode>() on p.NodeId equals n.Id
                where n.OwnerId == ownerId && n.Path.Substring(0, prefix.Length) == prefix && n.ParentId != null
                select p).ToListAsync(dav.Aborted);
            properties = rows.ToLookup(p => p.NodeId);
        }

        var descendants = db.Set<FileNode>().AsNoTracking()
            .Where(n => n.OwnerId == ownerId && n.ParentId != null && n.Path.Substring(0, prefix.Length) == prefix)
            .OrderBy(n => n.Path)
            .AsAsyncEnumerable();
        await foreach (var node in descendants.WithCancellation(dav.Aborted))
        {
            _ = StoragePath.TryParse(node.Path, out var path);
            WriteResponse(output.Xml, dav.Href(path, node.IsFolder), node, query, scope, properties?[node.Id] ?? []);
            await output.FlushIfNeededAsync(dav.Aborted);
        }
    }

    /// <summary>Opens a PROPFIND multistatus, declaring the DAV, ownCloud and Nextcloud prefixes once for all responses.</summary>
    private static void StartPropFindMultistatus(XmlWriter xml)
    {
        xml.WriteStartElement("d", "multistatus", DavXml.Dav);
        xml.WriteAttributeString("xmlns", "d", null, DavXml.Dav);
        xml.WriteAttributeString("xmlns", "oc", null, DavXml.OwnCloud);
        xml.WriteAttributeString("xmlns", "nc", null, DavXml.NextCloud);
    }

    private static void WriteResponse(XmlWriter xml, string href, FileNode node, PropQuery query, PropertyScope scope, IEnumerable<FileProperty> dead)
    {
        xml.WriteStartElement("d", "response", DavXml.Dav);
        xml.WriteElementString("d", "href", DavXml.Dav, href);
        var deadByName = query.Kind == PropQueryKind.Prop && query.Names.Count <= 4
            ? null
            : dead.ToDictionary(p => XName.Get(p.Name, p.Namespace));
        List<XName>? missing = null;
        xml.WriteStartElement("d", "propstat", DavXml.Dav);
        xml.WriteStartElement("d", "prop", DavXml.Dav);
        switch (query.Kind)
        {
            case PropQueryKind.PropName:
                foreach (var property in LiveProperties.All.Where(p => p.AppliesTo(node)))
                {
                    WriteEmpty(xml, property.Name);
                }

                foreach (var name in deadByName!.Keys)
                {
                    WriteEmpty(xml, name);
                }

                break;
            case PropQueryKind.AllProp:
                foreach (var property in LiveProperties.All.Where(p => p.InAllProp && p.AppliesTo(node)))
                {
                    property.Write(xml, node, scope);
                }

                foreach (var property in deadByName!.Values)
                {
                    xml.WriteRaw(property.Xml);
                }

                foreach (var name in query.Names.Where(n => !LiveProperties.ByName.TryGetValue(n, out var p) || !p.InAllProp))
                {
                    if (!WriteNamed(xml, name, node, scope, dead, deadByName))
                    {
                        (missing ??= []).Add(name);
                    }
                }

                break;
            default:
                foreach (var name in query.Names)
                {
                    if (!WriteNamed(xml, name, node, scope, dead, deadByName))
                    {
                        (missing ??= []).Add(name);
                    }
                }

                break;
        }

        xml.WriteEndElement();
        xml.WriteElementString("d", "status", DavXml.Dav, "HTTP/1.1 200 OK");
        xml.WriteEndElement();
        if (missing is not null)
        {
            xml.WriteStartElement("d", "propstat", DavXml.Dav);
            xml.WriteStartElement("d", "prop", DavXml.Dav);
            foreach (var name in missing)
            {
                WriteEmpty(xml, name);
            }

            xml.WriteEndElement();
            xml.WriteElementString("d", "status", DavXml.Dav, "HTTP/1.1 404 Not Found");
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static bool WriteNamed(
        XmlWriter xml, XName name, FileNode node, PropertyScope scope, IEnumerable<FileProperty> dead, Dictionary<XName, FileProperty>? deadByName)
    {
        if (LiveProperties.ByName.TryGetValue(name, out var live))
        {
            if (!live.AppliesTo(node) || (live.Name.LocalName == "quota-available-bytes" && scope.AvailableBytes is null))
            {
                return false;
            }

            live.Write(xml, node, scope);
            return true;
        }

        var property = deadByName is not null
            ? deadByName.GetValueOrDefault(name)
            : dead.FirstOrDefault(p => p.Name == name.LocalName && p.Namespace == name.NamespaceName);
        if (property is null)
        {
            return false;
        }

        xml.WriteRaw(property.Xml);
        return true;
    }

    /// <summary>An empty element with the property's name; a namespace without a prefix of ours gets a local default declaration.</summary>
    private static void WriteEmpty(XmlWriter xml, XName name)
    {
        var prefix = name.NamespaceName switch
        {
            DavXml.Dav => "d",
            DavXml.OwnCloud => "oc",
            DavXml.NextCloud => "nc",
            _ => null,
        };
        if (prefix is null)
        {
            xml.WriteStartElement(null, name.LocalName, name.NamespaceName);
        }
        else
        {
            xml.WriteStartElement(prefix, name.LocalName, name.NamespaceName);
        }

        xml.WriteEndElement();
    }
}

internal enum PropQueryKind
{
    AllProp,
    PropName,
    Prop,
}

/// <summary>What a PROPFIND asks for.</summary>
internal sealed record PropQuery(PropQueryKind Kind, IReadOnlyList<XName> Names)
{
    public static PropQuery AllProp(IReadOnlyList<XName> include) => new(PropQueryKind.AllProp, include);

    public bool WantsDeadProperties => Kind != PropQueryKind.Prop || Names.Any(n => !LiveProperties.ByName.ContainsKey(n));

    public IEnumerable<LiveProperty> RequestedLiveProperties() => Kind switch
    {
        PropQueryKind.Prop => Names.Select(n => WebDav.LiveProperties.ByName.GetValueOrDefault(n)).OfType<LiveProperty>(),
        PropQueryKind.AllProp => WebDav.LiveProperties.All.Where(p => p.InAllProp)
            .Concat(Names.Select(n => WebDav.LiveProperties.ByName.GetValueOrDefault(n)).OfType<LiveProperty>()),
        _ => [],
    };

    /// <summary>Reads a <c>DAV:propfind</c> body; null when it is not one. Text between elements is ignored (some clients send stray characters).</summary>
    public static PropQuery? Parse(XElement root)
    {
        if (root.Name != DavXml.D + "propfind")
        {
            return null;
        }

        var first = root.Elements().FirstOrDefault(e => e.Name.Namespace == DavXml.D);
        if (first is null)
        {
            return null;
        }

        if (first.Name == DavXml.D + "propname")
        {
            return new PropQuery(PropQueryKind.PropName, []);
        }

        if (first.Name == DavXml.D + "allprop")
        {
            var include = root.Element(DavXml.D + "include")?.Elements().Select(e => e.Name).Distinct().ToList() ?? [];
            return AllProp(include);
        }

        if (first.Name == DavXml.D + "prop")
        {
            var names = first.Elements().Select(e => e.Name).Distinct().ToList();
            return names.Count == 0 ? null : new PropQuery(PropQueryKind.Prop, names);
        }

        return null;
    }
}
