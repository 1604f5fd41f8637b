using BenchmarkDotNet.Running;
using Ocm.Bench.Federation;

namespace Ocm.Bench;

internal static class BenchProgram
{
    /// <summary>
    /// <c>federation …</c> runs the server-level federation benchmarks (<see cref="FederationBench"/>); anything else
    /// goes to BenchmarkDotNet (<c>--filter '*Signatures*'</c> …).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["federation", .. var rest])
        {
            return await FederationBench.RunAsync(rest);
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args);
        return 0;
    }
}
