using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Ocm.Files;

namespace Ocm.WebDav;

/// <summary>What a live property needs besides its node: the request, the locks in view and the owner's quota figures.</summary>
internal sealed class PropertyScope(DavContext dav, string instanceId, IReadOnlyList<FileLock> locks, DateTimeOffset now)
{
    public DavContext Dav { get; } = dav;

    public string InstanceId { get; } = instanceId;

    public IReadOnlyList<FileLock> Locks { get; } = locks;

    public DateTimeOffset Now { get; } = now;

    public long UsedBytes { get; set; }

    public long? AvailableBytes { get; set; }
}

/// <summary>A property the server computes (RFC 4918 §15, RFC 4331, and the ownCloud/Nextcloud ones sync clients read). All are protected.</summary>
internal sealed record LiveProperty(XName Name, bool InAllProp, bool ForFiles, bool ForFolders, Action<XmlWriter, FileNode, PropertyScope> Write)
{
    public bool AppliesTo(FileNode node) => node.IsFolder ? ForFolders : ForFiles;
}

internal static class LiveProperties
{
    private const string D = DavXml.Dav;
    private const string Oc = DavXml.OwnCloud;

    public static readonly IReadOnlyList<LiveProperty> All =
    [
        new(XName.Get("creationdate", D), true, true, true, (x, n, _) =>
            x.WriteElementString("d", "creationdate", D, n.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
        new(XName.Get("getcontentlength", D), true, true, false, (x, n, _) =>
            x.WriteElementString("d", "getcontentlength", D, n.Size.ToString(CultureInfo.InvariantCulture))),
        new(XName.Get("getcontenttype", D), true, true, false, (x, n, _) =>
            x.WriteElementString("d", "getcontenttype", D, n.ContentType ?? "application/octet-stream")),
        new(XName.Get("getetag", D), true, true, true, (x, n, _) => x.WriteElementString("d", "getetag", D, n.QuotedETag)),
        new(XName.Get("getlastmodified", D), true, true, true, (x, n, _) =>
            x.WriteElementString("d", "getlastmodified", D, n.Modified.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture))),
        new(XName.Get("resourcetype", D), true, true, true, WriteResourceType),
        new(XName.Get("supportedlock", D), true, true, true, (x, _, _) => WriteSupportedLock(x)),
        new(XName.Get("lockdiscovery", D), true, true, true, WriteLockDiscovery),
        // RFC 4331 §3: quota properties are not part of allprop.
        new(XName.Get("quota-used-bytes", D), false, false, true, (x, _, s) =>
            x.WriteElementString("d", "quota-used-bytes", D, s.UsedBytes.ToString(CultureInfo.InvariantCulture))),
        new(XName.Get("quota-available-bytes", D), false, false, true, (x, _, s) =>
            x.WriteElementString("d", "quota-available-bytes", D, (s.AvailableBytes ?? 0).ToString(CultureInfo.InvariantCulture))),
        new(XName.Get("id", Oc), false, true, true, (x, n, s) => x.WriteElementString("oc", "id", Oc, StorageIdentity.FileId(n.Id, s.InstanceId))),
        new(XName.Get("fileid", Oc), false, true, true, (x, n, _) => x.WriteElementString("oc", "fileid", Oc, n.Id.ToString(CultureInfo.InvariantCulture))),
        // Files: read, share, delete, rename, move, write; folders: … create file, create folder (ownCloud letters).
        // In a read-only scope (a share without write permission): shared, read — so sync clients keep local edits
        // as conflicts instead of uploading them into a 403.
        new(XName.Get("permissions", Oc), false, true, true, (x, n, s) => x.WriteElementString("oc", "permissions", Oc,
            !s.Dav.Scope.CanWrite ? "SG" : n.IsFolder ? "RGDNVCK" : "RGDNVW")),
        new(XName.Get("size", Oc), false, true, true, (x, n, _) => x.WriteElementString("oc", "size", Oc, n.Size.ToString(CultureInfo.InvariantCulture))),
        new(XName.Get("checksums", Oc), false, true, false, WriteChecksums),
        new(XName.Get("owner-id", Oc), false, true, true, (x, _, s) => x.WriteElementString("oc", "owner-id", Oc, s.Dav.Scope.OwnerName)),
        new(XName.Get("owner-display-name", Oc), false, true, true, (x, _, s) =>
            x.WriteElementString("oc", "owner-display-name", Oc, s.Dav.Scope.OwnerDisplayName ?? s.Dav.Scope.OwnerName)),
        // Sync clients ask for these on every PROPFIND. data-fingerprint changes only when a server is restored from a
        // backup (the clients then keep local changes as conflicts); it is empty until such a restore exists.
        new(XName.Get("data-fingerprint", Oc), false, false, true, (x, _, _) => x.WriteElementString("oc", "data-fingerprint", Oc, "")),
        // The kinds of shares made of a node (0 user, 3 link, 6 federated …); none from this tree yet.
        new(XName.Get("share-types", Oc), false, true, true, (x, _, _) => x.WriteElementString("oc", "share-types", Oc, null)),
        // No direct-download URL and cookie (dDC): clients download through WebDAV, which they do when these are empty.
        new(XName.Get("downloadURL", Oc), false, true, false, (x, _, _) => x.WriteElementString("oc", "downloadURL", Oc, "")),
        new(XName.Get("dDC", Oc), false, true, false, (x, _, _) => x.WriteElementString("oc", "dDC", Oc, "")),
    ];

    public static readonly IReadOnlyDictionary<XName, LiveProperty> ByName = All.ToDictionary(p => p.Name);

    public static bool NeedsQuota(IEnumerable<LiveProperty> properties) =>
        properties.Any(p => p.Name.LocalName is "quota-used-bytes" or "quota-available-bytes" && p.Name.NamespaceName == D);

    private static void WriteResourceType(XmlWriter x, FileNode node, PropertyScope scope)
    {
        x.WriteStartElement("d", "resourcetype", D);
        if (node.IsFolder)
        {
            x.WriteElementString("d", "collection", D, null);
        }

        x.WriteEndElement();
    }

    private static void WriteSupportedLock(XmlWriter x)
    {
        x.WriteStartElement("d", "supportedlock", D);
        foreach (var scope in (string[])["exclusive", "shared"])
        {
            x.WriteStartElement("d", "lockentry", D);
            x.WriteStartElement("d", "lockscope", D);
            x.WriteElementString("d", scope, D, null);
            x.WriteEndElement();
            x.WriteStartElement("d", "locktype", D);
            x.WriteElementString("d", "write", D, null);
            x.WriteEndElement();
            x.WriteEndElement();
        }

        x.WriteEndElement();
    }

    private static void WriteLockDiscovery(XmlWriter x, FileNode node, PropertyScope scope)
    {
        x.WriteStartElement("d", "lockdiscovery", D);
        if (scope.Locks.Count > 0)
        {
            _ = StoragePath.TryParse(node.Path, out var path);
            foreach (var fileLock in scope.Locks)
            {
                if (fileLock.Covers(path))
                {
                    WebDavHandler.WriteActiveLock(x, scope.Dav, fileLock, scope.Now, rootIsFolder: node.IsFolder || fileLock.StoragePath != path);
                }
            }
        }

        x.WriteEndElement();
    }

    private static void WriteChecksums(XmlWriter x, FileNode node, PropertyScope scope)
    {
        x.WriteStartElement("oc", "checksums", Oc);
        if (node.Sha1 is not null)
        {
            // One element, space-separated TYPE:hex pairs, as ownCloud/Nextcloud servers write it.
            x.WriteElementString("oc", "checksum", Oc, $"SHA1:{node.Sha1} SHA256:{node.Sha256}");
        }

        x.WriteEndElement();
    }
}
