using System.Diagnostics;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// Runs tests/e2e/two-servers.sh: two real <c>ocm serve</c> processes on 127.0.5.2 and
/// 127.0.5.3, users from <c>ocm user add</c>, <c>ocm share create</c>, <c>ocm received accept</c>, rclone reading bob's
/// copy byte for byte, and <c>ocm share delete</c> ending his access.
/// </summary>
public sealed class EndToEndScript
{
    [Fact]
    public async Task TwoServeProcesses_ShareAcceptReadWithRcloneUnshare()
    {
        var script = Path.Combine(OcmProcess.RepositoryRoot, "tests", "e2e", "two-servers.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = OcmProcess.RepositoryRoot };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(OcmProcess.OcmDll);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("two-servers.sh did not finish in 4 minutes:\n" + await stdout + await stderr);
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("E2E OK", output, StringComparison.Ordinal);
    }
}
