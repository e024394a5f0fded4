namespace CoSellNet.Cli.Sync;

// TEMPORARY measurement aid (remove before merging): COSELL_STEP_TIMES=1 prints wall and process CPU per step.
internal static class StepTimes
{
    private static readonly bool On = Environment.GetEnvironmentVariable("COSELL_STEP_TIMES") == "1";
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static void Mark(string step)
    {
        if (!On) return;
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        clock_gettime(3, out var ts);
        Console.Error.WriteLine($"STEP {step}: wall {Clock.ElapsedMilliseconds} ms, cpu {cpu:F0} ms, thread {Environment.CurrentManagedThreadId} cpu {ts.Sec * 1000 + ts.Nsec / 1_000_000} ms");
    }

    private struct Timespec { public long Sec; public long Nsec; }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int clock_gettime(int clock, out Timespec ts);
}
