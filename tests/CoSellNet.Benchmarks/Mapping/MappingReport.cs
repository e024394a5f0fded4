using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>The mapping benchmark's output: the table, the notes under it, where the node's and PostgreSQL's time went, and the markdown for docs/benchmarks.md.</summary>
internal static partial class MappingBenchmark
{
    private sealed record Report(Options Options, DateTimeOffset Started, string UptimeStart, string UptimeEnd, List<double> Loads, List<Phase> Phases, Phase Total,
        CryptoFloor FloorBefore, CryptoFloor FloorAfter, Timed Startup, ReleaseTiming Release, ServerMemory Memory, long NodeHwm, string SharedBuffers,
        TimeSpan HarnessCpu, List<UploadRate> Uploads);

    /// <summary>A side's upload: from its sync's start to its end (A), or to the end of its last upload request (B).</summary>
    private sealed record UploadWindow(string Side, long From, long To, long Points);

    /// <summary>
    /// How fast the node took a side's points in: the node's own time on the upload's requests
    /// (summed; and as the time any of them was open, which is less when they overlap), and the
    /// COPY statements PostgreSQL logged in the same window. Only COPYs into what A's first sync
    /// copied into count: that sync only uploads, so they are the upload's; a tags COPY of a re-blind
    /// that overlaps B's upload is not.
    /// </summary>
    private sealed record UploadRate(UploadWindow Window, int Requests, string Kinds, double NodeSeconds, double BusySeconds, int ChunkRequests, int Copies, double CopySeconds);

    private static List<UploadRate> UploadRates(NodeProcess node, PostgresWatch pg, List<UploadWindow> windows)
    {
        var lines = node.Lines();
        var copies = pg.SlowStatements().Where(st => st.Step.Length == 0 && st.Text.TrimStart().StartsWith("COPY", StringComparison.OrdinalIgnoreCase)).ToList();
        var rates = new List<UploadRate>();
        HashSet<string>? uploadKinds = null;
        foreach (var w in windows)
        {
            var requests = NodeProcess.Finished(lines.Where(l => l.At >= w.From && l.At <= w.To)).Where(r => r.Path.Contains("/psi/uploads", StringComparison.Ordinal)).ToList();
            var intervals = requests.Select(r => (From: r.At - (long)(r.Milliseconds / 1000 * Stopwatch.Frequency), To: r.At)).OrderBy(i => i.From).ToList();
            long busy = 0, reach = long.MinValue;
            foreach (var (from, to) in intervals)
            {
                if (to <= reach) continue;
                busy += to - Math.Max(from, reach);
                reach = to;
            }
            var inWindow = copies.Where(st => st.At >= w.From && st.At <= w.To && (uploadKinds is null || uploadKinds.Contains(st.Kind))).ToList();
            uploadKinds ??= [.. inWindow.Select(st => st.Kind)];
            rates.Add(new UploadRate(w, requests.Count, string.Join(", ", requests.GroupBy(r => r.Kind).Select(g => $"{g.Count()} × {g.Key[..(g.Key.IndexOf(' ', StringComparison.Ordinal) + 1)]}…{g.Key[g.Key.IndexOf("/psi/", StringComparison.Ordinal)..]}")),
                requests.Sum(r => r.Milliseconds) / 1000, (double)busy / Stopwatch.Frequency, requests.Count(r => r.Path.Contains("/chunks/", StringComparison.Ordinal)),
                inWindow.Count, inWindow.Sum(st => st.Milliseconds) / 1000));
        }
        return rates;
    }

    private static string Table(List<Phase> phases, Phase total)
    {
        var t = new StringBuilder();
        t.AppendLine("| Phase | Wall s | Records/s | CPU-s cosell | CPU-s node | CPU-s PostgreSQL | Cores busy | Floor s | × floor | Floor CPU-s | × floor CPU |");
        t.AppendLine("|-------|-------:|----------:|-------------:|-----------:|-----------------:|-----------:|--------:|--------:|------------:|------------:|");
        foreach (var p in phases.Append(total))
        {
            var b = p == total ? "**" : "";
            var noCpu = p.Note == InRowAbove;
            string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
            string Cpu(double v) => noCpu ? "" : F(v);
            // A release that was over when A's sync ended takes no time of its own: no rate, no cores.
            var timed = p.Seconds > 0;
            t.Append(CultureInfo.InvariantCulture, $"| {b}{p.Name}{b} | {b}{F(p.Seconds)}{b} | {(timed ? (p.Records / p.Seconds).ToString("N0", CultureInfo.InvariantCulture) : "")} | ")
             .Append(CultureInfo.InvariantCulture, $"{Cpu(p.CliCpu)} | {Cpu(p.NodeCpu)} | {Cpu(p.PgCpu)} | {(timed ? Cpu(p.Cpu / p.Seconds) : "")} | ")
             .Append(p.Floor is { } f ? $"{F(f.Seconds)} | {b}{F(p.Seconds / f.Seconds)}{b} | {F(f.CpuSeconds)} | {b}{F(p.Cpu / f.CpuSeconds)}{b}" : " |  |  | ")
             .AppendLine(" |");
        }
        return t.ToString().TrimEnd();
    }

    /// <summary>What the table does not show: start-up cost, the release, server memory, upload rates, the harness's own cost.</summary>
    private static List<string> Notes(Report r)
    {
        var n = r.Options.Size;
        var notes = new List<string>();
        notes.Add($"cosell start-up (`cosell --help`, 3 runs before the timed part): {r.Startup.Seconds:F2} s wall, {r.Startup.CpuSeconds:F2} CPU-s each; " +
                  $"the five timed runs pay it five times: ~{5 * r.Startup.Seconds:F2} s, ~{5 * r.Startup.CpuSeconds:F2} CPU-s.");
        var rel = r.Release;
        notes.Add($"release: the node logged {rel.Matches:N0} matches, {rel.NodeSeconds:F2} s of its own time, " + (rel.Inside
            ? "inside the request that brought A's last tags (taken out of A's re-blind row; nothing after A's sync)."
            : $"in the background, its line logged {rel.AfterSeconds:F2} s after A's sync ended (the release row, counted in the total; 0 when it was over before A's cosell exited)."));
        var m = r.Memory;
        var pss = m.PgPssPeak is { } p ? $"Σ Pss peak {ServerMemory.Mib(p)} (shared pages split among the processes mapping them: the cluster's real share)" : "Pss not readable";
        notes.Add($"server memory, sampled every 100 ms ({m.Samples:N0} samples; Pss every fiftieth): node RSS peak {ServerMemory.Mib(m.NodeRssPeak)} (the kernel's VmHWM at the end {ServerMemory.Mib(r.NodeHwm)}); " +
                  $"PostgreSQL (postmaster + backends, {m.PgProcessesAtRssPeak} processes at the peak) Σ RSS peak {ServerMemory.Mib(m.PgRssPeak)}, which counts shared memory " +
                  $"(shared_buffers {r.SharedBuffers}) once per process that touched it, {pss}; node RSS + PostgreSQL's latest Pss, peak {ServerMemory.Mib(m.ServerPeak)} (issue 5: ≤ 1 GiB at 1M × 1M).");
        foreach (var u in r.Uploads)
        {
            var all = r.Options.SlowMs == 0;
            var copy = u.Copies == 0
                ? (all ? "PostgreSQL logged no COPY" : $"no COPY over {r.Options.SlowMs} ms logged")
                : (all ? "COPY statements" : $"COPY statements over {r.Options.SlowMs} ms") + $": {u.Copies} in {u.CopySeconds:F2} s = {u.Window.Points / u.CopySeconds:N0} points/s" +
                  (all ? "" : $" (shorter ones are not logged; {u.ChunkRequests} chunk requests; --slow-ms 0 logs them all)");
            notes.Add(u.Requests == 0
                ? $"upload {u.Window.Side}: {u.Window.Points:N0} points; the node logged no request under …/psi/uploads; {copy}."
                : $"upload {u.Window.Side}: {u.Window.Points:N0} points; node time on {u.Kinds}: {u.NodeSeconds:F2} s = {u.Window.Points / u.NodeSeconds:N0} points/s " +
                  $"(open {u.BusySeconds:F2} s: {u.Window.Points / u.BusySeconds:N0} points/s); {copy}.");
        }
        if (r.Uploads.Count > 1 && r.Uploads.All(u => u.Requests > 0))
        {
            var points = r.Uploads.Sum(u => u.Window.Points);
            var copySeconds = r.Uploads.Sum(u => u.CopySeconds);
            notes.Add($"upload, both sides: {points / r.Uploads.Sum(u => u.NodeSeconds):N0} points/s of node time" +
                      (copySeconds > 0 ? $", {points / copySeconds:N0} points/s of logged COPY time" : "") + " (issue 5: ≥ 300,000 points/s).");
        }
        notes.Add($"harness: sampling cost {m.Spent.TotalMilliseconds / Math.Max(1, m.Samples):F2} ms of CPU per sample ({m.Spent.TotalSeconds:F2} CPU-s in all); " +
                  $"this process used {r.HarnessCpu.TotalSeconds:F2} CPU-s during the timed part (sampling, reading the node's log and cosell's output); " +
                  $"its peak RSS {ServerMemory.Mib(ServerMemory.Status(Environment.ProcessId, "VmHWM:") ?? 0)} (the exports' match keys, kept for the floor after the run).");
        return notes;
    }

    /// <summary>Where the node's time went (its request log, per cosell run) and PostgreSQL's slow statements.</summary>
    private static string Profile(NodeProcess node, List<(string Label, CliRun Run)> runs, PostgresWatch pg, int slowMs)
    {
        var text = new StringBuilder("node time per request kind (its request log: time from request start to response end), per cosell run:\n");
        var lines = node.Lines();
        foreach (var (label, run) in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {label} ({run.Seconds:F2} s):");
            var requests = NodeProcess.Finished(lines.Where(l => l.At >= run.Started && l.At <= run.Ended)).ToList();
            foreach (var g in requests.GroupBy(r => r.Kind).OrderByDescending(g => g.Sum(r => r.Milliseconds)))
                text.AppendLine(CultureInfo.InvariantCulture, $"    {g.Sum(r => r.Milliseconds) / 1000,8:F2} s  {g.Count(),4} × {g.Key}  (max {g.Max(r => r.Milliseconds):F0} ms)");
        }
        var slow = pg.SlowStatements();
        text.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL statements of the run's database logged (log_min_duration_statement = {slowMs} ms{(slowMs == 0 ? ": all" : "")}): {slow.Count}, the 15 kinds that took longest in all:");
        foreach (var g in slow.GroupBy(st => st.Kind).OrderByDescending(g => g.Sum(st => st.Milliseconds)).Take(15))
            text.AppendLine(CultureInfo.InvariantCulture, $"    {g.Sum(st => st.Milliseconds) / 1000,8:F2} s  {g.Count(),4} × {g.Key}  (max {g.Max(st => st.Milliseconds):F0} ms)");
        return text.ToString().TrimEnd();
    }

    private static string Markdown(Report r, string table)
    {
        var n = r.Options.Size;
        var floor = r.Total.Floor!.Value;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### {n:N0} × {n:N0}, {r.Started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {Cpu()}, {Environment.ProcessorCount} CPUs; .NET {Environment.Version}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Load: `uptime` at start `{r.UptimeStart}`, at end `{r.UptimeEnd}`; 1-minute load average at phase boundaries min {r.Loads.Min():F1}, mean {r.Loads.Average():F1}, max {r.Loads.Max():F1}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Sizes: {n:N0} accounts per side, {(int)Math.Round(n * r.Options.Overlap):N0} shared ({r.Options.Overlap:P0}); all customers, shared at level overlaps both ways.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Floor, before the run: {r.FloorBefore.Total.Seconds:F2} s ({r.FloorBefore.Total.CpuSeconds:F2} CPU-s); after: {r.FloorAfter.Total.Seconds:F2} s ({r.FloorAfter.Total.CpuSeconds:F2} CPU-s); the table uses the mean.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **End to end {r.Total.Seconds:F2} s = {r.Total.Seconds / floor.Seconds:F2} × the floor ({floor.Seconds:F2} s)**; in CPU time {r.Total.Cpu:F2} CPU-s = {r.Total.Cpu / floor.CpuSeconds:F2} × the floor's {floor.CpuSeconds:F2}; " +
                      $"{2.0 * n / r.Total.Seconds:N0} records/s end to end.");
        foreach (var note in Notes(r)) md.AppendLine(CultureInfo.InvariantCulture, $"- {char.ToUpperInvariant(note[0])}{note[1..]}");
        var overlap = r.Options.Overlap != 0.2 ? $" --overlap {r.Options.Overlap.ToString(CultureInfo.InvariantCulture)}" : "";
        var slow = r.Options.SlowMs != DefaultSlowMs ? $" --slow-ms {r.Options.SlowMs}" : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"- Command (from `tests/CoSellNet.Benchmarks`): `dotnet run -c Release -- mapping --size {n}{overlap}{slow}`");
        md.AppendLine();
        md.Append(table);
        return md.ToString();
    }

    /// <summary>--keep: the node's log, PostgreSQL's log, every cosell run's standard error and the CPU samples, in seconds since the first timed run started.</summary>
    private static async Task Keep(string work, NodeProcess node, PostgresWatch pg, List<(string Label, CliRun Run)> runs, List<Sample> samples)
    {
        var zero = runs[0].Run.Started;
        await File.WriteAllLinesAsync(Path.Combine(work, "node.log"), node.Lines().Select(l => $"{Stopwatch.GetElapsedTime(zero, l.At).TotalSeconds,9:F3} {l.Line}"));
        await File.WriteAllTextAsync(Path.Combine(work, "postgres.log"), pg.LogText());
        foreach (var (label, run) in runs)
            await File.AppendAllLinesAsync(Path.Combine(work, "cosell.log"), [$"--- {label}: started at {Stopwatch.GetElapsedTime(zero, run.Started).TotalSeconds:F3} s",
                .. run.Stderr.Select(l => $"{Stopwatch.GetElapsedTime(zero, l.At).TotalSeconds,9:F3} {l.Line}")]);
        await File.WriteAllLinesAsync(Path.Combine(work, "samples.log"), samples.Select(x =>
            $"{Stopwatch.GetElapsedTime(zero, x.At).TotalSeconds,9:F3} cosell pid {x.CliPid} {x.Cli.TotalSeconds:F2} node {x.Node.TotalSeconds:F2} pg {x.Pg.TotalSeconds:F2} CPU-s"));
    }
}
