using System.Globalization;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// Memory of the server side of a run (issue 5: ≤ 1 GiB at 1M × 1M), sampled with the CPU times:
/// the node's resident set (and at the end the kernel's own peak, VmHWM, which no sampling misses),
/// and PostgreSQL's postmaster and backends. Summing their resident sets counts shared memory
/// (shared_buffers, the binary) once per process that touched it, which overstates what the cluster
/// uses; the proportional set size (Pss, from smaps_rollup, where readable) splits every shared page
/// among the processes that map it, so its sum is the cluster's real share. Pss costs the kernel a
/// walk of each process's mappings, so it is read every fifth sample only.
/// </summary>
internal sealed class ServerMemory(int nodePid)
{
    private const long Kib = 1024;
    private int _samples;

    public long NodeRssPeak { get; private set; }
    public long PgRssPeak { get; private set; }
    public int PgProcessesAtRssPeak { get; private set; }
    public long? PgPssPeak { get; private set; }
    private long? _pgPssLast;

    /// <summary>Node RSS plus PostgreSQL's Pss (its RSS sum where Pss is unreadable), at the same moment; the most of it seen.</summary>
    public long ServerPeak { get; private set; }

    /// <summary>The CPU time the samples took (the sampling thread's), for the harness's own overhead.</summary>
    public TimeSpan Spent { get; private set; }

    public int Samples => _samples;

    /// <summary>Whether this sample should read Pss too (every fifth).</summary>
    public bool WantsPss => _samples % 5 == 0;

    public void Record(long nodeRss, PostgresWatch.Usage pg, TimeSpan spent)
    {
        lock (this)
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
    public long NodeRss() => Status(nodePid, "VmRSS:") ?? 0;

    /// <summary>The node's peak resident set over its whole life, as the kernel kept it.</summary>
    public long NodeHwm() => Status(nodePid, "VmHWM:") ?? 0;

    /// <summary>A "Name:   N kB" field of /proc/pid/status, in bytes; null when the process is gone.</summary>
    public static long? Status(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return Kilobytes(line[field.Length..]);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Resident bytes from /proc/pid/statm (second field, in pages): the cheapest read of it.</summary>
    public static long Rss(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    /// <summary>The proportional set size from /proc/pid/smaps_rollup; null when it cannot be read (another user's process without privilege).</summary>
    public static long? Pss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    return Kilobytes(line[4..]);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static long Kilobytes(string value) =>
        long.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture) * Kib;

    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";
}
