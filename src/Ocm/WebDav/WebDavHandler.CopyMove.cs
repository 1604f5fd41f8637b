using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// COPY and MOVE (RFC 4918 §9.8, §9.9) within the user's tree, to a <c>Destination</c> given as an absolute URL or
    /// an absolute path in any of the mounts. 201 when created, 204 when an existing resource was replaced
    /// (<c>Overwrite: T</c>, the default), 412 when it exists and <c>Overwrite: F</c>, 409 without a parent folder at
    /// the destination, 403 onto itself or below itself, 502 for a destination outside this server's trees.
    /// </summary>
    private async Task CopyMoveAsync(DavContext dav, bool move)
    {
        var request = dav.Http.Request;
        var destinationHeader = request.Headers["Destination"].ToString();
        if (destinationHeader.Length == 0)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The Destination header is missing.");
            return;
        }

        var destination = dav.Scope.Resolve(destinationHeader);
        switch (destination.Error)
        {
            case LocationError.BadPath:
                await StatusAsync(dav, StatusCodes.Status400BadRequest,
                    "The Destination header is not an absolute URL or absolute path to a valid name (no '..', NUL or backslash).");
                return;
            case LocationError.OutsideMounts:
                // §9.8.4/§9.9.4: a destination on another server (or outside any tree) cannot be reached from here.
                await StatusAsync(dav, StatusCodes.Status502BadGateway, "The Destination is not on this server's WebDAV trees.");
                return;
            case LocationError.OtherScope:
                await StatusAsync(dav, StatusCodes.Status403Forbidden, "The Destination is outside what this request may change (another user's tree or another share).");
                return;
        }

        var overwriteHeader = request.Headers["Overwrite"].ToString().Trim();
        bool overwrite;
        if (overwriteHeader.Length == 0 || overwriteHeader.Equals("T", StringComparison.OrdinalIgnoreCase))
        {
            overwrite = true;
        }
        else if (overwriteHeader.Equals("F", StringComparison.OrdinalIgnoreCase))
        {
            overwrite = false;
        }
        else
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The Overwrite header must be T or F.");
            return;
        }

        var source = await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted);
        if (source is null)
        {
            await StatusAsync(dav, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }

        var depth = ReadDepth(request, fallback: -1);
        // §9.8.3: COPY of a folder takes Depth 0 or infinity; §9.9.2: MOVE of a folder only infinity.
        if (depth is null || (source.IsFolder && (depth == 1 || (move && depth != -1))))
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, move
                ? "MOVE of a folder takes Depth: infinity (or no Depth header)."
                : "COPY takes Depth: 0 or infinity (or no Depth header).");
            return;
        }

        var target = destination.Path;
        if (dav.Scope.Root.IsRoot && VirtualFolderOf(target) is not null)
        {
            // The shares of others live on other servers: nothing is copied or moved into them from here (§9.8.4).
            await StatusAsync(dav, StatusCodes.Status502BadGateway, "The Destination is inside a share from another server; copy or move into it directly.");
            return;
        }

        if (target == dav.Path || dav.Path.IsAncestorOf(target) || dav.IsScopeRoot || target == dav.Scope.Root)
        {
            await StatusAsync(dav, StatusCodes.Status403Forbidden, "The source and destination are the same, one contains the other, or one is the root.");
            return;
        }

        LockScope[] scopes = move
            ? [new LockScope(dav.Path, IncludeBelow: true, MembershipChange: true), new LockScope(target, IncludeBelow: true, MembershipChange: true)]
            : [new LockScope(target, IncludeBelow: true, MembershipChange: true)];
        if (!await PreconditionsHoldAsync(dav, source, scopes))
        {
            return;
        }

        var result = move
            ? await files.MoveAsync(dav.OwnerId, dav.Path, target, overwrite, dav.Aborted)
            : await files.CopyAsync(dav.OwnerId, dav.Path, target, overwrite, recursive: depth != 0, dav.Scope.QuotaBytes, dav.Aborted);
        switch (result.Status)
        {
            case TransferStatus.Created:
                dav.Http.Response.Headers.Location = dav.Href(target, source.IsFolder);
                await StatusAsync(dav, StatusCodes.Status201Created);
                break;
            case TransferStatus.Replaced:
                await StatusAsync(dav, StatusCodes.Status204NoContent);
                break;
            case TransferStatus.SourceMissing:
                await StatusAsync(dav, StatusCodes.Status404NotFound, "Not found: the source was removed meanwhile.");
                break;
            case TransferStatus.DestinationExists:
                await StatusAsync(dav, StatusCodes.Status412PreconditionFailed, "The destination exists and Overwrite is F.");
                break;
            case TransferStatus.ParentMissing:
                await StatusAsync(dav, StatusCodes.Status409Conflict, "The destination's parent folder does not exist.");
                break;
            case TransferStatus.SourceChanged:
                await StatusAsync(dav, StatusCodes.Status409Conflict, "The source changed while it was being copied; try again.");
                break;
            case TransferStatus.Forbidden:
                await StatusAsync(dav, StatusCodes.Status403Forbidden, "The destination cannot be replaced.");
                break;
            case TransferStatus.QuotaExceeded:
                await ConditionAsync(dav, StatusCodes.Status507InsufficientStorage, "quota-not-exceeded");
                break;
        }
    }
}
