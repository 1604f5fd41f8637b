using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Ocm.Tests.Ui;

/// <summary>The editor page as a browser without script uses it: read its hidden fields, submit the text as multipart.</summary>
internal static partial class ViewerForms
{
    /// <summary>The editor page at <paramref name="url"/> and the fields its form carries.</summary>
    public static async Task<EditorForm> OpenEditorAsync(UiHttpSession session, string url)
    {
        using var response = await session.Client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return EditorForm.From(html);
    }

    /// <summary>Posts the editor's form as the browser does: multipart, line breaks as CRLF (HTML's textarea wrapping).</summary>
    public static async Task<HttpResponseMessage> SaveAsync(UiHttpSession session, EditorForm form, string text, string? etag = null)
    {
        var content = new MultipartFormDataContent();
        void Field(string name, string value)
        {
            var part = new StringContent(value);
            part.Headers.ContentType = null;
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{name}\"" };
            content.Add(part);
        }

        Field("_csrf", form.Csrf);
        Field("path", form.Path);
        Field("etag", etag ?? form.ETag);
        Field("crlf", form.CrLf);
        Field("bom", form.Bom);
        Field("content", text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        using (content)
        {
            return await session.Client.PostAsync(form.Action, content);
        }
    }

    internal sealed record EditorForm(string Html, string Action, string Csrf, string Path, string ETag, string CrLf, string Bom, string Text)
    {
        public static EditorForm From(string html) => new(
            html,
            Value(html, ActionPattern()),
            Hidden(html, "_csrf"),
            Hidden(html, "path"),
            Hidden(html, "etag"),
            Hidden(html, "crlf"),
            Hidden(html, "bom"),
            Value(html, TextareaPattern()));

        private static string Hidden(string html, string name)
        {
            var match = Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\"");
            Assert.True(match.Success, $"no field {name} in the editor");
            return WebUtility.HtmlDecode(match.Groups[1].Value);
        }

        private static string Value(string html, Regex pattern)
        {
            var match = pattern.Match(html);
            Assert.True(match.Success, $"the editor has no {pattern}");
            return WebUtility.HtmlDecode(match.Groups[1].Value);
        }
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\" enctype=\"multipart/form-data\" class=\"editor\"")]
    private static partial Regex ActionPattern();

    [GeneratedRegex("<textarea id=\"content\" name=\"content\"[^>]*>\n?(.*?)</textarea>", RegexOptions.Singleline)]
    private static partial Regex TextareaPattern();
}
