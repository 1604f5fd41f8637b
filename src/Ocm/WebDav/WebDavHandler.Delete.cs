using Microsoft.AspNetCore.Http.Features;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>DELETE (RFC 4918 §9.6): a file, or a folder with everything below it, atomically; its locks end with it.</summary>
    private async Task DeleteAsync(DavContext dav)
    {
        if (dav.IsScopeRoot)
        {
            await StatusAsync(dav, StatusCodes.Status403Forbidden, "The root folder cannot be deleted.");
            return;
        }

        var node = await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted);
        if (node is null)
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }

        // §9.6.1: a folder is deleted with Depth infinity; any other Depth is an error.
        if (node.IsFolder && ReadDepth(dav.Http.Request, fallback: -1) != -1)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "DELETE of a folder takes Depth: infinity (or no Depth header).");
            return;
        }

        if (!await PreconditionsHoldAsync(dav, node, new LockScope(dav.Path, IncludeBelow: node.IsFolder, MembershipChange: true)))
        {
            return;
        }

        var deleted = await files.DeleteAsync(dav.OwnerId, dav.Path, dav.Aborted);
        await StatusAsync(dav, deleted ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound);
    }

    /// <summary>MKCOL (RFC 4918 §9.3): 201; 405 when something exists there, 409 without a parent folder, 415 with a body.</summary>
    private async Task MkColAsync(DavContext dav)
    {
        if (dav.Http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            // §9.3: we define no MKCOL body, so any body is an unsupported media type.
            await StatusAsync(dav, StatusCodes.Status415UnsupportedMediaType, "MKCOL takes no request body.");
            return;
        }

        if (dav.Path.IsRoot)
        {
            await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "The root folder already exists.");
            return;
        }

        var found = await files.FindManyAsync(dav.OwnerId, [dav.Path, dav.Path.Parent], dav.Aborted);
        if (found.ContainsKey(dav.Path))
        {
            await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "Something already exists at this path.");
            return;
        }

        if (!found.TryGetValue(dav.Path.Parent, out var parent) || !parent.IsFolder)
        {
            await StatusAsync(dav, StatusCodes.Status409Conflict, ParentMissingMessage);
            return;
        }

        if (!await PreconditionsHoldAsync(dav, null, new LockScope(dav.Path, IncludeBelow: false, MembershipChange: true)))
        {
            return;
        }

        var result = await files.CreateFolderAsync(dav.OwnerId, dav.Path, dav.Aborted);
        await StatusAsync(dav, result.Status switch
        {
            FolderStatus.Created => StatusCodes.Status201Created,
            FolderStatus.Exists => StatusCodes.Status405MethodNotAllowed,
            _ => StatusCodes.Status409Conflict,
        });
    }
}
