using System.Xml;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>The virtual folder <paramref name="path"/> is, or lies in; null for ordinary paths.</summary>
    private IDavVirtualFolder? VirtualFolderOf(StoragePath path)
    {
        if (_virtualFolders.Length == 0 || path.IsRoot)
        {
            return null;
        }

        var slash = path.Value.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? path.Value : path.Value[..slash];
        return Array.Find(_virtualFolders, f => string.Equals(f.Name, first, StringComparison.Ordinal));
    }

    /// <summary>The virtual folders in a PROPFIND Depth 1 of the user's root.</summary>
    private async Task WriteVirtualFoldersAsync(DavContext dav, XmlWriter xml, string rootHref, PropQuery query, PropertyScope scope)
    {
        var user = dav.Http.GetSignedInUser();
        foreach (var folder in _virtualFolders)
        {
            if (await folder.DescribeAsync(user, dav.Aborted) is { } node)
            {
                WriteResponse(xml, rootHref + Uri.EscapeDataString(folder.Name) + "/", node, query, scope, []);
            }
        }
    }

    /// <summary>A request on a virtual folder (answered here) or below one of its members (forwarded).</summary>
    private async Task HandleVirtualAsync(HttpContext context, DavContext dav, IDavVirtualFolder folder)
    {
        var user = context.GetSignedInUser();
        var folderHref = dav.Scope.HrefBase + Uri.EscapeDataString(folder.Name) + "/";
        var below = dav.Path.Value.Length > folder.Name.Length ? dav.Path.Value[(folder.Name.Length + 1)..] : "";
        if (below.Length > 0)
        {
            var slash = below.IndexOf('/', StringComparison.Ordinal);
            var child = slash < 0 ? below : below[..slash];
            _ = StoragePath.TryParse(slash < 0 ? "" : below[(slash + 1)..], out var rest);
            await folder.ForwardAsync(context, user, child, rest, folderHref + Uri.EscapeDataString(child) + "/", dav.Scope.Resolve);
            return;
        }

        var self = await folder.DescribeAsync(user, dav.Aborted);
        switch (context.Request.Method)
        {
            case "OPTIONS":
                await OptionsAsync(dav);
                return;
            case "PROPFIND" when self is not null:
                await VirtualPropFindAsync(dav, folder, user, self, folderHref);
                return;
            case "PROPFIND" or "GET" or "HEAD" when self is null:
                await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
                return;
            case "GET" or "HEAD":
                dav.Http.Response.Headers.Allow = "OPTIONS, PROPFIND";
                await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "This is a folder; list it with PROPFIND.");
                return;
            default:
                // The folder is the server's view of what others share with this user: it cannot be changed itself.
                Log.Rejected(logger, context.Request.Method, "virtual folder");
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync($"'{folder.Name}' holds the shares other servers' users gave you; it cannot be changed.\n", dav.Aborted);
                return;
        }
    }

    private async Task VirtualPropFindAsync(DavContext dav, IDavVirtualFolder folder, SignedInUser user, FileNode self, string folderHref)
    {
        // One level only: the members' contents live on other servers.
        if (await ReadPropFindAsync(dav, fallbackDepth: 1) is not var (depth, query))
        {
            return;
        }

        var children = depth == 0 ? [] : await folder.ChildrenAsync(user, dav.Aborted);
        var scope = new PropertyScope(dav, await identity.InstanceIdAsync(db, dav.Aborted), [], time.GetUtcNow());
        await using var output = DavXmlOutput.Start(dav.Http.Response, StatusCodes.Status207MultiStatus);
        var xml = output.Xml;
        StartPropFindMultistatus(xml);
        WriteResponse(xml, folderHref, self, query, scope, []);
        foreach (var child in children)
        {
            WriteResponse(xml, folderHref + Uri.EscapeDataString(child.Name) + (child.IsFolder ? "/" : ""), child, query, scope, []);
        }

        xml.WriteEndElement();
        await output.CompleteAsync(dav.Aborted);
    }
}
