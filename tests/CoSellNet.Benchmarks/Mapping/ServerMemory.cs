using System.Globalization;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// Memory of the server side of a run (issue 5: ≤ 1 GiB at 1M × 1M), sampled with the CPU times:
/// the node's resident set (and at the end the kernel's own peak, VmHWM, which no sampling misses),
/// and PostgreSQL's postmaster and backends. Summing their resident sets counts shared memory
/// (shared_buffers, the binary) once per process that touched it, which overstates what the cluster
/// uses; the proportional set size (Pss, from smaps_rollup, where readable) splits every shared page
/// among the processes that map it, so its sum is the cluster's real share. Pss costs the kernel a
/// walk of each process's mappings (~0.25 ms of CPU per backend, more as the node grows: ~0.4 CPU-s
/// of the harness's at 300k × 300k when read every 2 s), so it is read every fiftieth sample only
/// (5 s; the cluster's share moves slowly), and resident sets (one small read each) every sample.
/// </summary>
internal sealed class ServerMemory(int nodePid)
{
    private const long Kib = 1024;
    private readonly Lock _gate = new();
    private int _samples;

    public long NodeRssPeak { get; private set; }
    public long PgRssPeak { get; private set; }
    public int PgProcessesAtRssPeak { get; private set; }
    public long? PgPssPeak { get; private set; }
    private long? _pgPssLast;

    /// <summary>Node RSS plus PostgreSQL's latest Pss (at most 5 s old; its RSS sum where Pss is unreadable); the most of it seen.</summary>
    public long ServerPeak { get; private set; }

    /// <summary>The CPU time the samples took (the sampling thread's), for the harness's own overhead.</summary>
    public TimeSpan Spent { get; private set; }

    public int Samples => _samples;

    /// <summary>Whether this sample should read Pss too (every fiftieth: 5 s).</summary>
    public bool WantsPss => _samples % 50 == 0;

    public void Record(long nodeRss, PostgresWatch.Usage pg, TimeSpan spent)
    {
        lock (_gate)
        {
            _samples++;
            Spent += spent;
            NodeRssPeak = Math.Max(NodeRssPeak, nodeRss);
            if (pg.RssBytes > PgRssPeak) (PgRssPeak, PgProcessesAtRssPeak) = (pg.RssBytes, pg.Processes);
            if (pg.PssBytes is { } pss)
            {
                _pgPssLast = pss;
                PgPssPeak = Math.Max(PgPssPeak ?? 0, pss);
            }
            ServerPeak = Math.Max(ServerPeak, nodeRss + (_pgPssLast ?? pg.RssBytes));
        }
    }

    /// <summary>The node's resident set now.</summary>
    public long NodeRss() => Rss(nodePid);

    /// <summary>The node's peak resident set over its whole life, as the kernel kept it.</summary>
    public long NodeHwm() => Status(nodePid, "VmHWM:") ?? 0;

    /// <summary>A "Name:   N kB" field of /proc/pid/status, in bytes; null when the process is gone.</summary>
    public static long? Status(int pid, string field) => Field(CpuClock.Read($"/proc/{pid}/status"), field);

    /// <summary>Resident bytes from /proc/pid/statm (second field, in pages): the cheapest read of it; 0 when the process is gone.</summary>
    public static long Rss(int pid) =>
        CpuClock.Read($"/proc/{pid}/statm") is { } statm ? long.Parse(statm.Split(' ')[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize : 0;

    /// <summary>The proportional set size from /proc/pid/smaps_rollup; null when it cannot be read (gone, or another user's process without privilege).</summary>
    public static long? Pss(int pid) => Field(CpuClock.Read($"/proc/{pid}/smaps_rollup"), "Pss:");

    private static long? Field(string? text, string field)
    {
        if (text is null) return null;
        foreach (var line in text.AsSpan().EnumerateLines())
            if (line.StartsWith(field, StringComparison.Ordinal)) return Kilobytes(line[field.Length..].ToString());
        return null;
    }

    private static long Kilobytes(string value) =>
        long.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture) * Kib;

    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";
}
