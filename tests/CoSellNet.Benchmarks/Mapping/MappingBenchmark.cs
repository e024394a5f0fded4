using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// The <c>mapping</c> verb (issue 5, "Benchmark"): private account mapping end to end, as two
/// partners run it, against its crypto floor measured in the same run.
/// <list type="number">
/// <item>Two Salesforce account reports of N customers each, a known share of them the same companies.</item>
/// <item>The floor: the blinds and re-blinds those lists need (2 × N of each), alone, in this process, on all cores; before and after the run.</item>
/// <item>A throwaway PostgreSQL and the built node as its own process; two partners registered with
/// the operator key; with the real <c>cosell</c> (one config each) a master secret each, and a
/// partnership that shares customers at level overlaps both ways.</item>
/// <item>Timed: A's <c>cosell sync</c> of its export (import, blind, upload); B's (import, blind,
/// upload, then re-blind A's points: split where B first asks the node for a task); A's second
/// <c>cosell sync</c> (re-blind B's points; the node intersects when the last tags are in, timed
/// by the node itself); each side's <c>cosell overlaps -o json</c> (fetch and resolve locally),
/// checked against the planted overlap.</item>
/// </list>
/// Wall clock, and CPU time of cosell, the node and PostgreSQL per phase; the node's own time per
/// request kind and PostgreSQL's slow statements say where the time went.
/// </summary>
internal static partial class MappingBenchmark
{
    private sealed record Options(int Size, double Overlap, int Seed, int SlowMs, string? Markdown, bool Keep);

    /// <summary>CPU time so far of the running cosell, the node and PostgreSQL, at a moment.</summary>
    private readonly record struct Sample(long At, TimeSpan Cli, TimeSpan Node, TimeSpan Pg)
    {
        /// <summary>The values at <paramref name="at"/>, interpolated between the samples around it.</summary>
        public static Sample Interpolate(List<Sample> samples, long at)
        {
            if (at <= samples[0].At) return samples[0];
            for (var i = 1; i < samples.Count; i++)
            {
                if (samples[i].At < at) continue;
                var (x, y) = (samples[i - 1], samples[i]);
                var f = y.At == x.At ? 1 : (double)(at - x.At) / (y.At - x.At);
                return new Sample(at, x.Cli + (y.Cli - x.Cli) * f, x.Node + (y.Node - x.Node) * f, x.Pg + (y.Pg - x.Pg) * f);
            }
            return samples[^1];
        }
    }

    /// <summary>Samples CPU times every 100 ms while a cosell command runs (the first sample before it has started: its CPU time then is zero).</summary>
    private static async Task Sampler(List<Sample> samples, Cosell cli, NodeProcess node, PostgresWatch pg, CancellationToken stop)
    {
        samples.Add(new Sample(Stopwatch.GetTimestamp(), TimeSpan.Zero, CpuClock.Process(node.Pid), pg.Cpu()));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(100, stop);
                var pid = cli.RunningPid;
                var cpu = pid > 0 ? CpuClock.Process(pid) : TimeSpan.Zero;
                if (cpu > TimeSpan.Zero) samples.Add(new Sample(Stopwatch.GetTimestamp(), cpu, CpuClock.Process(node.Pid), pg.Cpu()));
            }
        }
        catch (OperationCanceledException) { }
    }

    private sealed record Phase(string Name, double Seconds, double CliCpu, double NodeCpu, double PgCpu, long Records, Timed? Floor, string? Note = null)
    {
        public double Cpu => CliCpu + NodeCpu + PgCpu;
    }

    public static int Run(string[] args)
    {
        var options = new Options(
            (int)Arg(args, "--size", 100_000),
            Arg(args, "--overlap", 0.2),
            (int)Arg(args, "--seed", 20261125),
            (int)Arg(args, "--slow-ms", 100),
            Value(args, "--markdown"),
            args.Contains("--keep"));
        if (options.Size < 10 || options.Overlap is <= 0 or > 1)
        {
            Console.Error.WriteLine("usage: mapping [--size N] [--overlap 0.2] [--seed S] [--slow-ms 100] [--markdown FILE] [--keep]");
            return 2;
        }
        return RunAsync(options).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(Options o)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var cliDll = NodeProcess.Built("clients/CoSellNet.Cli", "cosell.dll", configuration);
        NodeProcess.Dll(configuration);
        var started = DateTimeOffset.UtcNow;
        var uptimeStart = Uptime();
        var loads = new List<double> { Load1() };
        var n = o.Size;
        var shared = (int)Math.Round(n * o.Overlap);
        Console.WriteLine($"mapping benchmark {started:yyyy-MM-dd HH:mm:ss}Z: {n:N0} × {n:N0} accounts, {shared:N0} shared ({o.Overlap:P0}); " +
                          $"{Environment.ProcessorCount} CPUs ({Cpu()}), .NET {Environment.Version}, {configuration}");
        Console.WriteLine($"uptime at start: {uptimeStart}");

        var work = Directory.CreateTempSubdirectory("cosellnet-bench-mapping-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var (exportA, exportB, planted) = CrmExport.Write(work, n, shared, o.Seed);
            Console.WriteLine($"exports written in {clock.Elapsed.TotalSeconds:F1} s: {exportA.Path} ({new FileInfo(exportA.Path).Length / 1048576.0:F1} MiB), {exportB.Path}");

            Console.Write("crypto floor (before) ... ");
            var floorBefore = CryptoFloor.Measure(exportA.Keys, exportB.Keys);
            Console.WriteLine($"{floorBefore.Total.Seconds:F2} s wall, {floorBefore.Total.CpuSeconds:F2} CPU-s");
            loads.Add(Load1());

            var cs = await PostgresServer.CreateDatabaseAsync("bench-mapping");
            var pg = await PostgresWatch.Open(cs, o.SlowMs);
            await using var node = await NodeProcess.StartAsync(cs, configuration);
            Console.WriteLine($"node {node.Url} up (pid {node.Pid}); PostgreSQL postmaster pid {pg.Postmaster}");

            var a = new Cosell("a", cliDll, Path.Combine(work, "a"));
            var b = new Cosell("b", cliDll, Path.Combine(work, "b"));
            var (aId, aKey) = await node.AddPartner("Aldervane Systems", PartnerType.Vendor);
            var (bId, bKey) = await node.AddPartner("Brisklet Partners", PartnerType.Service);
            foreach (var (cli, key) in new[] { (a, aKey), (b, bKey) })
            {
                (await cli.Run("config", "set", "--url", node.Url.ToString(), "--key", key)).Ok();
                (await cli.Run("secret", "init", "-o", "json")).Ok();
            }
            (await a.Run("partnerships", "propose", bId, "--motion", "co-sell", "--rule", "customers=overlaps")).Ok();
            (await b.Run("partnerships", "accept", aId, "--motion", "co-sell", "--rule", "customers=overlaps")).Ok();
            Console.WriteLine($"partners {aId} (A) and {bId} (B), partnership active, customers shared at level overlaps both ways");
            await node.Settle();

            var phases = new List<Phase>();
            var runs = new List<(string Label, CliRun Run, List<Sample> Samples)>();
            async Task<(CliRun Run, List<Sample> Samples)> Command(string label, Cosell cli, params string[] args)
            {
                Console.Write($"  {label} ... ");
                var samples = new List<Sample>();
                using var stop = new CancellationTokenSource();
                var sampler = Sampler(samples, cli, node, pg, stop.Token);
                var run = await cli.Run(args);
                await stop.CancelAsync();
                await sampler;
                samples.Add(new Sample(run.Ended, run.Cpu, CpuClock.Process(node.Pid), pg.Cpu()));
                run.Ok();
                Console.WriteLine($"{run.Seconds:F2} s");
                runs.Add((label, run, samples));
                loads.Add(Load1());
                return (run, samples);
            }
            Phase Measured(string name, CliRun run, List<Sample> samples, long from, long to, long records, string? note = null)
            {
                var (x, y) = (Sample.Interpolate(samples, from), Sample.Interpolate(samples, to));
                return new Phase(name, Stopwatch.GetElapsedTime(from, to).TotalSeconds, (y.Cli - x.Cli).TotalSeconds, (y.Node - x.Node).TotalSeconds, (y.Pg - x.Pg).TotalSeconds, records, null, note);
            }

            Console.WriteLine("timed:");
            // 1. A imports, blinds and uploads. B has uploaded nothing, so A has nothing to re-blind.
            var (syncA, sa) = await Command("A: cosell sync partner-a-accounts.csv", a, "sync", exportA.Path, "-o", "json");
            Expect(syncA, n, 0, "A's first sync");
            phases.Add(Measured("A: import + blind + upload", syncA, sa, syncA.Started, syncA.Ended, n));

            // 2. B imports, blinds and uploads, then re-blinds A's points: split where the node logged B's first request for a task.
            var (syncB, sb) = await Command("B: cosell sync partner-b-accounts.csv", b, "sync", exportB.Path, "-o", "json");
            Expect(syncB, n, n, "B's first sync");
            await node.Settle();
            var split = node.Lines().Where(l => l.At >= syncB.Started && l.At <= syncB.Ended && TaskRequest().IsMatch(l.Line)).Select(l => (long?)l.At).FirstOrDefault()
                ?? throw new InvalidOperationException("The node logged no request for a re-blind task during B's sync.");
            phases.Add(Measured("B: import + blind + upload", syncB, sb, syncB.Started, split, n));
            phases.Add(Measured("B: re-blind A's points", syncB, sb, split, syncB.Ended, n));

            // 3. A re-blinds B's points; the node intersects when the last tags are in (inside that request).
            var (syncA2, sa2) = await Command("A: cosell sync", a, "sync", "-o", "json");
            Expect(syncA2, 0, n, "A's second sync");
            if (syncA2.Json()[0].GetProperty("status").GetProperty("releaseVersion").GetInt32() < 1)
                throw new InvalidOperationException($"Nothing was released after A's second sync:\n{syncA2.Stdout}");
            await node.Settle();
            var release = node.Lines().Where(l => l.At >= syncA2.Started && l.At <= syncA2.Ended).Select(l => ReleaseLine().Match(l.Line)).FirstOrDefault(m => m.Success)
                ?? throw new InvalidOperationException("The node logged no release during A's second sync.");
            var releaseSeconds = double.Parse(release.Groups[1].Value, CultureInfo.InvariantCulture) / 1000;
            phases.Add(Measured("A: re-blind B's points", syncA2, sa2, syncA2.Started, syncA2.Ended, n) with { Seconds = syncA2.Seconds - releaseSeconds });
            phases.Add(new Phase("release (node: intersect, store matches)", releaseSeconds, 0, 0, 0, 2L * n, null, "CPU in the row above"));

            // 4. Each side fetches its overlaps and resolves them to its own accounts.
            var (overlapsA, oa) = await Command("A: cosell overlaps -o json", a, "overlaps", "-o", "json");
            var (overlapsB, ob) = await Command("B: cosell overlaps -o json", b, "overlaps", "-o", "json");
            phases.Add(Measured("A: overlaps fetch + resolve", overlapsA, oa, overlapsA.Started, overlapsA.Ended, shared));
            phases.Add(Measured("B: overlaps fetch + resolve", overlapsB, ob, overlapsB.Started, overlapsB.Ended, shared));
            CheckOverlaps(overlapsA, planted, "A");
            CheckOverlaps(overlapsB, planted, "B");
            Console.WriteLine($"checked: each side's `cosell overlaps` lists exactly the {shared:N0} planted companies");
            var nodeMb = node.WorkingSetMb();
            await node.Settle();

            Console.Write("crypto floor (after) ... ");
            var floorAfter = CryptoFloor.Measure(exportA.Keys, exportB.Keys);
            Console.WriteLine($"{floorAfter.Total.Seconds:F2} s wall, {floorAfter.Total.CpuSeconds:F2} CPU-s");
            loads.Add(Load1());
            var uptimeEnd = Uptime();
            Console.WriteLine($"uptime at end: {uptimeEnd}");

            var floor = CryptoFloor.Mean(floorBefore, floorAfter);
            phases[0] = phases[0] with { Floor = floor.BlindA };
            phases[1] = phases[1] with { Floor = floor.BlindB };
            phases[2] = phases[2] with { Floor = floor.ReblindByB };
            phases[3] = phases[3] with { Floor = floor.ReblindByA };
            var total = new Phase("Total (five cosell runs)", runs.Sum(r => r.Run.Seconds), phases.Sum(p => p.CliCpu), phases.Sum(p => p.NodeCpu), phases.Sum(p => p.PgCpu), 2L * n, floor.Total);

            var table = Table(phases, total);
            Console.WriteLine();
            Console.WriteLine(table);
            Console.WriteLine($"floor (mean of before and after): blind A {floor.BlindA.Seconds:F2} s, blind B {floor.BlindB.Seconds:F2} s, re-blind by B {floor.ReblindByB.Seconds:F2} s, re-blind by A {floor.ReblindByA.Seconds:F2} s; " +
                              $"before {floorBefore.Total.Seconds:F2} s / {floorBefore.Total.CpuSeconds:F2} CPU-s, after {floorAfter.Total.Seconds:F2} s / {floorAfter.Total.CpuSeconds:F2} CPU-s");
            Console.WriteLine($"end to end / floor: {total.Seconds / floor.Total.Seconds:F2} × wall, {total.Cpu / floor.Total.CpuSeconds:F2} × CPU; " +
                              $"{2.0 * n / total.Seconds:N0} records/s end to end vs {2.0 * n / floor.Total.Seconds:N0} records/s floor; node working set {nodeMb:F0} MB");
            Console.WriteLine($"1-minute load average sampled at phase boundaries: min {loads.Min():F1}, mean {loads.Average():F1}, max {loads.Max():F1}");

            var profile = Profile(node, runs, pg);
            if (o.Keep)
            {
                await File.WriteAllLinesAsync(Path.Combine(work, "node.log"), node.Lines().Select(l => $"{Stopwatch.GetElapsedTime(runs[0].Run.Started, l.At).TotalSeconds,9:F3} {l.Line}"));
                await File.WriteAllTextAsync(Path.Combine(work, "postgres.log"), pg.LogText());
                foreach (var (label, run, samples) in runs)
                    await File.AppendAllLinesAsync(Path.Combine(work, "cosell.log"), [$"--- {label}: started at {Stopwatch.GetElapsedTime(runs[0].Run.Started, run.Started).TotalSeconds:F3} s",
                        .. run.Stderr.Select(l => $"{Stopwatch.GetElapsedTime(runs[0].Run.Started, l.At).TotalSeconds,9:F3} {l.Line}"),
                        .. samples.Select(x => $"  sample {Stopwatch.GetElapsedTime(runs[0].Run.Started, x.At).TotalSeconds,9:F3} cosell {x.Cli.TotalSeconds:F2} node {x.Node.TotalSeconds:F2} pg {x.Pg.TotalSeconds:F2} CPU-s")]);
            }
            Console.WriteLine();
            Console.WriteLine(profile);

            var markdown = Markdown(o, started, uptimeStart, uptimeEnd, loads, phases, total, floorBefore, floorAfter, nodeMb, table);
            Console.WriteLine();
            Console.WriteLine(markdown);
            if (o.Markdown is not null) await File.WriteAllTextAsync(o.Markdown, markdown + "\n" + profile + "\n");
            return 0;
        }
        finally
        {
            if (o.Keep) Console.WriteLine($"kept {work}");
            else Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>What a sync reported for the one partnership: records added, and the partner's points re-blinded.</summary>
    private static void Expect(CliRun run, int added, int reblinded, string what)
    {
        var list = run.Json();
        if (list.GetArrayLength() != 1) throw new InvalidOperationException($"{what}: expected one partnership.\n{run.Stdout}");
        var result = list[0];
        if (result.GetProperty("added").GetInt32() != added || result.GetProperty("reblinded").GetInt64() != reblinded)
            throw new InvalidOperationException($"{what}: expected {added} added and {reblinded} re-blinded.\n{run.Stdout}");
    }

    private static void CheckOverlaps(CliRun run, HashSet<string> planted, string side)
    {
        var keys = run.Json().EnumerateArray().Select(e => e.GetProperty("matchKey").GetString()!).ToList();
        var set = keys.ToHashSet(StringComparer.Ordinal);
        if (keys.Count != planted.Count || !set.SetEquals(planted))
            throw new InvalidOperationException($"{side}'s overlaps: {keys.Count} listed ({set.Count} distinct), {planted.Count} planted; " +
                                                $"{set.Except(planted).Count()} unexpected, {planted.Except(set).Count()} missing, e.g. {string.Join(", ", planted.Except(set).Take(5))}");
    }

    private static string Table(List<Phase> phases, Phase total)
    {
        var t = new StringBuilder();
        t.AppendLine("| Phase | Wall s | Records/s | CPU-s cosell | CPU-s node | CPU-s PostgreSQL | Cores busy | Floor s | × floor | Floor CPU-s | × floor CPU |");
        t.AppendLine("|-------|-------:|----------:|-------------:|-----------:|-----------------:|-----------:|--------:|--------:|------------:|------------:|");
        foreach (var p in phases.Append(total))
        {
            var b = p == total ? "**" : "";
            var noCpu = p.Note == "CPU in the row above";
            string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
            string Cpu(double v) => noCpu ? "" : F(v);
            t.Append(CultureInfo.InvariantCulture, $"| {b}{p.Name}{b} | {b}{F(p.Seconds)}{b} | {(p.Records / p.Seconds).ToString("N0", CultureInfo.InvariantCulture)} | ")
             .Append(CultureInfo.InvariantCulture, $"{Cpu(p.CliCpu)} | {Cpu(p.NodeCpu)} | {Cpu(p.PgCpu)} | {Cpu(p.Cpu / p.Seconds)} | ")
             .Append(p.Floor is { } f ? $"{F(f.Seconds)} | {b}{F(p.Seconds / f.Seconds)}{b} | {F(f.CpuSeconds)} | {b}{F(p.Cpu / f.CpuSeconds)}{b}" : " |  |  | ")
             .AppendLine(" |");
        }
        return t.ToString().TrimEnd();
    }

    /// <summary>Where the node's time went (its request log, per cosell run) and PostgreSQL's slow statements.</summary>
    private static string Profile(NodeProcess node, List<(string Label, CliRun Run, List<Sample> Samples)> runs, PostgresWatch pg)
    {
        var text = new StringBuilder("node time per request kind (its request log: time from request start to response end), per cosell run:\n");
        var lines = node.Lines();
        foreach (var (label, run, _) in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {label} ({run.Seconds:F2} s):");
            var requests = NodeProcess.Finished(lines.Where(l => l.At >= run.Started && l.At <= run.Ended)).ToList();
            foreach (var g in requests.GroupBy(r => r.Kind).OrderByDescending(g => g.Sum(r => r.Milliseconds)))
                text.AppendLine(CultureInfo.InvariantCulture, $"    {g.Sum(r => r.Milliseconds) / 1000,8:F2} s  {g.Count(),4} × {g.Key}  (max {g.Max(r => r.Milliseconds):F0} ms)");
        }
        var slow = pg.SlowStatements();
        text.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL statements of the run's database that took at least the --slow-ms threshold: {slow.Count}");
        foreach (var g in slow.GroupBy(st => st.Kind).OrderByDescending(g => g.Sum(st => st.Milliseconds)).Take(15))
            text.AppendLine(CultureInfo.InvariantCulture, $"    {g.Sum(st => st.Milliseconds) / 1000,8:F2} s  {g.Count(),4} × {g.Key}  (max {g.Max(st => st.Milliseconds):F0} ms)");
        return text.ToString().TrimEnd();
    }

    private static string Markdown(Options o, DateTimeOffset started, string uptimeStart, string uptimeEnd, List<double> loads, List<Phase> phases, Phase total,
        CryptoFloor before, CryptoFloor after, double nodeMb, string table)
    {
        var n = o.Size;
        var floor = total.Floor!.Value;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### {n:N0} × {n:N0}, {started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {Cpu()}, {Environment.ProcessorCount} CPUs; .NET {Environment.Version}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Load: `uptime` at start `{uptimeStart}`, at end `{uptimeEnd}`; 1-minute load average at phase boundaries min {loads.Min():F1}, mean {loads.Average():F1}, max {loads.Max():F1}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Sizes: {n:N0} accounts per side, {(int)Math.Round(n * o.Overlap):N0} shared ({o.Overlap:P0}); all customers, shared at level overlaps both ways.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Floor, before the run: {before.Total.Seconds:F2} s ({before.Total.CpuSeconds:F2} CPU-s); after: {after.Total.Seconds:F2} s ({after.Total.CpuSeconds:F2} CPU-s); the table uses the mean.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **End to end {total.Seconds:F2} s = {total.Seconds / floor.Seconds:F2} × the floor ({floor.Seconds:F2} s)**; in CPU time {total.Cpu:F2} CPU-s = {total.Cpu / floor.CpuSeconds:F2} × the floor's {floor.CpuSeconds:F2}; " +
                      $"{2.0 * n / total.Seconds:N0} records/s end to end. Node working set at the end {nodeMb:F0} MB.");
        var overlap = o.Overlap != 0.2 ? $" --overlap {o.Overlap.ToString(CultureInfo.InvariantCulture)}" : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"- Command (from `tests/CoSellNet.Benchmarks`): `dotnet run -c Release -- mapping --size {n}{overlap}`");
        md.AppendLine();
        md.Append(table);
        return md.ToString();
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static double Arg(string[] args, string name, double fallback) =>
        Value(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Load1()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
    }

    private static string Uptime()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception) { return "load average: " + File.ReadAllText("/proc/loadavg").Trim(); }
    }

    private static string Cpu()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("lscpu") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var model = process.StandardOutput.ReadToEnd().Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal));
            process.WaitForExit();
            if (model is not null) return $"`{model.Split(':', 2)[1].Trim()}` (lscpu)";
        }
        catch (System.ComponentModel.Win32Exception) { }
        return "unknown CPU";
    }

    [GeneratedRegex(@"Request starting \S+ GET \S+/psi/tasks(?:\s|$)")]
    private static partial Regex TaskRequest();

    [GeneratedRegex(@"Released overlaps .* in (\d+(?:\.\d+)?) ms")]
    private static partial Regex ReleaseLine();
}
