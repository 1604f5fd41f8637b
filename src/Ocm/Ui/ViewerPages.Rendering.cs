using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Ocm.Ui;

/// <summary>A file as the viewer shows it, whether one's own or in a received share: its name, kind and addresses.</summary>
internal sealed record ViewedFile(
    string Name, ViewKind Kind, Html Breadcrumbs, string ViewUrl, string DownloadUrl, string InlineUrl, string? EditUrl, string? DetailsUrl);

/// <summary>What the editor carries from opening to saving: the version it loaded and how the file writes line breaks.</summary>
internal sealed record EditorState(string ETag, bool CrLf, bool Bom);

/// <summary>The editor's form as submitted.</summary>
internal sealed record SaveForm(IFormCollection Fields, string Text, EditorState State);

/// <summary>The pages both kinds of file share: the viewer, the editor, and the form the editor submits.</summary>
internal static partial class ViewerPages
{
    private const string TooLongText = "The text is longer than the editor saves (2 MiB); your text was not saved.";

    private static string ChangedText(string name) =>
        $"“{name}” was changed by someone else since you opened it. Your text was not saved; it is below. "
        + "Open the current version in another tab to compare, or save yours to replace theirs.";

    internal static IResult ViewPage(UiRequest ui, ViewedFile file, LoadedText? text, UiSection section)
    {
        var edit = file.EditUrl is not null && text is { IsUtf8: true }
            ? Html.Of($" <a class=\"button\" href=\"{file.EditUrl}\" id=\"edit\">Edit</a>")
            : Html.Empty;
        var details = file.DetailsUrl is null ? Html.Empty : Html.Of($" <a class=\"button\" href=\"{file.DetailsUrl}\" id=\"details\">Details</a>");
        var content = file.Kind switch
        {
            ViewKind.Image => Html.Of($"<figure class=\"viewer-image\"><img id=\"viewer-image\" src=\"{file.InlineUrl}\" alt=\"{file.Name}\"></figure>"),
            ViewKind.Pdf => Html.Of($"""
                <iframe class="viewer-pdf" id="viewer-pdf" src="{file.InlineUrl}" title="{file.Name}"></iframe>
                <p class="muted">If the document does not show, your browser cannot display PDF here: <a href="{file.DownloadUrl}" download>download it</a>.</p>
                """),
            ViewKind.Text or ViewKind.Markdown when text is null =>
                Html.Of($"<p class=\"warning\" id=\"too-large\">“{file.Name}” is larger than this page shows (2 MiB). <a href=\"{file.DownloadUrl}\" download>Download it</a> to read it.</p>"),
            ViewKind.Markdown => Html.Of($"<article class=\"markdown\" id=\"viewer-markdown\">{ViewableFiles.RenderMarkdown(text!.Text)}</article>"),
            ViewKind.Text => Html.Of($"<pre class=\"viewer-text\" id=\"viewer-text\">{text!.Text}</pre>"),
            _ => Html.Of($"<p id=\"not-viewable\">“{file.Name}” cannot be shown in the browser. <a href=\"{file.DownloadUrl}\" download>Download it</a> instead.</p>"),
        };
        var notUtf8 = text is { IsUtf8: false }
            ? Html.Raw("<p class=\"muted\" id=\"not-utf8\">This file is not UTF-8 text; it is shown, but editing it here would change it.</p>")
            : Html.Empty;
        var body = Html.Of($"""
            {file.Breadcrumbs}
            <p class="actions-row viewer-actions"><a class="button" href="{file.DownloadUrl}" download id="download">Download</a>{edit}{details}</p>
            {notUtf8}
            {content}
            """);
        return ui.Page(file.Name, body, section, framesOwnFiles: file.Kind == ViewKind.Pdf);
    }

    internal static IResult EditorPage(
        UiRequest ui, ViewedFile file, string text, EditorState state, string saveUrl, Html hidden, UiSection section,
        int status = StatusCodes.Status200OK, string? problem = null)
    {
        var alert = problem is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"save-problem\">{problem}</p>");
        var current = status == StatusCodes.Status409Conflict
            ? Html.Of($" <a href=\"{file.ViewUrl}\" target=\"_blank\" rel=\"noopener\" id=\"current-version\">Current version</a>")
            : Html.Empty;

        // A newline right after <textarea> is dropped by the HTML parser: one is written so text starting with one keeps it.
        var body = Html.Of($"""
            {file.Breadcrumbs}
            {alert}
            <form method="post" action="{saveUrl}" enctype="multipart/form-data" class="editor" id="editor">
            <input type="hidden" name="{UiRequest.CsrfField}" value="{ui.CsrfToken}">
            {hidden}
            <input type="hidden" name="etag" value="{state.ETag}">
            <input type="hidden" name="crlf" value="{(state.CrLf ? "1" : "0")}">
            <input type="hidden" name="bom" value="{(state.Bom ? "1" : "0")}">
            <label for="content">Text of “{file.Name}”</label>
            <textarea id="content" name="content" rows="24" spellcheck="false">
            {text}</textarea>
            <p class="actions-row"><button type="submit" id="save">Save</button> <a href="{file.ViewUrl}" id="cancel">Cancel</a>{current}</p>
            </form>
            """);
        return ui.Page("Edit " + file.Name, body, section, status);
    }

    private static IResult NotEditable(UiRequest ui, ViewedFile file, UiSection section) =>
        ui.Page(
            "Cannot edit",
            Html.Of($"<h1>Cannot edit “{file.Name}”</h1><p id=\"not-editable\">Only UTF-8 text and Markdown files up to 2 MiB are edited in the browser.</p><p><a href=\"{file.ViewUrl}\">Back to the file</a></p>"),
            section,
            StatusCodes.Status415UnsupportedMediaType);

    /// <summary>
    /// Headers for an image or PDF shown inline. Images are sandboxed (an SVG opened on its own runs nothing) and never
    /// framed. A PDF may be framed by our own viewer page only, and is not sandboxed: Chromium refuses to start its PDF
    /// viewer in a sandboxed document. What keeps it from running as this site is its pinned type, <c>application/pdf</c>
    /// with <c>nosniff</c>: the bytes are shown as PDF or not at all, never as HTML.
    /// </summary>
    internal static void InlineHeaders(HttpResponse response, string name, ViewKind kind)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "private, no-cache";
        headers["Referrer-Policy"] = "same-origin";
        if (kind == ViewKind.Pdf)
        {
            headers.ContentSecurityPolicy = "frame-ancestors 'self'; form-action 'none'; base-uri 'none'";
            headers.XFrameOptions = "SAMEORIGIN";
        }
        else
        {
            headers.ContentSecurityPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
        }

        var disposition = new ContentDispositionHeaderValue("inline");
        disposition.SetHttpFileName(name);
        headers.ContentDisposition = disposition.ToString();
    }

    /// <summary>
    /// The editor's form, read with a limit fitting the largest text it saves (<see cref="CsrfFilter"/> caps forms
    /// lower), and its anti-forgery token checked; null when it is too large, malformed or without a valid token.
    /// </summary>
    private static async Task<SaveForm?> ReadSaveFormAsync(UiRequest ui, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var context = ui.Http;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = (3L * ViewableFiles.MaxTextBytes) + (64 * 1024);
        }

        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(
                new FormOptions { ValueLengthLimit = 3 * ViewableFiles.MaxTextBytes, MultipartBodyLengthLimit = (3L * ViewableFiles.MaxTextBytes) + (64 * 1024) },
                cancellationToken);
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or AntiforgeryValidationException)
        {
            return null;
        }

        // Browsers submit a textarea's line breaks as CRLF; the text is kept as the file writes them, also when it is shown again.
        var crLf = form["crlf"] == "1";
        var text = form["content"].ToString();
        return new SaveForm(form, crLf ? text : text.Replace("\r\n", "\n", StringComparison.Ordinal), new EditorState(form["etag"].ToString(), crLf, form["bom"] == "1"));
    }

    private static IResult SaveFormRefused(UiRequest ui) => ui.Message(
        StatusCodes.Status400BadRequest,
        "Form expired",
        "This form was opened before you signed in or out, in another session, or is larger than the editor saves. Nothing was saved. Go back, copy your text, reload the page and try again.");
}
