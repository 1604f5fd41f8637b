using Microsoft.Playwright;

namespace Ocm.Tests.Ui;

/// <summary>
/// Screenshots of the main pages at desktop (1280×800) and phone (390×844) size, taken while a browser test walks
/// through a real scenario. Each capture also asserts that the page does not scroll sideways on the phone. They are
/// written to <c>docs/screenshots/</c> when <c>OCM_UPDATE_SCREENSHOTS=1</c> (then committed), otherwise to a
/// temporary folder, so ordinary test runs do not touch the checkout.
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

    /// <summary>Takes <c>{name}-desktop.png</c> and <c>{name}-phone.png</c> of the current page, then restores the desktop size.</summary>
    public async Task CaptureAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(PhoneWidth, PhoneHeight);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{name} scrolls sideways by {overflow} px on a {PhoneWidth} px wide phone.");
        await SaveAsync(page, name + "-phone.png");

        await page.SetViewportSizeAsync(DesktopWidth, DesktopHeight);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await SaveAsync(page, name + "-desktop.png");
    }

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
