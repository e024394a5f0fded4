using System.Globalization;
using System.Runtime.InteropServices;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// CPU time (user + system) of the processes a run involves, read from the kernel: this process's
/// finished children (each <c>cosell</c> run: <c>getrusage(RUSAGE_CHILDREN)</c>), a running
/// process by id (<c>/proc/pid/stat</c>, optionally with the children it has reaped) and its live
/// children (for a PostgreSQL postmaster and its backends, see <see cref="PostgresWatch.Read"/>), and
/// the calling thread. On a shared machine this says what the work cost, whatever share of the
/// cores it got.
/// </summary>
internal static partial class CpuClock
{
    private const int RusageChildren = -1;
    private const int ScClkTck = 2;
    private const int ClockThreadCpuTimeId = 3;
    private static readonly double TicksPerSecond = Sysconf(ScClkTck) is > 0 and var t ? t : 100;

    /// <summary>CPU time of all children of this process that have exited and been waited for.</summary>
    public static TimeSpan Children()
    {
        var usage = new long[18]; // struct rusage on 64-bit Linux: ru_utime, ru_stime (timeval each), then 14 longs
        if (GetRusage(RusageChildren, usage) != 0) return TimeSpan.Zero;
        return TimeSpan.FromSeconds(usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6);
    }

    /// <summary>CPU time of a running process (and, with <paramref name="withReaped"/>, of its exited children); zero when it is gone.</summary>
    public static TimeSpan Process(int pid, bool withReaped = false)
    {
        var fields = Stat(pid);
        if (fields is null) return TimeSpan.Zero;
        // Fields after "(comm) ": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withReaped) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>
    /// The live children of a process. The kernel lists them in <c>/proc/pid/task/pid/children</c>,
    /// one small read, which matters at ten samples a second on a 2-core machine; without that file,
    /// every process's parent id is read from <c>/proc</c>.
    /// </summary>
    public static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        if (Read($"/proc/{pid}/task/{pid}/children") is { } list)
        {
            foreach (var id in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                children.Add(int.Parse(id, CultureInfo.InvariantCulture));
            return children;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var child) || child == pid) continue;
            if (Stat(child) is { } f && f[1] == pid.ToString(CultureInfo.InvariantCulture)) children.Add(child);
        }
        return children;
    }

    /// <summary>CPU time of the calling thread (<c>CLOCK_THREAD_CPUTIME_ID</c>): what a piece of synchronous work cost this process, however long it waited for a core.</summary>
    public static TimeSpan Thread() =>
        ClockGetTime(ClockThreadCpuTimeId, out var now) == 0 ? TimeSpan.FromTicks(now.Seconds * TimeSpan.TicksPerSecond + now.Nanoseconds / 100) : TimeSpan.Zero;

    private static string[]? Stat(int pid)
    {
        var text = Read($"/proc/{pid}/stat");
        return text is null ? null : text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    [ThreadStatic] private static byte[]? _buffer;

    /// <summary>
    /// A small /proc file's text, or null when it cannot be read (the process is gone, or is another
    /// user's). One open and read into a reused buffer: about half the CPU of File.ReadAllText, which
    /// adds up at ten samples a second of a dozen files each.
    /// </summary>
    public static string? Read(string path)
    {
        var buffer = _buffer ??= new byte[16384];
        try
        {
            using var handle = File.OpenHandle(path);
            var length = 0;
            while (length < buffer.Length && RandomAccess.Read(handle, buffer.AsSpan(length), length) is > 0 and var read) length += read;
            return System.Text.Encoding.ASCII.GetString(buffer, 0, length);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, [Out] long[] usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long Sysconf(int name);
}
