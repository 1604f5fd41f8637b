using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Hosting;

/// <summary>
/// A newcomer clones the repository and types the README's first command. The server must keep its data in
/// <c>./data</c> of the folder the command was typed in (as the README says), never inside <c>src/</c>, and the clone
/// must stay clean for git. The clone builds from scratch, so this is the slowest test of the suite's Hosting part.
/// </summary>
public sealed partial class StartingFromAFreshClone : IDisposable
{
    private readonly string _work = TempDirectory.Create("ocm-clone");

    public void Dispose() => TempDirectory.Delete(_work);

    [Fact]
    public async Task ReadmesFirstCommand_KeepsDataInDotDataOfTheCloneAndLeavesGitStatusClean()
    {
        var clone = Path.Combine(_work, "ocm");
        var cloned = await Tool.RunAsync("git", ["clone", "--quiet", OcmProcess.RepositoryRoot, clone], _work, timeout: TimeSpan.FromMinutes(2));
        Assert.True(cloned.ExitCode == 0, cloned.All);

        // The command exactly as the README's "Set up" section gives it; only the listen address is added after 'serve'.
        var command = ReadmeFirstCommand(await File.ReadAllTextAsync(Path.Combine(clone, "README.md")));
        Assert.Equal("dotnet run --project src/Ocm -- serve", command);
        var url = $"http://127.0.0.1:{OcmProcess.FreePort("127.0.0.1")}";
        var words = command.Split(' ');
        var info = new ProcessStartInfo(words[0])
        {
            WorkingDirectory = clone,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var word in words.Skip(1).Concat(["--urls", url]))
        {
            info.ArgumentList.Add(word);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OCM_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        var output = new StringBuilder();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Restore and build of the clone, then the start: minutes on a small, busy machine.
            await WaitForAsync(() => Text(output).Contains("Ctrl+C stops the server.", StringComparison.Ordinal), process, output, TimeSpan.FromMinutes(8));
            using var client = new HttpClient();
            Assert.True((await client.GetAsync(url + "/healthz")).IsSuccessStatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var data = Path.Combine(clone, "data");
        Assert.Contains($"Data directory: {data}\n", Text(output), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "ocm.db")), "no database in ./data of the clone:\n" + Text(output));
        Assert.True(File.Exists(Path.Combine(data, "deployment-secret")));
        Assert.False(Directory.Exists(Path.Combine(clone, "src", "Ocm", "data")), "a data directory appeared inside src/Ocm");

        var status = await Tool.RunAsync("git", ["status", "--porcelain", "--untracked-files=all"], clone, timeout: TimeSpan.FromMinutes(1));
        Assert.True(status.ExitCode == 0, status.All);
        Assert.True(status.Output.Trim().Length == 0, "git status in the clone is not clean:\n" + status.Output);
    }

    /// <summary>The first command of the first <c>sh</c> block in the README's "Set up" section.</summary>
    private static string ReadmeFirstCommand(string readme)
    {
        var setUp = readme[readme.IndexOf("\n## Set up", StringComparison.Ordinal)..];
        return FirstShellBlock().Match(setUp).Groups["command"].Value.Trim();
    }

    [GeneratedRegex(@"```sh\n(?:#[^\n]*\n)*(?<command>[^\n]+)\n")]
    private static partial Regex FirstShellBlock();

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Append(line).Append('\n');
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Process process, StringBuilder output, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.False(process.HasExited, "the command ended before the server was ready:\n" + Text(output));
            Assert.True(DateTime.UtcNow < deadline, $"the server was not ready within {timeout}:\n" + Text(output));
            await Task.Delay(250);
        }
    }
}
