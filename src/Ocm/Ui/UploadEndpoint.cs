using System.IO.Pipelines;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Ocm.Files;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.Ui;

/// <summary>
/// <c>POST /ui/upload?dir=/folder</c>: a <c>multipart/form-data</c> body with one or more files, read section by
/// section and streamed into <see cref="FileTree.WriteAsync"/> — nothing is buffered, whatever the size. The page's
/// script sends one file per request (for a progress bar each) with the anti-forgery token in a header and wants JSON
/// back; without scripts the form posts all files at once with the token as its first field and gets a page back.
/// </summary>
internal static partial class UploadEndpoint
{
    public static void Map(RouteGroupBuilder ui) => ui.MapPost("/upload", UploadAsync);

    private static async Task<IResult> UploadAsync(
        HttpContext context, string? dir, string? overwrite, FileTree files, WritePreconditions preconditions, WebDavOptions webDav, Shares.SharesOptions shares,
        IAntiforgery antiforgery, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        var script = UiSession.WantsJson(context.Request);
        if (UiUrls.PathFromText(dir, out var folderPath) != PathError.None)
        {
            return Fail(ui, script, StatusCodes.Status400BadRequest, "The upload folder is not a valid path.", ui.Urls.Home);
        }

        var back = ui.Urls.Folder(folderPath);
        var boundary = MultipartBoundary(context.Request.ContentType);
        if (boundary is null)
        {
            return Fail(ui, script, StatusCodes.Status415UnsupportedMediaType, "Send the files as multipart/form-data.", back);
        }

        var reader = new MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        var section = await reader.ReadNextSectionAsync(cancellationToken);

        // The token comes in a header (script) or as the first form field (plain form): never by reading the whole form.
        if (!context.Request.Headers.ContainsKey(UiRequest.CsrfHeader))
        {
            if (section is null || FieldName(section) != UiRequest.CsrfField)
            {
                return Expired(ui, script);
            }

            context.Request.Headers[UiRequest.CsrfHeader] = await ReadFieldAsync(section, cancellationToken);
            section = await reader.ReadNextSectionAsync(cancellationToken);
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return Expired(ui, script);
        }

        var folder = await files.FindAsync(user.Id, folderPath, cancellationToken);
        if (folder is null || !folder.IsFolder)
        {
            return Fail(ui, script, StatusCodes.Status404NotFound, $"There is no folder {UiUrls.Display(folderPath)}.", ui.Urls.Home);
        }

        var replace = overwrite == "1";
        var uploaded = new List<UploadedFile>();
        var problems = new List<(int Status, string Message)>();
        for (; section is not null; section = await reader.ReadNextSectionAsync(cancellationToken))
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            if (!disposition.IsFileDisposition())
            {
                if (FieldName(section) == "overwrite")
                {
                    replace = await ReadFieldAsync(section, cancellationToken) == "1";
                }

                continue;
            }

            var name = BaseName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString());
            if (name.Length == 0)
            {
                continue; // the form was sent without choosing a file
            }

            var outcome = await WriteAsync(files, preconditions, webDav, shares.ReceivedFolder, user, folderPath, name, section, replace, cancellationToken);
            if (outcome.Uploaded is { } file)
            {
                uploaded.Add(file);
                Log.Uploaded(loggers.CreateLogger("Ocm.Ui.UploadEndpoint"), user.Id, file.Size);
            }
            else
            {
                problems.Add((outcome.Status, outcome.Message!));
                if (script)
                {
                    break;
                }
            }
        }

        if (script)
        {
            // One file per request from the script: its outcome is the response.
            if (problems.Count > 0)
            {
                return TypedResults.Problem(statusCode: problems[0].Status, title: "Upload failed", detail: problems[0].Message);
            }

            return TypedResults.Json(new UploadResponse(uploaded), UiJsonContext.Default.UploadResponse, statusCode: StatusCodes.Status201Created);
        }

        if (problems.Count > 0)
        {
            var done = uploaded.Count == 0 ? "" : $"Uploaded {uploaded.Count} file{(uploaded.Count == 1 ? "" : "s")}. ";
            return ui.Redirect(back, FlashKind.Error, done + string.Join(" ", problems.Select(p => p.Message)));
        }

        return uploaded.Count == 0
            ? ui.Redirect(back, FlashKind.Error, "Choose one or more files to upload.")
            : ui.Redirect(back, FlashKind.Success, $"Uploaded {uploaded.Count} file{(uploaded.Count == 1 ? "" : "s")}.");
    }

    private static async Task<WriteOutcome> WriteAsync(
        FileTree files, WritePreconditions preconditions, WebDavOptions webDav, string receivedFolder, SignedInUser user, StoragePath folder, string name,
        MultipartSection section, bool replace, CancellationToken cancellationToken)
    {
        if (folder.Append(name) is not StoragePath path)
        {
            await DrainAsync(section, cancellationToken);
            return WriteOutcome.Failed(StatusCodes.Status400BadRequest, $"“{name}”: {FilesPages.NameProblem(name)}");
        }

        if (FilesPages.ReservedProblem(path, receivedFolder) is { } reserved)
        {
            await DrainAsync(section, cancellationToken);
            return WriteOutcome.Failed(StatusCodes.Status403Forbidden, reserved);
        }

        var existing = await files.FindAsync(user.Id, path, cancellationToken);
        if (existing is { IsFolder: true })
        {
            await DrainAsync(section, cancellationToken);
            return WriteOutcome.Failed(StatusCodes.Status409Conflict, $"“{name}”: a folder of that name exists here.");
        }

        if (existing is not null && !replace)
        {
            await DrainAsync(section, cancellationToken);
            return WriteOutcome.Failed(StatusCodes.Status409Conflict, $"“{name}” already exists here; choose to replace it.");
        }

        // The same checks as a PUT from a WebDAV client that holds no lock token.
        var scope = new LockScope(path, IncludeBelow: false, MembershipChange: existing is null);
        if (await FilesPages.LockedAsync(preconditions, user.Id, existing, [scope], cancellationToken) is { } locked)
        {
            await DrainAsync(section, cancellationToken);
            return WriteOutcome.Failed(StatusCodes.Status423Locked, locked);
        }

        var result = await files.WriteAsync(
            new FileWrite(
                user.Id,
                path,
                user.QuotaBytes,
                webDav.MaxUploadBytes,
                DeclaredLength: null,
                ContentType: section.ContentType,
                ExpectedETag: existing?.ETag,
                MustNotExist: existing is null,
                ReplacedSize: existing?.Size),
            PipeReader.Create(section.Body),
            cancellationToken);
        return result.Status switch
        {
            WriteStatus.Created or WriteStatus.Replaced => new WriteOutcome(new UploadedFile(name, result.Node!.Size, result.Status == WriteStatus.Replaced), 201, null),
            WriteStatus.QuotaExceeded => WriteOutcome.Failed(StatusCodes.Status507InsufficientStorage, $"“{name}” does not fit in your storage quota."),
            WriteStatus.TooLarge => WriteOutcome.Failed(StatusCodes.Status413PayloadTooLarge, $"“{name}” is larger than this server accepts ({UiFormat.Bytes(webDav.MaxUploadBytes)})."),
            WriteStatus.PreconditionFailed => WriteOutcome.Failed(StatusCodes.Status409Conflict, $"“{name}” was changed or created meanwhile; try again."),
            WriteStatus.ParentMissing => WriteOutcome.Failed(StatusCodes.Status409Conflict, $"The folder {UiUrls.Display(folder)} no longer exists."),
            _ => WriteOutcome.Failed(StatusCodes.Status400BadRequest, $"“{name}” could not be stored ({result.Status})."),
        };
    }

    /// <summary>A refused file's content is skipped without storing it, so the next file can be read.</summary>
    private static async Task DrainAsync(MultipartSection section, CancellationToken cancellationToken) =>
        await section.Body.CopyToAsync(Stream.Null, cancellationToken);

    private static string? MultipartBoundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).ToString();
        return boundary.Length is > 0 and <= 200 ? boundary : null;
    }

    private static string? FieldName(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFormDisposition()
            ? HeaderUtilities.RemoveQuotes(disposition.Name).ToString()
            : null;

    /// <summary>A small form field's value (at most 4 KiB; longer is not one of ours).</summary>
    private static async Task<string> ReadFieldAsync(MultipartSection section, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var total = 0;
        int read;
        while ((read = await section.Body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
            if (total == buffer.Length)
            {
                await DrainAsync(section, cancellationToken);
                return "";
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>Browsers send the base name; old ones sent a whole client path (<c>C:\x\y.txt</c>).</summary>
    private static string BaseName(string fileName) => fileName[(fileName.LastIndexOfAny(['/', '\\']) + 1)..].Trim();

    /// <summary>No valid anti-forgery token: refused like every other form (400), nothing stored.</summary>
    private static IResult Expired(UiRequest ui, bool script)
    {
        const string Text = "The upload form expired (or came from another site); reload the page and try again.";
        return script
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Form expired", detail: Text)
            : ui.Message(StatusCodes.Status400BadRequest, "Form expired", Text, UiSection.Files);
    }

    private static IResult Fail(UiRequest ui, bool script, int status, string message, string back) =>
        script
            ? TypedResults.Problem(statusCode: status, title: "Upload failed", detail: message)
            : ui.Redirect(back, FlashKind.Error, message);

    private sealed record WriteOutcome(UploadedFile? Uploaded, int Status, string? Message)
    {
        public static WriteOutcome Failed(int status, string message) => new(null, status, message);
    }

    private static partial class Log
    {
        [LoggerMessage(2630, LogLevel.Debug, "User {UserId} uploaded {Bytes} bytes through the web interface")]
        public static partial void Uploaded(ILogger logger, long userId, long bytes);
    }
}

internal sealed record UploadedFile(string Name, long Size, bool Replaced);

internal sealed record UploadResponse(IReadOnlyList<UploadedFile> Files);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UploadResponse))]
internal sealed partial class UiJsonContext : JsonSerializerContext;
