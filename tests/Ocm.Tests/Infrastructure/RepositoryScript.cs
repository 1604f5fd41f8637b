using System.Diagnostics;

namespace Ocm.Tests.Infrastructure;

/// <summary>Runs one of the repository's scripts under <c>scripts/</c> (they start and stop the real components tests use).</summary>
internal static class RepositoryScript
{
    /// <summary>Runs <c>scripts/{name} {arguments}</c> with <paramref name="environment"/> added; fails the test unless it exits 0. Returns its output.</summary>
    public static async Task<string> RunAsync(string name, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(OcmProcess.RepositoryRoot, "scripts", name));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/{name} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        return await stdout;
    }
}
