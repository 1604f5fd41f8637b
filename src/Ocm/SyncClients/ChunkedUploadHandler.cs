using System.Globalization;
using System.Text;
using System.Xml;
using Ocm.Data;
using Ocm.Files;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.SyncClients;

/// <summary>
/// Chunked uploads as Nextcloud ("chunking v2") and ownCloud ("chunking NG") clients do them, under
/// <c>/remote.php/dav/uploads/{user}/{transferId}/</c>:
/// <list type="number">
/// <item><c>MKCOL …/{transferId}</c> starts an upload (<c>OC-Total-Length</c> may announce its size: 413/507 early);</item>
/// <item><c>PUT …/{transferId}/{number}</c> stores a chunk; Nextcloud numbers them 0, 1, 2… (or 1, 2, 3…), ownCloud names
/// each by its byte offset;</item>
/// <item><c>MOVE …/{transferId}/.file</c> with <c>Destination: /remote.php/dav/files/{user}/path</c> assembles the
/// chunks, in order, into a new blob of the file store (<see cref="IChunkStore.AssembleAsync"/>: streamed and hashed on
/// disk, copied inside the object store on S3), then commits it like a PUT (<c>OC-Checksum</c> verified,
/// <c>X-OC-Mtime</c> honoured, the preconditions checked on the destination by <see cref="WritePreconditions"/>, as for
/// a PUT, atomically);</item>
/// <item><c>DELETE …/{transferId}</c> abandons it; <see cref="ChunkSweep"/> removes uploads nobody finished.</item>
/// </list>
/// The new content becomes visible only when complete: a crash during assembly leaves the destination as it was.
/// </summary>
internal sealed partial class ChunkedUploadHandler(
    IChunkStore chunks,
    FileTree files,
    WritePreconditions preconditions,
    StorageIdentity identity,
    OcmDb db,
    WebDavOptions davOptions,
    ILogger<ChunkedUploadHandler> logger)
{
    public const string Prefix = "/remote.php/dav/uploads/";
    private const string AllowedMethods = "OPTIONS, MKCOL, PUT, PROPFIND, MOVE, DELETE";
    private const string Sabre = "http://sabredav.org/ns";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private const string LockedMessage = "The destination is locked: submit the lock's token in the If header (RFC 4918 §10.4).";

    public async Task HandleAsync(HttpContext context)
    {
        var user = context.GetSignedInUser();
        if (!TryParseTarget(DavLocations.RawTarget(context), out var segments))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Malformed upload path.");
            return;
        }

        if (segments.Count == 0 || !string.Equals(segments[0], user.Name, StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, "Uploads of other users are not accessible.");
            return;
        }

        if (segments.Count > 1 && !ChunkNames.IsValidTransferId(segments[1]))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Malformed transfer id.");
            return;
        }

        var request = new UploadRequest(context, user, segments.Count > 1 ? segments[1] : null, segments.Count > 2 ? segments[2] : null);
        if (segments.Count > 3)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "No such upload resource.");
            return;
        }

        var task = context.Request.Method switch
        {
            "OPTIONS" => OptionsAsync(request),
            "MKCOL" => MkColAsync(request),
            "PUT" => PutChunkAsync(request),
            "PROPFIND" => PropFindAsync(request),
            "MOVE" => AssembleAsync(request),
            "DELETE" => DeleteAsync(request),
            _ => MethodNotAllowedAsync(request),
        };
        await task;
    }

    private static Task OptionsAsync(UploadRequest request)
    {
        var headers = request.Http.Response.Headers;
        headers["DAV"] = "1";
        headers.Allow = AllowedMethods;
        request.Http.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static Task MethodNotAllowedAsync(UploadRequest request)
    {
        request.Http.Response.Headers.Allow = AllowedMethods;
        return ErrorAsync(request.Http, StatusCodes.Status405MethodNotAllowed, "Method not allowed on uploads.");
    }

    private async Task MkColAsync(UploadRequest request)
    {
        if (request.TransferId is null || request.Member is not null)
        {
            await ErrorAsync(request.Http, StatusCodes.Status405MethodNotAllowed, "Only an upload folder can be created here.");
            return;
        }

        if (request.Http.Request.ContentLength > 0)
        {
            await ErrorAsync(request.Http, StatusCodes.Status415UnsupportedMediaType, "MKCOL takes no body.");
            return;
        }

        if (!TryReadLength(request.Http.Request, "OC-Total-Length", out var total))
        {
            await ErrorAsync(request.Http, StatusCodes.Status400BadRequest, "OC-Total-Length must be a non-negative number.");
            return;
        }

        if (total > davOptions.MaxUploadBytes)
        {
            await ErrorAsync(request.Http, StatusCodes.Status413PayloadTooLarge, "The file is larger than uploads may be.");
            return;
        }

        if (total is long announced && await AllowanceAsync(request) < announced)
        {
            await ErrorAsync(request.Http, StatusCodes.Status507InsufficientStorage, "Not enough space left in the quota.");
            return;
        }

        if (!await chunks.CreateAsync(request.User.Id, request.TransferId, total, request.Aborted))
        {
            await ErrorAsync(request.Http, StatusCodes.Status405MethodNotAllowed, "The upload exists already.");
            return;
        }

        Log.Started(logger);
        request.Http.Response.StatusCode = StatusCodes.Status201Created;
    }

    private async Task PutChunkAsync(UploadRequest request)
    {
        if (request.TransferId is null || request.Member is null)
        {
            await ErrorAsync(request.Http, StatusCodes.Status405MethodNotAllowed, "PUT needs a chunk name: …/{transferId}/{number}.");
            return;
        }

        if (ChunkNames.ParseChunkName(request.Member) is not long number)
        {
            await ErrorAsync(request.Http, StatusCodes.Status400BadRequest, "Chunk names must be numbers.");
            return;
        }

        if (request.Http.Request.Headers.ContentRange.Count > 0)
        {
            await ErrorAsync(request.Http, StatusCodes.Status400BadRequest, "Partial PUT is not supported.");
            return;
        }

        var existing = await chunks.ChunksAsync(request.User.Id, request.TransferId, request.Aborted);
        var others = existing.Where(c => c.Number != number).Sum(c => c.Length);
        var status = await chunks.WriteChunkAsync(
            request.User.Id,
            request.TransferId,
            number,
            request.Http.Request.Body,
            request.Http.Request.ContentLength,
            maxBytes: Math.Max(0, davOptions.MaxUploadBytes - others),
            allowance: await AllowanceAsync(request),
            request.Aborted);
        switch (status)
        {
            case ChunkWriteStatus.Stored:
                request.Http.Response.StatusCode = existing.Any(c => c.Number == number) ? StatusCodes.Status204NoContent : StatusCodes.Status201Created;
                break;
            case ChunkWriteStatus.UploadMissing:
                await ErrorAsync(request.Http, StatusCodes.Status409Conflict, "The upload does not exist (never started, finished or expired).");
                break;
            case ChunkWriteStatus.TooLarge:
                await RefuseRestAsync(request, StatusCodes.Status413PayloadTooLarge, "The upload is larger than uploads may be.");
                break;
            case ChunkWriteStatus.QuotaExceeded:
                await RefuseRestAsync(request, StatusCodes.Status507InsufficientStorage, "Not enough space left in the quota.");
                break;
            case ChunkWriteStatus.TooManyChunks:
                await RefuseRestAsync(request, StatusCodes.Status413PayloadTooLarge, "Too many chunks for one upload.");
                break;
            case ChunkWriteStatus.IncompleteBody:
                await ErrorAsync(request.Http, StatusCodes.Status400BadRequest, "The body is shorter than Content-Length.");
                break;
        }
    }

    private async Task DeleteAsync(UploadRequest request)
    {
        if (request.TransferId is null)
        {
            await ErrorAsync(request.Http, StatusCodes.Status403Forbidden, "The uploads folder itself cannot be deleted.");
            return;
        }

        bool deleted;
        if (request.Member is null)
        {
            deleted = await chunks.DeleteAsync(request.User.Id, request.TransferId, request.Aborted);
        }
        else if (ChunkNames.ParseChunkName(request.Member) is long number)
        {
            deleted = await chunks.DeleteChunkAsync(request.User.Id, request.TransferId, number, request.Aborted);
        }
        else
        {
            deleted = false;
        }

        if (deleted)
        {
            request.Http.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        else
        {
            await ErrorAsync(request.Http, StatusCodes.Status404NotFound, "No such upload or chunk.");
        }
    }

    /// <summary>
    /// PROPFIND on the uploads folder, an upload or a chunk (clients list the chunks of an interrupted upload to resume
    /// it). Always answers <c>resourcetype</c>, <c>getcontentlength</c> and <c>getlastmodified</c>, whatever was asked.
    /// </summary>
    private async Task PropFindAsync(UploadRequest request)
    {
        // The body (what was asked) is read and discarded, bounded like any WebDAV XML body.
        var body = await DavXml.ReadAsync(request.Http.Request, davOptions.MaxXmlBodyBytes, request.Aborted);
        if (body.Status == XmlBodyStatus.TooLarge)
        {
            await ErrorAsync(request.Http, StatusCodes.Status413PayloadTooLarge, "The request body is too large.");
            return;
        }

        var depth = request.Http.Request.Headers["Depth"].ToString().Trim();
        var deep = depth != "0";
        var userHref = Prefix + Uri.EscapeDataString(request.User.Name) + "/";
        var entries = new List<(string Href, bool Folder, long Length)>();
        if (request.TransferId is null)
        {
            entries.Add((userHref, true, 0));
            if (deep)
            {
                entries.AddRange((await chunks.ListAsync(request.User.Id, request.Aborted)).Select(u => (userHref + Uri.EscapeDataString(u.TransferId) + "/", true, 0L)));
            }
        }
        else if (await chunks.FindAsync(request.User.Id, request.TransferId, request.Aborted) is null)
        {
            await ErrorAsync(request.Http, StatusCodes.Status404NotFound, "No such upload.");
            return;
        }
        else
        {
            var uploadHref = userHref + Uri.EscapeDataString(request.TransferId) + "/";
            var list = await chunks.ChunksAsync(request.User.Id, request.TransferId, request.Aborted);
            if (request.Member is null)
            {
                entries.Add((uploadHref, true, 0));
                if (deep)
                {
                    entries.AddRange(list.Select(c => (uploadHref + c.Number.ToString("D16", CultureInfo.InvariantCulture), false, c.Length)));
                }
            }
            else if (ChunkNames.ParseChunkName(request.Member) is long number && list.FirstOrDefault(c => c.Number == number) is { } chunk)
            {
                entries.Add((uploadHref + request.Member, false, chunk.Length));
            }
            else
            {
                await ErrorAsync(request.Http, StatusCodes.Status404NotFound, "No such chunk.");
                return;
            }
        }

        var response = request.Http.Response;
        response.StatusCode = StatusCodes.Status207MultiStatus;
        response.ContentType = "application/xml; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 }))
        {
            xml.WriteStartElement("d", "multistatus", DavXml.Dav);
            foreach (var (href, folder, length) in entries)
            {
                xml.WriteStartElement("d", "response", DavXml.Dav);
                xml.WriteElementString("d", "href", DavXml.Dav, href);
                xml.WriteStartElement("d", "propstat", DavXml.Dav);
                xml.WriteStartElement("d", "prop", DavXml.Dav);
                xml.WriteStartElement("d", "resourcetype", DavXml.Dav);
                if (folder)
                {
                    xml.WriteElementString("d", "collection", DavXml.Dav, null);
                }

                xml.WriteEndElement();
                if (!folder)
                {
                    xml.WriteElementString("d", "getcontentlength", DavXml.Dav, length.ToString(CultureInfo.InvariantCulture));
                }

                xml.WriteEndElement();
                xml.WriteElementString("d", "status", DavXml.Dav, "HTTP/1.1 200 OK");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), request.Aborted);
    }

    /// <summary>The final <c>MOVE …/{transferId}/.file</c>: checks, then streams the chunks in order into the destination.</summary>
    private async Task AssembleAsync(UploadRequest request)
    {
        var http = request.Http;
        if (request.TransferId is null || request.Member != ".file")
        {
            await ErrorAsync(http, StatusCodes.Status403Forbidden, "Only …/{transferId}/.file can be moved: it assembles the upload.");
            return;
        }

        var destinationHeader = http.Request.Headers["Destination"].ToString();
        if (destinationHeader.Length == 0 || destinationHeader.Contains('#', StringComparison.Ordinal)
            || DavLocations.TryResolve(destinationHeader, request.User, out var destination) != LocationError.None || destination.Path.IsRoot)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "Destination must name a file below /remote.php/dav/files/{user}/.");
            return;
        }

        if (!string.Equals(destination.UserName, request.User.Name, StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(http, StatusCodes.Status403Forbidden, "Uploads can only be assembled into one's own files.");
            return;
        }

        var info = await chunks.FindAsync(request.User.Id, request.TransferId, request.Aborted);
        if (info is null)
        {
            await ErrorAsync(http, StatusCodes.Status404NotFound, "No such upload (never started, finished or expired).");
            return;
        }

        if (!TryReadLength(http.Request, "OC-Total-Length", out var declared) || !TryReadLength(http.Request, "OC-Total-File-Length", out var declaredFile))
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "OC-Total-Length must be a non-negative number.");
            return;
        }

        var list = await chunks.ChunksAsync(request.User.Id, request.TransferId, request.Aborted);
        var total = list.Sum(c => c.Length);
        var expected = declared ?? declaredFile ?? info.TotalLength;
        if (!InOrder(list))
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "Chunks are missing: the numbers are neither consecutive indices nor contiguous byte offsets.");
            return;
        }

        if (expected is long length && length != total)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, $"The chunks hold {total} bytes, not the {length} announced.");
            return;
        }

        var existing = await files.FindAsync(request.User.Id, destination.Path, request.Aborted);
        if (existing is { IsFolder: true })
        {
            await ErrorAsync(http, StatusCodes.Status409Conflict, "The destination is a folder.");
            return;
        }

        var conditions = WriteConditions.Read(http.Request.Headers);
        var check = await preconditions.CheckAsync(
            new WriteCheck(
                request.User.Id,
                LockPrincipal.User(request.User.Id),
                conditions,
                // The conditions clients put on the final MOVE (ownCloud and Nextcloud send <destination> (["etag"]) in
                // If, some If-Match) are about the destination: the request URI, the virtual .file, has no ETag or locks.
                Target: existing,
                RequestPath: null,
                ResolveTag: tag => DavLocations.TryResolve(tag, request.User, out var tagged) == LocationError.None
                    && string.Equals(tagged.UserName, request.User.Name, StringComparison.OrdinalIgnoreCase) ? tagged.Path : null,
                [new LockScope(destination.Path, IncludeBelow: false, MembershipChange: existing is null)]),
            request.Aborted);
        if (!check.Holds)
        {
            await ErrorAsync(http, check.HttpStatus, check.Status == PreconditionStatus.Locked ? LockedMessage : check.Message!);
            return;
        }

        var overwrite = http.Request.Headers["Overwrite"].ToString();
        var mtime = UploadHeaders.ReadMtime(http.Request);
        var write = new FileWrite(
            request.User.Id,
            destination.Path,
            request.User.QuotaBytes,
            davOptions.MaxUploadBytes,
            total,
            ContentType: null,
            Modified: mtime,
            // Checked again inside the commit's transaction: a change after the If check above still fails with 412.
            ExpectedETag: existing?.ETag,
            MustNotExist: existing is null || string.Equals(overwrite, "F", StringComparison.OrdinalIgnoreCase),
            ExpectedChecksum: ContentChecksum.Parse(http.Request.Headers["OC-Checksum"]),
            ReplacedSize: existing?.Size);
        WriteResult result;
        try
        {
            var content = await chunks.AssembleAsync(request.User.Id, request.TransferId, list, request.Aborted);
            // The content is complete: a client that goes away now still gets its file (no half-finished commit).
            result = await files.CommitStoredAsync(write, content, CancellationToken.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted or swept while being assembled (a concurrent DELETE or a second MOVE that finished first).
            await ErrorAsync(http, StatusCodes.Status409Conflict, "The upload was removed while it was being assembled.");
            return;
        }

        Log.Assembled(logger, list.Count, total, result.Status);
        switch (result.Status)
        {
            case WriteStatus.Created or WriteStatus.Replaced:
                await chunks.DeleteAsync(request.User.Id, request.TransferId, CancellationToken.None);
                var node = result.Node!;
                UploadHeaders.DescribeStored(http.Response, node, StorageIdentity.FileId(node.Id, await identity.InstanceIdAsync(db, CancellationToken.None)), mtime is not null);

                http.Response.StatusCode = result.Status == WriteStatus.Created ? StatusCodes.Status201Created : StatusCodes.Status204NoContent;
                break;
            case WriteStatus.ParentMissing:
                await ErrorAsync(http, StatusCodes.Status409Conflict, "The destination's folder does not exist.");
                break;
            case WriteStatus.IsFolder:
                await ErrorAsync(http, StatusCodes.Status409Conflict, "The destination is a folder.");
                break;
            case WriteStatus.PreconditionFailed:
                await ErrorAsync(http, StatusCodes.Status412PreconditionFailed, "A precondition failed: the file changed on the server.");
                break;
            case WriteStatus.QuotaExceeded:
                await ErrorAsync(http, StatusCodes.Status507InsufficientStorage, "Not enough space left in the quota.");
                break;
            case WriteStatus.TooLarge:
                await ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, "The file is larger than uploads may be.");
                break;
            case WriteStatus.ChecksumMismatch:
                // The chunks stay: the client deletes the upload and starts again.
                await ErrorAsync(http, StatusCodes.Status400BadRequest, "The computed checksum does not match the one received from the client.");
                break;
            case WriteStatus.IncompleteBody:
                await ErrorAsync(http, StatusCodes.Status400BadRequest, "The chunks changed while they were being assembled.");
                break;
        }
    }

    /// <summary>
    /// Chunks are either numbered 0, 1, 2… or 1, 2, 3… (Nextcloud) or named by their byte offset (ownCloud); anything
    /// else means one is missing.
    /// </summary>
    internal static bool InOrder(IReadOnlyList<Chunk> list)
    {
        if (list.Count == 0)
        {
            return true;
        }

        var first = list[0].Number;
        if ((first == 0 || first == 1) && list.Select((c, i) => c.Number == first + i).All(x => x))
        {
            return true;
        }

        long offset = 0;
        foreach (var chunk in list)
        {
            if (chunk.Number != offset)
            {
                return false;
            }

            offset += chunk.Length;
        }

        return true;
    }

    /// <summary>Bytes the user may still store: the quota less what files and other chunks use; unlimited without a quota.</summary>
    private async Task<long> AllowanceAsync(UploadRequest request) =>
        request.User.QuotaBytes is long quota
            ? Math.Max(0, quota - await files.UsedBytesAsync(request.User.Id, request.Aborted) - await chunks.BytesHeldAsync(request.User.Id, request.Aborted))
            : long.MaxValue;

    private static bool TryReadLength(HttpRequest request, string header, out long? length)
    {
        length = null;
        var value = request.Headers[header].ToString();
        if (value.Length == 0)
        {
            return true;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            length = parsed;
            return true;
        }

        return false;
    }

    /// <summary>The path segments after <see cref="Prefix"/>, percent-decoded; false for a malformed target.</summary>
    internal static bool TryParseTarget(string rawTarget, out List<string> segments)
    {
        segments = [];
        var path = rawTarget;
        var cut = path.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            path = path[..cut];
        }

        var bare = Prefix[..^1];
        if (!path.StartsWith(Prefix, StringComparison.Ordinal) && path != bare)
        {
            return false;
        }

        var rest = path.Length > Prefix.Length ? path[Prefix.Length..] : "";
        foreach (var raw in rest.Split('/'))
        {
            if (raw.Length == 0)
            {
                continue;
            }

            string segment;
            try
            {
                segment = Uri.UnescapeDataString(raw);
            }
            catch (UriFormatException)
            {
                return false;
            }

            if (segment.Contains('/', StringComparison.Ordinal) || segment.Contains('\0', StringComparison.Ordinal) || segment == "..")
            {
                return false;
            }

            segments.Add(segment);
        }

        return true;
    }

    /// <summary>Refuses an upload part-way; the unread rest of the body makes Kestrel close the connection after the answer.</summary>
    private static Task RefuseRestAsync(UploadRequest request, int status, string message)
    {
        request.Http.Response.Headers.Connection = "close";
        return ErrorAsync(request.Http, status, message);
    }

    /// <summary>An error in the form sabre/dav (Nextcloud, ownCloud) uses; the clients show <c>s:message</c> to the user.</summary>
    private static async Task ErrorAsync(HttpContext http, int status, string message)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = "application/xml; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 }))
        {
            xml.WriteStartElement("d", "error", DavXml.Dav);
            xml.WriteAttributeString("xmlns", "s", null, Sabre);
            xml.WriteElementString("s", "message", Sabre, message);
            xml.WriteEndElement();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted);
    }

    private sealed record UploadRequest(HttpContext Http, SignedInUser User, string? TransferId, string? Member)
    {
        public CancellationToken Aborted => Http.RequestAborted;
    }

    private static partial class Log
    {
        [LoggerMessage(2520, LogLevel.Debug, "Chunked upload started")]
        public static partial void Started(ILogger logger);

        [LoggerMessage(2521, LogLevel.Debug, "Assembled {Chunks} chunks, {Bytes} bytes: {Status}")]
        public static partial void Assembled(ILogger logger, int chunks, long bytes, WriteStatus status);
    }
}
