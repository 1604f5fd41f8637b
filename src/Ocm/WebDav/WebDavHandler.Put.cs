using Microsoft.AspNetCore.Http.Features;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// PUT (RFC 9110 §9.3.4, RFC 4918 §9.7): streams the body into the store while hashing it, then swaps it in
    /// atomically. 201 for a new file, 204 for a replaced one; 409 without a parent folder, 405 on a folder, 412 when a
    /// condition fails, 413 over the upload limit, 507 over the quota, 423 when locked.
    /// </summary>
    private async Task PutAsync(DavContext dav)
    {
        var request = dav.Http.Request;
        if (request.Headers.ContentRange.Count > 0)
        {
            // RFC 9110 §14.5: a partial PUT must be refused rather than applied as a whole.
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "Partial PUT (Content-Range) is not supported; send the whole file.");
            return;
        }

        if (dav.Path.IsRoot)
        {
            await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "The root is a folder; PUT a file inside it.");
            return;
        }

        var found = await files.FindManyAsync(dav.OwnerId, [dav.Path, dav.Path.Parent], dav.Aborted);
        found.TryGetValue(dav.Path, out var existing);
        if (!found.TryGetValue(dav.Path.Parent, out var parent) || !parent.IsFolder)
        {
            await StatusAsync(dav, StatusCodes.Status409Conflict, ParentMissingMessage);
            return;
        }

        if (existing is { IsFolder: true })
        {
            await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "A folder exists at this path.");
            return;
        }

        if (!await PreconditionsHoldAsync(dav, existing, new LockScope(dav.Path, IncludeBelow: false, MembershipChange: existing is null)))
        {
            return;
        }

        if (request.ContentLength > options.MaxUploadBytes)
        {
            await StatusAsync(dav, StatusCodes.Status413PayloadTooLarge, $"The file is larger than this server's upload limit ({options.MaxUploadBytes} bytes).");
            return;
        }

        var mtime = UploadHeaders.ReadMtime(request);
        var write = new FileWrite(
            dav.OwnerId,
            dav.Path,
            dav.Scope.QuotaBytes,
            options.MaxUploadBytes,
            request.ContentLength,
            ContentType: request.ContentType,
            Modified: mtime,
            // Checked again inside the commit's transaction: a change after the check above still fails with 412.
            ExpectedETag: dav.Conditions.ExpectedETag(existing),
            MustNotExist: dav.Conditions.MustNotExist,
            ExpectedChecksum: ContentChecksum.Parse(request.Headers["OC-Checksum"]),
            ReplacedSize: existing?.Size);
        var result = await files.WriteAsync(write, request.BodyReader, dav.Aborted);
        Log.Uploaded(logger, result.Node?.Size ?? 0, result.Status);
        switch (result.Status)
        {
            case WriteStatus.Created or WriteStatus.Replaced:
                var node = result.Node!;
                UploadHeaders.DescribeStored(dav.Http.Response, node, StorageIdentity.FileId(node.Id, await identity.InstanceIdAsync(db, dav.Aborted)), mtime is not null);

                dav.Http.Response.StatusCode = result.Status == WriteStatus.Created ? StatusCodes.Status201Created : StatusCodes.Status204NoContent;
                break;
            case WriteStatus.ParentMissing:
                await StatusAsync(dav, StatusCodes.Status409Conflict, "The parent folder was removed meanwhile.");
                break;
            case WriteStatus.IsFolder:
                await StatusAsync(dav, StatusCodes.Status405MethodNotAllowed, "A folder was created at this path meanwhile.");
                break;
            case WriteStatus.PreconditionFailed:
                await StatusAsync(dav, StatusCodes.Status412PreconditionFailed, "Precondition failed: the file changed while it was being uploaded.");
                break;
            case WriteStatus.QuotaExceeded:
                await RefuseRestAsync(dav, StatusCodes.Status507InsufficientStorage, "quota-not-exceeded");
                break;
            case WriteStatus.TooLarge:
                await RefuseRestAsync(dav, StatusCodes.Status413PayloadTooLarge, null,
                    $"The file is larger than this server's upload limit ({options.MaxUploadBytes} bytes).");
                break;
            case WriteStatus.ChecksumMismatch:
                await StatusAsync(dav, StatusCodes.Status400BadRequest, "The content does not match the checksum sent with it (OC-Checksum); nothing was stored.");
                break;
            case WriteStatus.IncompleteBody:
                await StatusAsync(dav, StatusCodes.Status400BadRequest, "The body ended before Content-Length bytes arrived; nothing was stored.");
                break;
        }
    }

    /// <summary>
    /// Answers an upload refused part-way. The rest of the body is not read: the connection is closed after the
    /// response (Kestrel does so when a body is left unread), so the client stops sending.
    /// </summary>
    private static async Task RefuseRestAsync(DavContext dav, int status, string? condition, string? message = null)
    {
        if (dav.Http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            dav.Http.Response.Headers.Connection = "close";
        }

        if (condition is null)
        {
            await StatusAsync(dav, status, message);
        }
        else
        {
            await ConditionAsync(dav, status, condition);
        }
    }
}
