using System.Net;
using Microsoft.Net.Http.Headers;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// GET/HEAD. Files are streamed from the store through ASP.NET Core's file result, which answers
    /// <c>Range</c> (206/416), <c>If-Range</c>, <c>If-Match</c>/<c>If-None-Match</c> and the date conditions
    /// (304/412) per RFC 9110 in one place. A folder answers with a small HTML listing.
    /// </summary>
    private async Task GetAsync(DavContext dav)
    {
        var node = await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted);
        if (node is null)
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }

        var instanceId = await identity.InstanceIdAsync(db, dav.Aborted);
        var headers = dav.Http.Response.Headers;
        headers["OC-ETag"] = node.QuotedETag;
        headers["OC-FileId"] = StorageIdentity.FileId(node.Id, instanceId);
        if (node.IsFolder)
        {
            await ListingAsync(dav, node);
            return;
        }

        if (node.Sha1 is not null)
        {
            headers["OC-Checksum"] = "SHA1:" + node.Sha1;
        }

        Stream content;
        try
        {
            content = node.BlobId is null ? Stream.Null : await files.Store.OpenReadAsync(dav.OwnerId, node.BlobId, dav.Aborted);
        }
        catch (FileNotFoundException ex)
        {
            Log.ContentMissing(logger, ex);
            await StatusAsync(dav, StatusCodes.Status500InternalServerError, "The file's content is missing from the server's storage; the administrator has been told in the log.");
            return;
        }
        catch (DirectoryNotFoundException ex)
        {
            Log.ContentMissing(logger, ex);
            await StatusAsync(dav, StatusCodes.Status500InternalServerError, "The file's content is missing from the server's storage; the administrator has been told in the log.");
            return;
        }

        var result = TypedResults.File(
            content,
            node.ContentType ?? "application/octet-stream",
            fileDownloadName: null,
            lastModified: node.Modified,
            entityTag: new EntityTagHeaderValue(node.QuotedETag),
            enableRangeProcessing: true);
        await result.ExecuteAsync(dav.Http);
    }

    private async Task ListingAsync(DavContext dav, FileNode folder)
    {
        var response = dav.Http.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ETag = folder.QuotedETag;
        response.Headers.LastModified = folder.Modified.ToString("R");
        if (HttpMethods.IsHead(dav.Http.Request.Method))
        {
            return;
        }

        var title = WebUtility.HtmlEncode("/" + folder.Path);
        await response.WriteAsync(
            $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><ul>\n", dav.Aborted);
        await foreach (var child in files.ChildrenAsync(folder).WithCancellation(dav.Aborted))
        {
            var href = WebUtility.HtmlEncode(Uri.EscapeDataString(child.Name) + (child.IsFolder ? "/" : ""));
            var name = WebUtility.HtmlEncode(child.Name + (child.IsFolder ? "/" : ""));
            await response.WriteAsync($"<li><a href=\"{href}\">{name}</a></li>\n", dav.Aborted);
        }

        await response.WriteAsync("</ul></body></html>\n", dav.Aborted);
    }
}
