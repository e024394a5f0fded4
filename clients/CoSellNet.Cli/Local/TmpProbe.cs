namespace CoSellNet.Cli.Local;
internal static class TmpProbe
{
    private static readonly System.Diagnostics.Stopwatch Wall = System.Diagnostics.Stopwatch.StartNew();
    public static void Mark(string what)
    {
        var p = System.Diagnostics.Process.GetCurrentProcess();
        Console.Error.WriteLine($"PROBE {what}: wall {Wall.Elapsed.TotalSeconds:F2} cpu {p.TotalProcessorTime.TotalSeconds:F2} (user {p.UserProcessorTime.TotalSeconds:F2}) gc {GC.GetTotalPauseDuration().TotalSeconds:F2} gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} heap {GC.GetTotalMemory(false) >> 20} MB alloc {GC.GetTotalAllocatedBytes() >> 20} MB");
    }
}
