using Microsoft.Playwright;

namespace Ocm.Tests.Ui;

/// <summary>
/// Screenshots of every page at desktop (1280×800) and phone (390×844) size, taken while a browser test walks
/// through a real scenario. Each capture also asserts that the page fits at both sizes
/// (<see cref="LayoutProblemsAsync"/>). They are written to <c>docs/screenshots/</c> when
/// <c>OCM_UPDATE_SCREENSHOTS=1</c> (then committed), otherwise to a temporary folder, so ordinary test runs do not
/// touch the checkout.
/// </summary>
internal sealed class Screenshots
{
    public const int DesktopWidth = 1280;
    public const int DesktopHeight = 800;
    public const int PhoneWidth = 390;
    public const int PhoneHeight = 844;

    private Screenshots(string directory) => Directory = directory;

    public string Directory { get; }

    public List<string> Taken { get; } = [];

    public static Screenshots Create()
    {
        var update = Environment.GetEnvironmentVariable("OCM_UPDATE_SCREENSHOTS") == "1";
        var directory = update
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "ocm-screenshots-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        return new Screenshots(directory);
    }

    /// <summary>
    /// Takes <c>{name}-desktop.png</c> and <c>{name}-phone.png</c> of the current page, then restores the desktop size.
    /// At both sizes the page must fit: see <see cref="LayoutProblemsAsync"/>.
    /// </summary>
    public async Task CaptureAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(PhoneWidth, PhoneHeight);
        await page.WaitForLoadedAsync();
        var problems = await LayoutProblemsAsync(page);
        Assert.True(problems.Length == 0, $"{name} on a {PhoneWidth} px wide phone:\n{string.Join("\n", problems)}");
        await SaveAsync(page, name + "-phone.png");

        await page.SetViewportSizeAsync(DesktopWidth, DesktopHeight);
        await page.WaitForLoadedAsync();
        problems = await LayoutProblemsAsync(page);
        Assert.True(problems.Length == 0, $"{name} on a {DesktopWidth} px wide screen:\n{string.Join("\n", problems)}");
        await SaveAsync(page, name + "-desktop.png");
    }

    /// <summary>
    /// What a reader of the page at its current size would find broken, in words: the page scrolls sideways; an
    /// element sticks out of the screen or cuts its content (a box narrower than what it holds, scrolling boxes
    /// included; an ellipsis on purpose is allowed); an ordinary word (letters only, up to 24) is broken across two
    /// lines. Long tokens — addresses, file names, hashes — may break, but only where they would not fit.
    /// </summary>
    public static async Task<string[]> LayoutProblemsAsync(IPage page) => await page.EvaluateAsync<string[]>("""
        () => {
          const problems = [];
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth > width) {
            problems.push(`the page is ${document.documentElement.scrollWidth} px wide, the screen ${width} px`);
          }
          const unseen = element => {
            for (let e = element; e && e !== document.documentElement; e = e.parentElement) {
              const style = getComputedStyle(e);
              if (style.display === 'none' || style.visibility === 'hidden' || style.clip !== 'auto' || style.clipPath !== 'none' || e.classList.contains('skip')) {
                return true;
              }
            }
            return false;
          };
          const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
          const text = e => (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
          const skipped = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'OPTION', 'DATALIST', 'SCRIPT', 'STYLE', 'METER', 'PROGRESS', 'BR', 'HTML', 'BODY']);
          for (const e of document.body.querySelectorAll('*')) {
            if (skipped.has(e.tagName) || unseen(e)) continue;
            const box = e.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            if (box.right > width + 1 || box.left < -1) {
              problems.push(`${name(e)} sticks out of the screen (${Math.round(box.left)} to ${Math.round(box.right)} px): "${text(e)}"`);
            }
            const style = getComputedStyle(e);
            if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && style.textOverflow !== 'ellipsis') {
              problems.push(`${name(e)} cuts its content (${e.scrollWidth} px in ${e.clientWidth} px): "${text(e)}"`);
            }
          }
          const ordinary = /^[(“"‘']?\p{L}+(?:['’-]\p{L}+)*[)”"’'.,;:!?]*$/u;
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.parentElement || unseen(node.parentElement)) continue;
            for (const word of node.data.matchAll(/\S+/g)) {
              if (word[0].length > 24 || !ordinary.test(word[0])) continue;
              const range = document.createRange();
              range.setStart(node, word.index);
              range.setEnd(node, word.index + word[0].length);
              const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
              if (lines.size > 1) {
                problems.push(`the word "${word[0]}" is broken across lines in ${name(node.parentElement)}`);
              }
            }
          }
          return problems;
        }
        """);

    private async Task SaveAsync(IPage page, string file)
    {
        var path = Path.Combine(Directory, file);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(path).Length > 5_000, $"{file} looks empty.");
        Taken.Add(path);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ocm.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Cannot find the repository (Ocm.slnx) above the test binaries.");
    }
}
