using System.Text;
using System.Xml;
using Ocm.Data;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.WebDav;

/// <summary>
/// One WebDAV request (RFC 4918 classes 1, 2 and 3) on a user's tree. This file dispatches by method and holds what the
/// methods share — resolving the target, answering a write whose preconditions (<see cref="WritePreconditions"/>) do not
/// hold, error bodies; each method lives in its own <c>WebDavHandler.*.cs</c> file.
/// </summary>
internal sealed partial class WebDavHandler(
    FileTree files,
    FileLocks locks,
    WritePreconditions preconditions,
    StorageIdentity identity,
    OcmDb db,
    WebDavOptions options,
    TimeProvider time,
    ILogger<WebDavHandler> logger,
    IEnumerable<IDavVirtualFolder> virtualFolders)
{
    private readonly IDavVirtualFolder[] _virtualFolders = [.. virtualFolders];

    public const string AllowedMethods = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Methods that change something; a read-only scope refuses them with 403.</summary>
    private static readonly HashSet<string> WritingMethods = new(StringComparer.Ordinal)
    {
        "PUT", "DELETE", "MKCOL", "PROPPATCH", "COPY", "MOVE", "LOCK", "UNLOCK",
    };

    /// <summary>A request on a user's own tree through one of the <see cref="DavMount"/>s.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var user = context.GetSignedInUser();
        var target = DavLocations.RawTarget(context);
        DavLocation location = default;
        var error = target.Contains('#', StringComparison.Ordinal)
            ? LocationError.BadPath // a fragment is never sent in a request target (RFC 9110 §7.1); never act on a truncated URL
            : DavLocations.TryResolve(target, user, out location);
        if (error != LocationError.None)
        {
            Log.Rejected(logger, context.Request.Method, "malformed path");
            await (error == LocationError.BadPath
                ? AnswerAsync(context, StatusCodes.Status400BadRequest, "The path is malformed: '..', '.', NUL, backslash, invalid percent-encoding or a fragment.")
                : AnswerAsync(context, StatusCodes.Status404NotFound, "Not found: no WebDAV tree at this path."));
            return;
        }

        if (!string.Equals(location.UserName, user.Name, StringComparison.OrdinalIgnoreCase))
        {
            // Only one's own tree; other people's files are reached through shares.
            await AnswerAsync(context, StatusCodes.Status403Forbidden, "This is another user's tree; their files are reached through shares.");
            return;
        }

        var scope = DavScope.ForUser(user, location.HrefBase);
        if (VirtualFolderOf(location.Path) is { } folder)
        {
            await HandleVirtualAsync(context, new DavContext(context, scope, location.Path, location.TrailingSlash), folder);
            return;
        }

        await HandleAsync(context, scope, location.Path, location.TrailingSlash);
    }

    /// <summary>
    /// A request inside <paramref name="scope"/> (a user's tree, or the part of one a share exposes) on
    /// <paramref name="path"/>, an absolute storage path the caller has already confined to the scope.
    /// </summary>
    public async Task HandleAsync(HttpContext context, DavScope scope, StoragePath path, bool trailingSlash)
    {
        var method = context.Request.Method;
        if (!scope.CanWrite && WritingMethods.Contains(method))
        {
            Log.Rejected(logger, method, "read-only scope");
            await AnswerAsync(context, StatusCodes.Status403Forbidden, "Read-only: this share does not allow changes.");
            return;
        }

        var dav = new DavContext(context, scope, path, trailingSlash);
        await files.EnsureRootOnceAsync(dav.OwnerId, dav.Aborted);
        var task = method switch
        {
            "OPTIONS" => OptionsAsync(dav),
            "GET" or "HEAD" => GetAsync(dav),
            "PUT" => PutAsync(dav),
            "DELETE" => DeleteAsync(dav),
            "MKCOL" => MkColAsync(dav),
            "PROPFIND" => PropFindAsync(dav),
            "PROPPATCH" => PropPatchAsync(dav),
            "COPY" => CopyMoveAsync(dav, move: false),
            "MOVE" => CopyMoveAsync(dav, move: true),
            "LOCK" => LockAsync(dav),
            "UNLOCK" => UnlockAsync(dav),
            _ => NotImplementedAsync(dav),
        };
        await task;
    }

    private static Task OptionsAsync(DavContext dav)
    {
        var headers = dav.Http.Response.Headers;
        headers["DAV"] = "1, 2, 3";
        headers["MS-Author-Via"] = "DAV";
        headers.Allow = AllowedMethods;
        headers.AcceptRanges = "bytes";
        dav.Http.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static Task NotImplementedAsync(DavContext dav)
    {
        dav.Http.Response.StatusCode = StatusCodes.Status501NotImplemented;
        dav.Http.Response.Headers.Allow = AllowedMethods;
        return Task.CompletedTask;
    }

    // Messages several methods answer with.
    private const string NotFoundMessage = "Not found: nothing exists at this path.";
    private const string ParentMissingMessage = "The parent folder does not exist.";

    /// <summary>
    /// Answers with <paramref name="status"/> alone, or for an error with a plain-text <paramref name="message"/> that
    /// names the problem (clients such as rclone show it to the user).
    /// </summary>
    private static Task StatusAsync(DavContext dav, int status, string? message = null) => AnswerAsync(dav.Http, status, message);

    private static Task AnswerAsync(HttpContext context, int status, string? message)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (message is null || status < 400 || response.HasStarted || HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n", context.RequestAborted);
    }

    /// <summary>An error with an RFC 4918 precondition/postcondition element: <c>&lt;d:error&gt;&lt;d:{condition}&gt;hrefs…</c>.</summary>
    private static async Task ConditionAsync(DavContext dav, int status, string condition, IEnumerable<string>? hrefs = null)
    {
        var response = dav.Http.Response;
        response.StatusCode = status;
        response.ContentType = "application/xml; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 }))
        {
            xml.WriteStartElement("d", "error", DavXml.Dav);
            xml.WriteStartElement("d", condition, DavXml.Dav);
            foreach (var href in hrefs ?? [])
            {
                xml.WriteElementString("d", "href", DavXml.Dav, href);
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), dav.Aborted);
    }

    /// <summary>Answers a request whose XML body could not be used (400, or 413 when too large); false when it can.</summary>
    private static async Task<bool> RejectBodyAsync(DavContext dav, XmlBody body)
    {
        switch (body.Status)
        {
            case XmlBodyStatus.Invalid:
                await StatusAsync(dav, StatusCodes.Status400BadRequest, "The XML body is not well-formed (or declares a DTD, which is refused).");
                return true;
            case XmlBodyStatus.TooLarge:
                await StatusAsync(dav, StatusCodes.Status413PayloadTooLarge, "The XML body is too large.");
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The preconditions of a change (<see cref="WritePreconditions"/>): the conditional headers against
    /// <paramref name="target"/> (the resource at the request URI, null when nothing is there), the <c>If</c> header and
    /// the locks on what <paramref name="scopes"/> touch. Answers 400, 412 or 423 and returns false when they do not hold.
    /// </summary>
    private async Task<bool> PreconditionsHoldAsync(DavContext dav, FileNode? target, params LockScope[] scopes)
    {
        var check = new WriteCheck(
            dav.OwnerId,
            dav.Principal,
            dav.Conditions,
            target,
            dav.Path,
            tag => dav.Scope.Resolve(tag) is { Error: LocationError.None } other ? other.Path : null,
            scopes);
        return await AnswerRefusalAsync(dav, await preconditions.CheckAsync(check, dav.Aborted));
    }

    /// <summary>Answers a refusal (400, 412, or 423 with the locks in the way, RFC 4918 §16); true when there is none.</summary>
    private async Task<bool> AnswerRefusalAsync(DavContext dav, PreconditionResult result)
    {
        switch (result.Status)
        {
            case PreconditionStatus.Met:
                return true;
            case PreconditionStatus.Locked:
                Log.Locked(logger, dav.Http.Request.Method);
                await ConditionAsync(
                    dav,
                    StatusCodes.Status423Locked,
                    "lock-token-submitted",
                    result.Locks.Select(l => dav.Href(l.StoragePath, folder: l.StoragePath.IsRoot)).Distinct());
                return false;
            default:
                await StatusAsync(dav, result.HttpStatus, result.Message);
                return false;
        }
    }

    /// <summary>Reads the <c>Depth</c> header: 0, 1 or infinity (-1); <paramref name="fallback"/> when absent; null when malformed.</summary>
    private static int? ReadDepth(HttpRequest request, int fallback)
    {
        var value = request.Headers["Depth"].ToString().Trim();
        return value switch
        {
            "" => fallback,
            "0" => 0,
            "1" => 1,
            _ when value.Equals("infinity", StringComparison.OrdinalIgnoreCase) => -1,
            _ => null,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(2400, LogLevel.Debug, "Rejected {Method}: {Reason}")]
        public static partial void Rejected(ILogger logger, string method, string reason);

        [LoggerMessage(2401, LogLevel.Debug, "{Method} refused: the target is locked")]
        public static partial void Locked(ILogger logger, string method);

        [LoggerMessage(2402, LogLevel.Error, "Stored content of a file is missing")]
        public static partial void ContentMissing(ILogger logger, Exception exception);

        [LoggerMessage(2403, LogLevel.Debug, "Upload of {Bytes} bytes finished with {Status}")]
        public static partial void Uploaded(ILogger logger, long bytes, WriteStatus status);
    }
}

/// <summary>
/// Whose tree a request works in, which part of it (<see cref="Root"/>; everything for a user's own tree, the shared
/// file or folder for a share), how hrefs are spelled, and what the caller may do there.
/// </summary>
internal sealed class DavScope
{
    public required long OwnerId { get; init; }

    public required string OwnerName { get; init; }

    public string? OwnerDisplayName { get; init; }

    /// <summary>Who holds the locks taken in this scope: the user, or a share's remote recipient.</summary>
    public required LockPrincipal Principal { get; init; }

    /// <summary>The owner's quota, which writes count against.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>The storage path the scope's href base stands for.</summary>
    public required StoragePath Root { get; init; }

    /// <summary>The href of <see cref="Root"/> as a folder, ending with a slash (<c>/dav/files/alice/</c>, <c>/dav/ocm/{id}/</c>).</summary>
    public required string HrefBase { get; init; }

    public bool CanWrite { get; init; } = true;

    /// <summary>Resolves another URL of the request (<c>Destination</c>, <c>If</c> resource tags) inside this scope.</summary>
    public required Func<string, DavTarget> Resolve { get; init; }

    public static DavScope ForUser(SignedInUser user, string hrefBase) => new()
    {
        OwnerId = user.Id,
        OwnerName = user.Name,
        OwnerDisplayName = user.DisplayName,
        Principal = LockPrincipal.User(user.Id),
        QuotaBytes = user.QuotaBytes,
        Root = StoragePath.Root,
        HrefBase = hrefBase,
        Resolve = target => DavLocations.TryResolve(target, user, out var location) switch
        {
            LocationError.None when string.Equals(location.UserName, user.Name, StringComparison.OrdinalIgnoreCase) => new DavTarget(LocationError.None, location.Path),
            LocationError.None => new DavTarget(LocationError.OtherScope, default),
            var error => new DavTarget(error, default),
        },
    };
}

/// <summary>Another URL resolved in a <see cref="DavScope"/>: a storage path, or why not.</summary>
internal readonly record struct DavTarget(LocationError Error, StoragePath Path);

/// <summary>One request: the HTTP context, the scope, and the target path (absolute in the owner's tree).</summary>
internal sealed class DavContext(HttpContext http, DavScope scope, StoragePath path, bool trailingSlash)
{
    public HttpContext Http { get; } = http;

    public DavScope Scope { get; } = scope;

    public long OwnerId => Scope.OwnerId;

    public LockPrincipal Principal => Scope.Principal;

    public StoragePath Path { get; } = path;

    public bool TrailingSlash { get; } = trailingSlash;

    /// <summary>The request's preconditions, read from its headers on first use.</summary>
    public WriteConditions Conditions => field ??= WriteConditions.Read(Http.Request.Headers);

    /// <summary>The request targets the top of its scope (a user's root, or the shared file or folder itself).</summary>
    public bool IsScopeRoot => Path == Scope.Root;

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>
    /// The href of a path in the scope the request came through; folders end with a slash. A path above the scope's
    /// root (an ancestor's lock) is reported as the root.
    /// </summary>
    public string Href(StoragePath path, bool folder)
    {
        if (!Scope.Root.IsSelfOrAncestorOf(path) || path == Scope.Root)
        {
            return folder || Scope.Root.IsRoot ? Scope.HrefBase : Scope.HrefBase.TrimEnd('/');
        }

        var relative = Scope.Root.IsRoot ? path : path.Rebase(Scope.Root, StoragePath.Root);
        return Scope.HrefBase + relative.ToUrlPath() + (folder ? "/" : "");
    }
}
