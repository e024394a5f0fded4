using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CoSellNet.Crypto;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// The batch APIs on all cores, as a partner runs them over a whole account list, timed on the
/// wall clock. One invocation is one whole batch (seconds to a minute), so the job is short: the
/// jitting stage runs one untimed batch, which is the warm-up, then 3 measured batches. Each
/// batch also prints the CPU time the process used for it (a "// Batch of" line in the log):
/// on a shared machine the wall clock says how many cores we got, CPU time what a core achieves.
/// </summary>
[Config(typeof(Config))]
public class PsiBatch
{
    private PsiKey key = null!;
    private MatchKey[] keys = [];
    private byte[] blinded = [];
    private byte[] points = [];
    private byte[] tags = [];

    [Params(100_000, 1_000_000)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        key = PsiKey.Random();
        string[] tlds = ["com", "de", "co.uk", "io", "fr", "com.au", "net", "nl"];
        keys = new MatchKey[Count];
        for (var i = 0; i < Count; i++)
            keys[i] = new MatchKey(MatchKeyKind.Domain, $"company-{i}.{tlds[i % tlds.Length]}");
        blinded = new byte[Count * PsiKey.PointSize];

        // The counterpart's points: 4,096 distinct ones repeated. Scalar multiplication takes the
        // same time for every point, so this measures the same work as a million distinct points.
        const int distinct = 4096;
        using var counterpart = PsiKey.Random();
        var unique = new byte[distinct * PsiKey.PointSize];
        counterpart.Blind(keys.AsSpan(0, Math.Min(distinct, Count)).ToArray(), unique);
        points = new byte[Count * PsiKey.PointSize];
        for (var at = 0; at < points.Length; at += unique.Length)
            unique.AsSpan(0, Math.Min(unique.Length, points.Length - at)).CopyTo(points.AsSpan(at));
        tags = new byte[Count * PsiKey.TagSize];
    }

    private TimeSpan cpuAtStart;
    private long wallAtStart;

    [GlobalCleanup]
    public void Cleanup() => key.Dispose();

    [IterationSetup]
    public void StartBatch()
    {
        cpuAtStart = Environment.CpuUsage.TotalTime;
        wallAtStart = Stopwatch.GetTimestamp();
    }

    [IterationCleanup]
    public void EndBatch()
    {
        var wall = Stopwatch.GetElapsedTime(wallAtStart).TotalSeconds;
        var cpu = (Environment.CpuUsage.TotalTime - cpuAtStart).TotalSeconds;
        Console.WriteLine($"// Batch of {Count:N0}: {wall:F2} s wall, {cpu:F2} CPU-s, {Count / cpu:N0} elements per CPU-second, {cpu / wall:F2} cores busy");
    }

    [Benchmark(Description = "PsiKey.Blind(list)")]
    public void Blind() => key.Blind(keys, blinded);

    [Benchmark(Description = "PsiKey.ReblindToTags")]
    public void ReblindToTags() => key.ReblindToTags(points, tags);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1).WithId("Batch"));
            AddColumn(new ElementsPerSecondColumn());
        }
    }

    /// <summary>Count / mean time of one batch.</summary>
    private sealed class ElementsPerSecondColumn : IColumn
    {
        public string Id => nameof(ElementsPerSecondColumn);
        public string ColumnName => "Elements/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Statistics;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Elements per second on all cores: Count / Mean";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            var count = (int)benchmarkCase.Parameters[nameof(Count)];
            return mean is > 0 ? (count * 1e9 / mean.Value).ToString("N0", style.CultureInfo) : "NA";
        }
    }
}
