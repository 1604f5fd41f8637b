using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Net.Http.Headers;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.WebDav;

/// <summary>
/// Earlier contents of a user's files at Nextcloud's addresses, <c>/remote.php/dav/versions/{user}/</c>:
/// <list type="bullet">
/// <item><c>PROPFIND …/versions/{fileid}/</c> lists a file's versions (size, time, ETag, content type,
/// <c>nc:version-label</c>, <c>nc:version-author</c>), newest first; <c>{fileid}</c> is the file's <c>oc:fileid</c>;</item>
/// <item><c>GET …/versions/{fileid}/{version}</c> reads one (ranges and conditions as for any file);</item>
/// <item><c>COPY</c> or <c>MOVE</c> of a version with <c>Destination: …/versions/{user}/restore/target</c> restores it:
/// it becomes the file's content, the content it replaces becomes a version;</item>
/// <item><c>PROPPATCH</c> of <c>nc:version-label</c> names a version (named versions never expire by themselves);
/// <c>DELETE</c> removes one.</item>
/// </list>
/// The versions themselves are kept by <see cref="FileTree"/> on every overwrite and expired by <see cref="VersionExpiry"/>.
/// </summary>
internal sealed class VersionsHandler(FileTree files, WebDavOptions options)
{
    public const string Prefix = "/remote.php/dav/versions/";
    private const string AllowedMethods = "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, COPY, MOVE, DELETE";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public async Task HandleAsync(HttpContext context)
    {
        var user = context.GetSignedInUser();
        if (!TryParse(DavLocations.RawTarget(context), out var segments))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Malformed versions path.");
            return;
        }

        if (segments.Count == 0 || !string.Equals(segments[0], user.Name, StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, "The versions of other users' files are not accessible.");
            return;
        }

        if (context.Request.Method == "OPTIONS")
        {
            context.Response.Headers["DAV"] = "1";
            context.Response.Headers.Allow = AllowedMethods;
            context.Response.ContentLength = 0;
            return;
        }

        var userHref = Prefix + Uri.EscapeDataString(user.Name) + "/";
        if (segments.Count == 1 || (segments.Count == 2 && segments[1] is "versions" or "restore"))
        {
            // The user's versions home and its two folders: listable, nothing else.
            if (context.Request.Method == "PROPFIND")
            {
                var href = segments.Count == 1 ? userHref : userHref + segments[1] + "/";
                await MultistatusAsync(context, [new Entry(href, null, null)]);
                return;
            }

            await MethodNotAllowedAsync(context);
            return;
        }

        if (segments[1] != "versions" || segments.Count > 4 || !long.TryParse(segments[2], NumberStyles.None, CultureInfo.InvariantCulture, out var fileId))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Not found: versions are at …/versions/{user}/versions/{fileid}/{version}.");
            return;
        }

        var versions = await files.VersionsAsync(user.Id, fileId, context.RequestAborted);
        if (versions is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "No file of yours has this id.");
            return;
        }

        var fileHref = userHref + "versions/" + fileId.ToString(CultureInfo.InvariantCulture) + "/";
        if (segments.Count == 3)
        {
            if (context.Request.Method != "PROPFIND")
            {
                await MethodNotAllowedAsync(context);
                return;
            }

            var entries = new List<Entry> { new(fileHref, null, null) };
            if (context.Request.Headers["Depth"].ToString().Trim() != "0")
            {
                entries.AddRange(versions.Select(v => new Entry(fileHref + v.Id.ToString(CultureInfo.InvariantCulture), v, user.Name)));
            }

            await MultistatusAsync(context, entries);
            return;
        }

        var version = long.TryParse(segments[3], NumberStyles.None, CultureInfo.InvariantCulture, out var versionId)
            ? versions.FirstOrDefault(v => v.Id == versionId)
            : null;
        if (version is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "This file has no such version (it may have expired).");
            return;
        }

        var task = context.Request.Method switch
        {
            "GET" or "HEAD" => GetAsync(context, user, version),
            "PROPFIND" => MultistatusAsync(context, [new Entry(fileHref + segments[3], version, user.Name)]),
            "PROPPATCH" => LabelAsync(context, user, version, fileHref + segments[3]),
            "COPY" or "MOVE" => RestoreAsync(context, user, version),
            "DELETE" => DeleteAsync(context, user, version),
            _ => MethodNotAllowedAsync(context),
        };
        await task;
    }

    private async Task GetAsync(HttpContext context, SignedInUser user, FileVersion version)
    {
        var content = await files.Store.OpenReadAsync(user.Id, version.BlobId, context.RequestAborted);
        if (version.Sha1 is not null)
        {
            context.Response.Headers["OC-Checksum"] = "SHA1:" + version.Sha1;
        }

        await TypedResults.File(
            content,
            version.ContentType ?? "application/octet-stream",
            fileDownloadName: null,
            lastModified: version.Modified,
            entityTag: new EntityTagHeaderValue("\"" + version.ETag + "\""),
            enableRangeProcessing: true).ExecuteAsync(context);
    }

    private async Task RestoreAsync(HttpContext context, SignedInUser user, FileVersion version)
    {
        var destination = context.Request.Headers["Destination"].ToString();
        if (DavLocations.PathOf(destination) is not { } path || !TryParse(path, out var target)
            || target.Count != 3 || !string.Equals(target[0], user.Name, StringComparison.OrdinalIgnoreCase)
            || target[1] != "restore" || target[2] != "target")
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"To restore a version, its Destination must be {Prefix}{user.Name}/restore/target.");
            return;
        }

        if (!await files.RestoreVersionAsync(user.Id, version.FileId, version.Id, context.RequestAborted))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "The version or its file is gone.");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task DeleteAsync(HttpContext context, SignedInUser user, FileVersion version)
    {
        context.Response.StatusCode = await files.DeleteVersionAsync(user.Id, version.FileId, version.Id, context.RequestAborted)
            ? StatusCodes.Status204NoContent
            : StatusCodes.Status404NotFound;
    }

    /// <summary>PROPPATCH: only <c>nc:version-label</c> can be set or removed; anything else is refused (403) and nothing changes.</summary>
    private async Task LabelAsync(HttpContext context, SignedInUser user, FileVersion version, string href)
    {
        var body = await DavXml.ReadAsync(context.Request, options.MaxXmlBodyBytes, context.RequestAborted);
        if (body.Status != XmlBodyStatus.Parsed || body.Root!.Name != DavXml.D + "propertyupdate")
        {
            await ErrorAsync(context, body.Status == XmlBodyStatus.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                "PROPPATCH needs a DAV:propertyupdate body.");
            return;
        }

        XNamespace nc = DavXml.NextCloud;
        var label = (string?)null;
        var touched = new List<XName>();
        var refused = new List<XName>();
        foreach (var change in body.Root.Elements().Where(e => e.Name == DavXml.D + "set" || e.Name == DavXml.D + "remove"))
        {
            foreach (var property in change.Elements(DavXml.D + "prop").Elements())
            {
                if (property.Name == nc + "version-label")
                {
                    label = change.Name.LocalName == "set" ? property.Value : null;
                    touched.Add(property.Name);
                }
                else
                {
                    refused.Add(property.Name);
                }
            }
        }

        if (refused.Count == 0 && touched.Count > 0 && label is { Length: > 255 })
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "A version label is at most 255 characters.");
            return;
        }

        if (refused.Count == 0 && touched.Count > 0)
        {
            await files.LabelVersionAsync(user.Id, version.FileId, version.Id, label, context.RequestAborted);
        }

        await WriteXmlAsync(context, StatusCodes.Status207MultiStatus, xml =>
        {
            xml.WriteStartElement("d", "multistatus", DavXml.Dav);
            xml.WriteAttributeString("xmlns", "nc", null, DavXml.NextCloud);
            xml.WriteStartElement("d", "response", DavXml.Dav);
            xml.WriteElementString("d", "href", DavXml.Dav, href);
            // RFC 4918 §9.2: all or nothing; with a refused property the others fail with 424.
            WritePropStat(xml, touched, refused.Count == 0 ? "HTTP/1.1 200 OK" : "HTTP/1.1 424 Failed Dependency");
            WritePropStat(xml, refused, "HTTP/1.1 403 Forbidden");
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    private static void WritePropStat(XmlWriter xml, List<XName> names, string status)
    {
        if (names.Count == 0)
        {
            return;
        }

        xml.WriteStartElement("d", "propstat", DavXml.Dav);
        xml.WriteStartElement("d", "prop", DavXml.Dav);
        foreach (var name in names)
        {
            xml.WriteElementString(name.LocalName, name.NamespaceName, null);
        }

        xml.WriteEndElement();
        xml.WriteElementString("d", "status", DavXml.Dav, status);
        xml.WriteEndElement();
    }

    private async Task MultistatusAsync(HttpContext context, List<Entry> entries)
    {
        // The body (what was asked) is read and bounded; every property we have is answered.
        var body = await DavXml.ReadAsync(context.Request, options.MaxXmlBodyBytes, context.RequestAborted);
        if (body.Status is XmlBodyStatus.TooLarge or XmlBodyStatus.Invalid)
        {
            await ErrorAsync(context, body.Status == XmlBodyStatus.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                "The PROPFIND body is too large or not well-formed XML.");
            return;
        }

        await WriteXmlAsync(context, StatusCodes.Status207MultiStatus, xml =>
        {
            xml.WriteStartElement("d", "multistatus", DavXml.Dav);
            xml.WriteAttributeString("xmlns", "nc", null, DavXml.NextCloud);
            xml.WriteAttributeString("xmlns", "oc", null, DavXml.OwnCloud);
            foreach (var entry in entries)
            {
                xml.WriteStartElement("d", "response", DavXml.Dav);
                xml.WriteElementString("d", "href", DavXml.Dav, entry.Href);
                xml.WriteStartElement("d", "propstat", DavXml.Dav);
                xml.WriteStartElement("d", "prop", DavXml.Dav);
                xml.WriteStartElement("d", "resourcetype", DavXml.Dav);
                if (entry.Version is null)
                {
                    xml.WriteElementString("d", "collection", DavXml.Dav, null);
                }

                xml.WriteEndElement();
                if (entry.Version is { } v)
                {
                    xml.WriteElementString("d", "getcontentlength", DavXml.Dav, v.Size.ToString(CultureInfo.InvariantCulture));
                    xml.WriteElementString("d", "getcontenttype", DavXml.Dav, v.ContentType ?? "application/octet-stream");
                    xml.WriteElementString("d", "getlastmodified", DavXml.Dav, v.Modified.ToString("R", CultureInfo.InvariantCulture));
                    xml.WriteElementString("d", "getetag", DavXml.Dav, "\"" + v.ETag + "\"");
                    xml.WriteElementString("nc", "version-label", DavXml.NextCloud, v.Label ?? "");
                    // The tree does not record who wrote each content; the owner is the author we know.
                    xml.WriteElementString("nc", "version-author", DavXml.NextCloud, entry.Author);
                    xml.WriteElementString("oc", "fileid", DavXml.OwnCloud, v.FileId.ToString(CultureInfo.InvariantCulture));
                    if (v.Sha1 is not null)
                    {
                        xml.WriteStartElement("oc", "checksums", DavXml.OwnCloud);
                        xml.WriteElementString("oc", "checksum", DavXml.OwnCloud, "SHA1:" + v.Sha1);
                        xml.WriteEndElement();
                    }
                }

                xml.WriteEndElement();
                xml.WriteElementString("d", "status", DavXml.Dav, "HTTP/1.1 200 OK");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        });
    }

    private static async Task WriteXmlAsync(HttpContext context, int status, Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 }))
        {
            write(xml);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml; charset=utf-8";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = AllowedMethods;
        return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "This method is not allowed here.");
    }

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    /// <summary>The decoded segments below <see cref="Prefix"/> of a request target or Destination path; false when malformed.</summary>
    internal static bool TryParse(string target, out List<string> segments)
    {
        segments = [];
        var path = target;
        var cut = path.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            path = path[..cut];
        }

        if (!path.StartsWith(Prefix, StringComparison.Ordinal) && path != Prefix[..^1])
        {
            return false;
        }

        foreach (var raw in path[Math.Min(path.Length, Prefix.Length)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string segment;
            try
            {
                segment = Uri.UnescapeDataString(raw);
            }
            catch (UriFormatException)
            {
                return false;
            }

            if (segment is "." or ".." || segment.Contains('\0', StringComparison.Ordinal))
            {
                return false;
            }

            segments.Add(segment);
        }

        return true;
    }

    private sealed record Entry(string Href, FileVersion? Version, string? Author);
}
