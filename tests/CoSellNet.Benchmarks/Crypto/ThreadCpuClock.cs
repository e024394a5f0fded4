using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), in nanoseconds. For
/// single-threaded benchmarks on a shared machine: time the benchmark thread spends descheduled
/// while other processes run is not counted, so ours and its baseline can be compared even when
/// they were measured minutes apart under different load. BenchmarkDotNet measures on the thread
/// that runs the workload, so this is the workload's own CPU time. Public with a parameterless
/// constructor so the out-of-process benchmark host can create it.
/// </summary>
public sealed partial class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    public string Title => "Thread CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out var now) != 0)
            throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}.");
        return now.Seconds * 1_000_000_000 + now.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);
}
