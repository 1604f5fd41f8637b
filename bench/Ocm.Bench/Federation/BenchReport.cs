using System.Globalization;

namespace Ocm.Bench.Federation;

/// <summary>Order statistics and the machine facts recorded with every result.</summary>
internal static class BenchReport
{
    /// <summary>Nearest-rank percentile (p in 0..100) of <paramref name="values"/>.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    public static string Summary(IReadOnlyList<double> milliseconds) => string.Create(CultureInfo.InvariantCulture,
        $"median {Percentile(milliseconds, 50):F1} ms, p95 {Percentile(milliseconds, 95):F1} ms, min {milliseconds.Min():F1} ms, max {milliseconds.Max():F1} ms (n={milliseconds.Count})");

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mmZ}, {cpu ?? "unknown CPU"}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
    }

    public static void Line(string text) => Console.WriteLine(text);

    public static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));
}
