namespace Ocm.Bench.Federation;

/// <summary>
/// <c>Ocm.Bench federation …</c>: the federation benchmarks (docs/benchmarks.md), run against real <c>ocm serve</c> processes
/// rather than under BenchmarkDotNet (what is measured is seconds of delivery and requests per second of a server,
/// not a method). See docs/benchmarks.md.
/// </summary>
internal static class FederationBench
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync(BenchOptions.Usage);
            return 2;
        }

        var status = 0;
        if (options.Command is "latency" or "all")
        {
            status |= await ShareLatencyBenchmark.RunAsync(options);
        }

        if (options.Command is "ingest" or "all")
        {
            if (options.Command == "all")
            {
                BenchReport.Line("");
            }

            status |= await ShareIngestBenchmark.RunAsync(options);
        }

        return status;
    }
}
