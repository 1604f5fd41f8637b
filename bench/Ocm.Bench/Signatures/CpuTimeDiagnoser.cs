using System.Collections.Concurrent;
using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;

namespace Ocm.Bench.Signatures;

/// <summary>
/// Adds "CPU/op" and "ops/CPU-s" columns: the benchmark process's CPU time (all its threads) over the actual
/// workload iterations divided by the number of operations. On a shared, oversubscribed machine wall-clock means
/// include time spent waiting for a core; CPU time per operation is what "operations per second per core" needs.
/// </summary>
public sealed class CpuTimeDiagnoser : IDiagnoser
{
    private readonly ConcurrentDictionary<BenchmarkCase, TimeSpan> _start = new();
    private readonly ConcurrentDictionary<BenchmarkCase, TimeSpan> _elapsed = new();

    public IEnumerable<string> Ids => ["CpuTime"];

    public IEnumerable<IExporter> Exporters => [];

    public IEnumerable<IAnalyser> Analysers => [];

    public RunMode GetRunMode(BenchmarkCase benchmarkCase) => RunMode.NoOverhead;

    public bool RequiresBlockingAcknowledgments(BenchmarkCase benchmarkCase) => true;

    public void Handle(HostSignal signal, DiagnoserActionParameters parameters)
    {
        switch (signal)
        {
            case HostSignal.BeforeActualRun:
                parameters.Process.Refresh();
                _start[parameters.BenchmarkCase] = parameters.Process.TotalProcessorTime;
                break;
            case HostSignal.AfterActualRun:
                parameters.Process.Refresh();
                _elapsed[parameters.BenchmarkCase] = parameters.Process.TotalProcessorTime - _start[parameters.BenchmarkCase];
                break;
        }
    }

    public IEnumerable<Metric> ProcessResults(DiagnoserResults results)
    {
        var operations = results.Measurements
            .Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Actual)
            .Sum(m => m.Operations);
        if (operations == 0 || !_elapsed.TryGetValue(results.BenchmarkCase, out var cpu))
        {
            yield break;
        }

        yield return new Metric(CpuPerOperation.Instance, cpu.TotalNanoseconds / operations);
        yield return new Metric(OperationsPerCpuSecond.Instance, operations / cpu.TotalSeconds);
    }

    public void DisplayResults(ILogger logger)
    {
    }

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters) => [];

    private sealed class CpuPerOperation : IMetricDescriptor
    {
        public static readonly CpuPerOperation Instance = new();

        public string Id => "CpuPerOp";

        public string DisplayName => "CPU/op";

        public string Legend => "CPU time of the benchmark process per operation (actual workload iterations)";

        public string NumberFormat => "N1";

        public UnitType UnitType => UnitType.Time;

        public string Unit => "ns";

        public bool TheGreaterTheBetter => false;

        public int PriorityInCategory => 0;

        public bool GetIsAvailable(Metric metric) => true;
    }

    private sealed class OperationsPerCpuSecond : IMetricDescriptor
    {
        public static readonly OperationsPerCpuSecond Instance = new();

        public string Id => "OpsPerCpuSecond";

        public string DisplayName => "ops/CPU-s";

        public string Legend => "Operations per second of CPU time, i.e. throughput of one core";

        public string NumberFormat => "N0";

        public UnitType UnitType => UnitType.Dimensionless;

        public string Unit => "ops/s";

        public bool TheGreaterTheBetter => true;

        public int PriorityInCategory => 1;

        public bool GetIsAvailable(Metric metric) => true;
    }
}

/// <summary>Memory and CPU-time columns for the signature benchmarks.</summary>
public sealed class SignatureBenchmarkConfig : ManualConfig
{
    public SignatureBenchmarkConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default, new CpuTimeDiagnoser());
    }
}
