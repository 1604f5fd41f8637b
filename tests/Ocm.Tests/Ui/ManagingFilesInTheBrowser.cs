using Microsoft.Playwright;

namespace Ocm.Tests.Ui;

/// <summary>The file browser in Chromium: folders, rename, move, delete with confirmation, drag and drop, sorting, replacing.</summary>
public sealed class ManagingFilesInTheBrowser(BrowserFixture browser, UiServerFixture fixture) : IClassFixture<BrowserFixture>, IClassFixture<UiServerFixture>
{
    [Fact]
    public async Task CreateFolder_Rename_MoveIntoIt_DeleteAfterConfirming()
    {
        var page = await SignedInPageAsync();
        await page.FillAsync("#folder-name", "Archive");
        await page.ClickAsync("#create-folder");
        Assert.Contains("Archive", await page.FlashAsync(), StringComparison.Ordinal);
        await UploadAsync(page, ("draft.txt", "first draft"));

        await page.ClickAsync("a[aria-label='More actions for draft.txt']");
        await page.FillAsync("#new-name", "final.txt");
        await page.ClickAsync("#rename");
        Assert.Contains("Renamed to “final.txt”", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#listing tr[data-name='draft.txt']").CountAsync());

        await page.ClickAsync("a[aria-label='More actions for final.txt']");
        await page.FillAsync("#destination", "/Archive");
        await page.ClickAsync("#move");
        Assert.Contains("Moved to /Archive", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal("Archive", await page.InnerTextAsync("#folder-title"));
        Assert.Equal(["Files", "Archive"], await page.Locator("nav.breadcrumbs li").AllInnerTextsAsync());
        Assert.Equal("page", await page.GetAttributeAsync("nav.breadcrumbs li:last-child span", "aria-current"));
        Assert.Equal(1, await page.Locator("#listing tr[data-name='final.txt']").CountAsync());

        await page.ClickAsync("a[aria-label='More actions for final.txt']");
        await page.ClickAsync("#delete");
        Assert.Contains("deletes the file final.txt", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("#confirm-delete");
        Assert.Contains("“final.txt” deleted.", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#empty").IsVisibleAsync());

        await page.ClickAsync("nav.breadcrumbs >> text=Files");
        await page.ClickAsync("a[aria-label='More actions for Archive']");
        await page.FillAsync("#destination", "/Archive");
        await page.ClickAsync("#move");
        Assert.Contains("cannot be moved into itself", await page.FlashAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DroppingFilesOnTheList_UploadsThem()
    {
        var page = await SignedInPageAsync();
        var dataTransfer = await page.EvaluateHandleAsync("""
            () => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(['dropped content'], 'dropped.txt', { type: 'text/plain' }));
              transfer.items.add(new File(['second'], 'second.txt', { type: 'text/plain' }));
              return transfer;
            }
            """);

        await page.DispatchEventAsync("#listing", "dragover", new { dataTransfer });
        Assert.Contains("dragover", await page.GetAttributeAsync("#listing", "class") ?? "", StringComparison.Ordinal);
        await page.DispatchEventAsync("#listing", "drop", new { dataTransfer });

        await page.Locator("#uploads li[data-name='dropped.txt'].done").WaitForAsync();
        await page.Locator("#uploads li[data-name='second.txt'].done").WaitForAsync();
        await page.Locator("#listing tr[data-name='dropped.txt']").WaitForAsync();
        var download = await page.APIRequest.GetAsync("ui/download/dropped.txt");
        Assert.Equal("dropped content", await download.TextAsync());
    }

    [Fact]
    public async Task SortingBySize_FoldersFirst_ThenLargestFirst()
    {
        var page = await SignedInPageAsync();
        await page.FillAsync("#folder-name", "Zeta folder");
        await page.ClickAsync("#create-folder");
        await UploadAsync(page, ("a-small.txt", "1"), ("b-large.txt", new string('x', 5000)), ("c-medium.txt", new string('y', 500)));

        await page.ClickAsync("#sort-size");
        Assert.Equal(["Zeta folder", "a-small.txt", "c-medium.txt", "b-large.txt"], await NamesAsync(page));
        Assert.Equal("ascending", await page.GetAttributeAsync("th.size", "aria-sort"));

        await page.ClickAsync("#sort-size");
        Assert.Equal(["Zeta folder", "b-large.txt", "c-medium.txt", "a-small.txt"], await NamesAsync(page));
        Assert.Equal("descending", await page.GetAttributeAsync("th.size", "aria-sort"));
    }

    [Fact]
    public async Task UploadingAnExistingName_AsksBeforeReplacing()
    {
        var page = await SignedInPageAsync();
        await UploadAsync(page, ("same.txt", "old"));
        var questions = new List<string>();
        var answer = false;
        page.Dialog += async (_, dialog) =>
        {
            questions.Add(dialog.Message);
            if (answer)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };

        await page.SetInputFilesAsync("#files", new FilePayload { Name = "same.txt", MimeType = "text/plain", Buffer = "new"u8.ToArray() });
        Assert.Equal(1, await page.Locator("#uploads li[data-name='same.txt']").CountAsync());
        Assert.Equal("old", await (await page.APIRequest.GetAsync("ui/download/same.txt")).TextAsync());

        answer = true;
        await page.SetInputFilesAsync("#files", new FilePayload { Name = "same.txt", MimeType = "text/plain", Buffer = "new"u8.ToArray() });
        await page.Locator("#uploads li[data-name='same.txt'].done").Nth(1).WaitForAsync();
        Assert.Equal("new", await (await page.APIRequest.GetAsync("ui/download/same.txt")).TextAsync());
        Assert.All(questions, q => Assert.Contains("“same.txt” already exists here. Replace it?", q, StringComparison.Ordinal));
        Assert.Equal(2, questions.Count);
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var user = await fixture.NewUserAsync();
        var page = await browser.NewPageAsync(fixture.Server);
        await page.SignInAsync(user);
        return page;
    }

    private static async Task UploadAsync(IPage page, params (string Name, string Content)[] files)
    {
        await page.SetInputFilesAsync("#files", files.Select(f => new FilePayload
        {
            Name = f.Name,
            MimeType = "text/plain",
            Buffer = System.Text.Encoding.UTF8.GetBytes(f.Content),
        }));
        foreach (var (name, _) in files)
        {
            await page.Locator($"#uploads li[data-name='{name}'].done").WaitForAsync();
            await page.Locator($"#listing tr[data-name='{name}']").WaitForAsync();
        }
    }

    private static async Task<string[]> NamesAsync(IPage page) =>
        [.. await page.Locator("#listing tr[data-name]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.name)")];
}
