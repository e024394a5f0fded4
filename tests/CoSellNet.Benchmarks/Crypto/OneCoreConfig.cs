using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// Single-threaded benchmarks timed in <see cref="ThreadCpuClock"/> time, with a fixed 5 warm-up
/// and 20 measured iterations so a run takes the same time however noisy the machine is.
/// Non-concurrent GC, so every collection runs on (and is charged to) the benchmark thread.
/// </summary>
public sealed class OneCoreConfig : ManualConfig
{
    public OneCoreConfig() =>
        AddJob(Job.Default.WithClock(new ThreadCpuClock()).WithGcConcurrent(false)
            .WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(20).WithId("OneCore"));
}
