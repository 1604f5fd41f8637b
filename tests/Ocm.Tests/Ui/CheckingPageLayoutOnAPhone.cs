namespace Ocm.Tests.Ui;

/// <summary>
/// The layout check every screenshot runs (<see cref="Screenshots.LayoutProblemsAsync"/>) finds what a reader on a
/// 390 px phone would call broken, and nothing else — shown on small pages of known faults, in Chromium.
/// </summary>
public sealed class CheckingPageLayoutOnAPhone(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData("<p style=\"width: 600px\">A paragraph wider than the phone</p>", "sticks out of the screen")]
    [InlineData("<nav style=\"overflow-x: auto\"><ul style=\"display: flex; margin: 0\"><li>Files</li><li>Shared&nbsp;with&nbsp;me</li><li>Contacts</li><li>Account</li><li>Administration</li><li>Somewhere&nbsp;else</li></ul></nav>", "cuts its content")]
    [InlineData("<div style=\"display: flex\"><span style=\"overflow-wrap: anywhere\">Download</span><span style=\"flex: none; width: 360px\">x</span></div>", "the word \"Download\" is broken")]
    [InlineData("<p style=\"word-break: break-all\">Shared with me: everything accepted</p><p style=\"width: 120px; word-break: break-all\">accepted everything</p>", "the word \"everything\" is broken")]
    [InlineData("<p>alicehasaverylongaddresswithoutanyspacesorhyphens@cloud.example.org</p>", "cuts its content")]
    public async Task AFaultyPage_IsNamedWithItsFault(string body, string fault)
    {
        var problems = await ProblemsAsync(body);

        Assert.Contains(problems, p => p.Contains(fault, StringComparison.Ordinal));
    }

    [Fact]
    public async Task APageThatFits_HasNoProblems()
    {
        // A long token may break where it must (break-word); an ellipsis on purpose and visually hidden text are fine.
        var problems = await ProblemsAsync("""
            <p style="overflow-wrap: break-word">Shared by alicehasaverylongaddresswithoutanyspacesorhyphens@cloud.example.org today</p>
            <p style="width: 100px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap">A display name too long to show</p>
            <span style="position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0)">Contents of the folder</span>
            <ul style="display: flex; flex-wrap: wrap; gap: 8px; padding: 0; list-style: none"><li>Files</li><li>Shared with me</li><li>Contacts</li><li>Account</li><li>Administration</li></ul>
            """);

        Assert.Empty(problems);
    }

    private async Task<string[]> ProblemsAsync(string body)
    {
        var page = await browser.Browser.NewPageAsync(new() { ViewportSize = new() { Width = Screenshots.PhoneWidth, Height = Screenshots.PhoneHeight } });
        await page.SetContentAsync($"<!DOCTYPE html><html><head><meta name=\"viewport\" content=\"width=device-width\"></head><body style=\"margin: 8px; font: 16px sans-serif\">{body}</body></html>");
        var problems = await Screenshots.LayoutProblemsAsync(page);
        await page.CloseAsync();
        return problems;
    }
}
