using Microsoft.Playwright;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The viewer and editor in Chromium, by keyboard only: from the file list, Open a Markdown file and see it rendered
/// (the script in it neither shown as markup nor run, no Content-Security-Policy violation on the page), Edit it, type,
/// Save, and WebDAV reads what was typed. An image and a PDF are shown in the page. The viewer and the editor fit a
/// phone (screenshots taken).
/// </summary>
public sealed class OpeningAndEditingFilesInTheBrowser(BrowserFixture browser, UiServerFixture fixture) : IClassFixture<BrowserFixture>, IClassFixture<UiServerFixture>
{
    [Fact]
    public async Task OpenMarkdown_EditByKeyboard_SaveAndReadBackOverWebDav()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "readme.md", """
            # Project readme

            Welcome to the **project**. See [the site](https://example.org).

            | Step | Who |
            | ---- | --- |
            | Plan | Alice |

            <script>window.injected = true</script>
            [click](javascript:window.injected=true)
            """);
        var page = await browser.NewPageAsync(fixture.Server);
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        await page.SignInAsync(user);
        var shots = Screenshots.Create();

        // Keyboard only: focus the Open link of the file and press Enter.
        await page.FocusAsync("a[aria-label='Open readme.md']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForPageAsync(url => url.EndsWith("/ui/view/readme.md", StringComparison.Ordinal));
        Assert.Equal("Project readme", await page.InnerTextAsync("#viewer-markdown h1"));
        Assert.Equal("project", await page.InnerTextAsync("#viewer-markdown strong"));
        Assert.Equal("Alice", await page.InnerTextAsync("#viewer-markdown table td:last-child"));
        Assert.Contains("<script>window.injected = true</script>", await page.InnerTextAsync("#viewer-markdown"), StringComparison.Ordinal);
        await page.ClickAsync("#viewer-markdown >> text=click");
        Assert.False(await page.EvaluateAsync<bool>("() => window.injected === true"));
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.Ordinal));
        await shots.CaptureAsync(page, "viewer-markdown");

        await page.FocusAsync("#edit");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForPageAsync(url => url.EndsWith("/ui/edit/readme.md", StringComparison.Ordinal));
        await shots.CaptureAsync(page, "editor");
        await page.FocusAsync("#content");
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("\nAdded by keyboard.");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("save", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Enter");

        Assert.Equal("Saved “readme.md”.", await page.FlashAsync());
        Assert.Contains("Added by keyboard.", await page.InnerTextAsync("#viewer-markdown"), StringComparison.Ordinal);
        var stored = await api.GetStringAsync($"dav/files/{user.Name}/readme.md");
        Assert.EndsWith("[click](javascript:window.injected=true)\nAdded by keyboard.", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageAndPdf_AreShownInThePage()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        using (var svg = new StringContent("""<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="120" height="80" fill="teal"/><script>parent.injected = true</script></svg>"""))
        {
            svg.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/svg+xml");
            Assert.True((await api.PutAsync($"dav/files/{user.Name}/chart.svg", svg)).IsSuccessStatusCode);
        }

        await api.PutFileAsync(user.Name, "paper.pdf", "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
        var page = await browser.NewPageAsync(fixture.Server);
        await page.SignInAsync(user);

        await page.GotoAsync("ui/view/chart.svg");
        await page.WaitForFunctionAsync("() => document.getElementById('viewer-image').complete");
        Assert.Equal(120, await page.EvaluateAsync<int>("() => document.getElementById('viewer-image').naturalWidth"));
        Assert.False(await page.EvaluateAsync<bool>("() => window.injected === true"));

        await page.GotoAsync("ui/view/paper.pdf");
        var frame = page.Locator("#viewer-pdf");
        Assert.Equal("/ui/inline/paper.pdf", await frame.GetAttributeAsync("src"));
        var response = await page.APIRequest.GetAsync("ui/inline/paper.pdf");
        Assert.Equal("application/pdf", response.Headers["content-type"]);
        Assert.StartsWith("inline", response.Headers["content-disposition"], StringComparison.Ordinal);
    }
}
