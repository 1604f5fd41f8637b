using System.Net;
using System.Net.Http.Headers;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The browser viewer and editor on one's own files, over plain HTTP: Markdown is rendered without anything a file's
/// author could make run; images and PDF are served inline with a pinned type and the right sandbox; a save writes the
/// bytes WebDAV then reads, keeps LF line breaks, and refuses — keeping the user's text on the page — when the file
/// changed meanwhile or a WebDAV client holds a lock on it.
/// </summary>
public sealed class ViewingAndEditingFilesOverHttp(UiServerFixture fixture) : IClassFixture<UiServerFixture>
{
    [Fact]
    public async Task MarkdownWithScript_IsRendered_WithoutAnythingThatRuns()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "notes.md", """
            # Meeting notes

            Some **bold** text and a [safe link](https://example.org/page).

            <script>alert(document.cookie)</script>

            <img src=x onerror="alert(1)">

            [click me](javascript:alert(1)) and [tricky](jav&#x61;script:alert(2)) and ![pic](data:text/html;base64,PHNjcmlwdD4=)

            <a href="javascript:alert(3)">raw link</a>
            """);
        using var session = await UiHttpSession.SignInAsync(user);

        Assert.Contains("href=\"/ui/view/notes.md\" aria-label=\"Open notes.md\"", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
        using var response = await session.Client.GetAsync("ui/view/notes.md");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var article = html[html.IndexOf("<article class=\"markdown\"", StringComparison.Ordinal)..html.IndexOf("</article>", StringComparison.Ordinal)];
        Assert.Contains("<h1>Meeting notes</h1>", article, StringComparison.Ordinal);
        Assert.Contains("<strong>bold</strong>", article, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.org/page\">safe link</a>", article, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", article, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", article, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onerror=\"", article, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<img src=\"\" alt=\"pic\" />", article, StringComparison.Ordinal);
        Assert.DoesNotContain("=\"jav", article, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("=\"data:", article, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<a href=\"\">click me</a>", article, StringComparison.Ordinal);
        Assert.Contains("<a href=\"\">tricky</a>", article, StringComparison.Ordinal);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("id=\"edit\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainText_IsShownEncoded_AndTooLargeText_OnlyDownloads()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "page.html", "<b>not bold</b>");
        await api.PutFileAsync(user.Name, "big.log", new string('x', (2 * 1024 * 1024) + 1));
        using var session = await UiHttpSession.SignInAsync(user);

        var page = await session.GetPageAsync("ui/view/page.html");
        Assert.Contains("<pre class=\"viewer-text\" id=\"viewer-text\">&lt;b&gt;not bold&lt;/b&gt;</pre>", page, StringComparison.Ordinal);

        var big = await session.GetPageAsync("ui/view/big.log");
        Assert.Contains("id=\"too-large\"", big, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit\"", big, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxx", big, StringComparison.Ordinal);
        using var edit = await session.Client.GetAsync("ui/edit/big.log");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, edit.StatusCode);
    }

    [Fact]
    public async Task ImagesAndPdf_AreServedInline_WithAPinnedTypeAndSandbox()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        await PutBytesAsync(api, user, "photo.png", png, "image/png");
        await PutBytesAsync(api, user, "paper.pdf", "%PDF-1.4\n%%EOF\n"u8.ToArray(), "application/pdf");
        await PutBytesAsync(api, user, "trap.png", "<script>alert(1)</script>"u8.ToArray(), "text/html");
        using var session = await UiHttpSession.SignInAsync(user);

        using (var image = await session.Client.GetAsync("ui/inline/photo.png"))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
            Assert.Equal("inline", image.Content.Headers.ContentDisposition!.DispositionType);
            Assert.StartsWith("sandbox", image.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal(png, await image.Content.ReadAsByteArrayAsync());
        }

        // Whatever type it was stored with, a .png is served as an image, never as HTML.
        using (var trap = await session.Client.GetAsync("ui/inline/trap.png"))
        {
            Assert.Equal("image/png", trap.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("sandbox", trap.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        using (var pdf = await session.Client.GetAsync("ui/inline/paper.pdf"))
        {
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
            Assert.Equal("inline", pdf.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("SAMEORIGIN", pdf.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'self'", pdf.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", pdf.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var imagePage = await session.GetPageAsync("ui/view/photo.png");
        Assert.Contains("<img id=\"viewer-image\" src=\"/ui/inline/photo.png\" alt=\"photo.png\">", imagePage, StringComparison.Ordinal);
        using var pdfPage = await session.Client.GetAsync("ui/view/paper.pdf");
        Assert.Contains("<iframe class=\"viewer-pdf\" id=\"viewer-pdf\" src=\"/ui/inline/paper.pdf\"", await pdfPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("frame-src 'self'", pdfPage.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("frame-src", (await session.Client.GetAsync("ui/view/photo.png")).Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // Neither is offered for editing, and a text file is not served inline.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await session.Client.GetAsync("ui/edit/photo.png")).StatusCode);
        await api.PutFileAsync(user.Name, "a.txt", "text");
        Assert.Equal(HttpStatusCode.NotFound, (await session.Client.GetAsync("ui/inline/a.txt")).StatusCode);
    }

    [Fact]
    public async Task Save_WritesTheBytesWebDavReads_KeepingLineBreaks()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "todo.md", "\n- one\n- two\n");
        using var session = await UiHttpSession.SignInAsync(user);

        var form = await ViewerForms.OpenEditorAsync(session, "ui/edit/todo.md");
        Assert.Equal("\n- one\n- two\n", form.Text);
        Assert.Equal("/todo.md", form.Path);
        using var saved = await ViewerForms.SaveAsync(session, form, "\n- one\n- two\n- three ✓\n");

        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal("/ui/view/todo.md", saved.Headers.Location!.OriginalString);
        Assert.Equal("\n- one\n- two\n- three ✓\n", await api.GetStringAsync($"dav/files/{user.Name}/todo.md"));
        Assert.Contains("Saved “todo.md”.", await session.GetPageAsync("ui/view/todo.md"), StringComparison.Ordinal);

        // A file written with CRLF keeps CRLF.
        await api.PutFileAsync(user.Name, "dos.txt", "a\r\nb\r\n");
        var dos = await ViewerForms.OpenEditorAsync(session, "ui/edit/dos.txt");
        using (await ViewerForms.SaveAsync(session, dos, "a\nb\nc\n"))
        {
            Assert.Equal("a\r\nb\r\nc\r\n", await api.GetStringAsync($"dav/files/{user.Name}/dos.txt"));
        }
    }

    [Fact]
    public async Task ChangedMeanwhile_IsAConflict_AndNeitherTextIsLost()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "plan.txt", "original");
        using var session = await UiHttpSession.SignInAsync(user);
        var form = await ViewerForms.OpenEditorAsync(session, "ui/edit/plan.txt");

        await api.PutFileAsync(user.Name, "plan.txt", "their change");
        using var conflict = await ViewerForms.SaveAsync(session, form, "my change");
        var html = await conflict.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("was changed by someone else since you opened it", html, StringComparison.Ordinal);
        Assert.Equal("their change", await api.GetStringAsync($"dav/files/{user.Name}/plan.txt"));
        var again = ViewerForms.EditorForm.From(html);
        Assert.Equal("my change", again.Text);
        Assert.NotEqual(form.ETag, again.ETag);

        // Saving from the conflict page replaces theirs knowingly.
        using var replaced = await ViewerForms.SaveAsync(session, again, again.Text);
        Assert.Equal(HttpStatusCode.SeeOther, replaced.StatusCode);
        Assert.Equal("my change", await api.GetStringAsync($"dav/files/{user.Name}/plan.txt"));
    }

    [Fact]
    public async Task FileLockedOverWebDav_RefusesTheSave_WithTheTextKept()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "locked.txt", "v1");
        using var session = await UiHttpSession.SignInAsync(user);
        var form = await ViewerForms.OpenEditorAsync(session, "ui/edit/locked.txt");
        using (var request = new HttpRequestMessage(new HttpMethod("LOCK"), $"dav/files/{user.Name}/locked.txt"))
        {
            request.Content = new StringContent(
                """<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>""",
                System.Text.Encoding.UTF8,
                "application/xml");
            using var locked = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        }

        using var refused = await ViewerForms.SaveAsync(session, form, "v2");
        var html = await refused.Content.ReadAsStringAsync();

        Assert.Equal((HttpStatusCode)423, refused.StatusCode);
        Assert.Contains("is locked by a WebDAV client", html, StringComparison.Ordinal);
        Assert.Equal("v2", ViewerForms.EditorForm.From(html).Text);
        Assert.Equal("v1", await api.GetStringAsync($"dav/files/{user.Name}/locked.txt"));
    }

    [Fact]
    public async Task SaveWithoutTheFormToken_IsRefused()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "keep.txt", "kept");
        using var session = await UiHttpSession.SignInAsync(user);
        var form = await ViewerForms.OpenEditorAsync(session, "ui/edit/keep.txt");

        using var forged = await ViewerForms.SaveAsync(session, form with { Csrf = "forged" }, "overwritten");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("kept", await api.GetStringAsync($"dav/files/{user.Name}/keep.txt"));
    }

    private static async Task PutBytesAsync(HttpClient api, UiUser user, string path, byte[] bytes, string contentType)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await api.PutAsync($"dav/files/{user.Name}/{path}", content);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode}");
    }
}
