using BenchmarkDotNet.Running;

namespace Ocm.Bench;

internal static class BenchProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args);
}
