namespace CoSellNet.Cli.Local;
internal static class TmpProbe
{
    private static readonly System.Diagnostics.Stopwatch Wall = System.Diagnostics.Stopwatch.StartNew();
    public static void Mark(string what)
    {
        var p = System.Diagnostics.Process.GetCurrentProcess();
        var st = File.ReadAllText("/proc/thread-self/stat"); var f = st[(st.LastIndexOf(')') + 2)..].Split(' '); var thr = (long.Parse(f[11]) + long.Parse(f[12])) / 100.0;
        Console.Error.WriteLine($"PROBE {what}: thread {thr:F2} wall {Wall.Elapsed.TotalSeconds:F2} cpu {p.TotalProcessorTime.TotalSeconds:F2} (user {p.UserProcessorTime.TotalSeconds:F2}) gc {GC.GetTotalPauseDuration().TotalSeconds:F2} gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} heap {GC.GetTotalMemory(false) >> 20} MB alloc {GC.GetTotalAllocatedBytes() >> 20} MB");
    }
}
