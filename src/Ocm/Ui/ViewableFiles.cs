using System.Text;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Ocm.Ui;

/// <summary>How the browser viewer shows a file; <see cref="None"/>: it does not, the file is only downloaded.</summary>
internal enum ViewKind
{
    None,
    Text,
    Markdown,
    Image,
    Pdf,
}

/// <summary>
/// What the viewer can open and how: decided by the file's name first (the stored or announced content type only
/// widens text), and for images and PDF the content type the bytes are served with is pinned here, never taken from
/// the file — so an HTML page named <c>x.png</c> or announced as <c>image/png</c> is still never rendered as HTML.
/// </summary>
internal static class ViewableFiles
{
    /// <summary>Text larger than this is not shown or edited in the page (it is downloaded instead).</summary>
    public const int MaxTextBytes = 2 * 1024 * 1024;

    private static readonly Dictionary<string, string> ImageTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".svg"] = "image/svg+xml",
    };

    private static readonly HashSet<string> MarkdownExtensions = new(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown", ".mdown", ".mkd" };

    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".txt", ".text", ".log", ".csv", ".tsv", ".json", ".xml", ".yaml", ".yml", ".toml", ".ini", ".conf", ".cfg", ".env",
        ".properties", ".html", ".htm", ".css", ".js", ".mjs", ".ts", ".cs", ".csproj", ".fs", ".vb", ".java", ".kt", ".c",
        ".h", ".cpp", ".hpp", ".go", ".rs", ".py", ".rb", ".php", ".pl", ".sh", ".bash", ".ps1", ".sql", ".r", ".swift",
        ".tex", ".bib", ".rst", ".adoc", ".diff", ".patch", ".srt", ".vtt",
    };

    public static ViewKind KindOf(string name, string? contentType)
    {
        var extension = Path.GetExtension(name);
        if (MarkdownExtensions.Contains(extension))
        {
            return ViewKind.Markdown;
        }

        if (ImageTypes.ContainsKey(extension))
        {
            return ViewKind.Image;
        }

        if (extension.Equals(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            return ViewKind.Pdf;
        }

        if (TextExtensions.Contains(extension))
        {
            return ViewKind.Text;
        }

        var type = contentType?.Split(';')[0].Trim() ?? "";
        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || type is "application/json" or "application/xml" or "application/x-yaml" or "application/yaml"
            ? ViewKind.Text
            : ViewKind.None;
    }

    public static bool IsEditable(ViewKind kind) => kind is ViewKind.Text or ViewKind.Markdown;

    /// <summary>The media type a file is announced with to a web app receiver (<c>protocol.webapp.mediaTypes</c>, a hint), by its name.</summary>
    public static string MediaTypeOf(string name) => KindOf(name, null) switch
    {
        ViewKind.Markdown => "text/markdown",
        ViewKind.Image or ViewKind.Pdf => InlineContentType(name, KindOf(name, null)),
        ViewKind.Text => "text/plain",
        _ => "application/octet-stream",
    };

    /// <summary>The content type an image or PDF is served with in the viewer (chosen by its name).</summary>
    public static string InlineContentType(string name, ViewKind kind) => kind switch
    {
        ViewKind.Image => ImageTypes[Path.GetExtension(name)],
        ViewKind.Pdf => "application/pdf",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only images and PDF are served inline."),
    };

    /// <summary>
    /// Reads at most <see cref="MaxTextBytes"/> of <paramref name="content"/> as text; null when it is larger. Text that
    /// is not valid UTF-8 is shown with replacement characters but not offered for editing (saving would change it).
    /// </summary>
    public static async Task<LoadedText?> ReadTextAsync(Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxTextBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        if (total > MaxTextBytes)
        {
            return null;
        }

        var bytes = buffer.AsSpan(0, total);
        var bom = bytes.StartsWith(Encoding.UTF8.Preamble);
        if (bom)
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            var text = strict.GetString(bytes);
            return new LoadedText(text, IsUtf8: true, bom, UsesCrLf: text.Contains("\r\n", StringComparison.Ordinal));
        }
        catch (DecoderFallbackException)
        {
            return new LoadedText(Encoding.UTF8.GetString(bytes), IsUtf8: false, bom, UsesCrLf: false);
        }
    }

    /// <summary>
    /// The bytes to store for text submitted from the editor. Browsers submit a textarea's line breaks as CRLF (HTML,
    /// "textarea wrapping transformation"), so a file that used LF keeps LF; a byte order mark the file had is kept.
    /// </summary>
    public static byte[] ToBytes(string submitted, bool crLf, bool bom)
    {
        var text = crLf ? submitted : submitted.Replace("\r\n", "\n", StringComparison.Ordinal);
        var encoded = Encoding.UTF8.GetBytes(text);
        return bom ? [.. Encoding.UTF8.Preamble, .. encoded] : encoded;
    }

    /// <summary>
    /// Markdown (CommonMark with tables) as HTML that cannot run anything: raw HTML in the file is shown as text, and
    /// a link or image whose URL has a scheme other than http, https or mailto (<c>javascript:</c>, <c>data:</c>,
    /// <c>vbscript:</c> …) loses its URL. The page's Content-Security-Policy forbids inline script besides.
    /// </summary>
    public static Html RenderMarkdown(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "";
            }
        }

        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!link.IsEmail && !IsSafeUrl(link.Url))
            {
                link.Url = "";
            }
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();

        // Markdig encodes all text and attribute values; with HTML disabled and URLs checked above nothing is markup
        // that the file's author chose.
        return Html.Raw(writer.ToString());
    }

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().DisableHtml().Build();

    /// <summary>A relative URL, or an absolute one with a scheme that only navigates.</summary>
    internal static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        // Browsers ignore leading spaces and control characters, and tabs and newlines anywhere, in a URL's scheme.
        var cleaned = new string([.. url.Where(c => c > ' ')]);
        var colon = cleaned.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || cleaned.IndexOfAny(['/', '?', '#']) is var end && end >= 0 && end < colon)
        {
            return true;
        }

        var scheme = cleaned[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto";
    }
}

/// <summary>A text file read for the viewer: its text and how to write it back unchanged where the user did not edit.</summary>
internal sealed record LoadedText(string Text, bool IsUtf8, bool HasBom, bool UsesCrLf);
