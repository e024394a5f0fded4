using System.Diagnostics;
using System.Globalization;
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
/// <c>cosell sync</c> (re-blind B's points), then the node's release, awaited on its log: inside the
/// request that brings the last tags, or in the background, where the time from the end of A's sync
/// to the release is a phase of the total; each side's <c>cosell overlaps -o json</c> (fetch and
/// resolve locally), checked against the planted overlap.</item>
/// </list>
/// Wall clock, and CPU time of cosell, the node and PostgreSQL per phase (<see cref="RunSampler"/>);
/// the server's memory peaks (<see cref="ServerMemory"/>); the node's own time per request kind,
/// the upload rate it and PostgreSQL's COPY reached, and PostgreSQL's statements say where the time
/// went; <c>cosell --help</c> before the timed part gives the fixed cost of a cosell start.
/// </summary>
internal static partial class MappingBenchmark
{
    private sealed record Options(int Size, double Overlap, int Seed, int SlowMs, string? Markdown, bool Keep, int WarmUp);

    /// <summary>A row of the table; <paramref name="FloorOf"/> picks its share of the floor, which is measured last.</summary>
    private sealed record Phase(string Name, double Seconds, double CliCpu, double NodeCpu, double PgCpu, long Records, Func<CryptoFloor, Timed>? FloorOf, string? Note = null)
    {
        public Timed? Floor { get; init; }
        public double Cpu => CliCpu + NodeCpu + PgCpu;
    }

    private const string InRowAbove = "CPU in the row above";

    /// <summary>
    /// PostgreSQL logs every statement of the run's database by default: the COPY rate needs all the
    /// COPYs, and the run makes few enough statements (hundreds, per chunk and request, not per record)
    /// that logging them costs PostgreSQL no measurable CPU (10k × 10k: 738 statements, 0.98 CPU-s
    /// against 1.02 with only those over 100 ms logged).
    /// </summary>
    private const int DefaultSlowMs = 0;

    public static int Run(string[] args)
    {
        var options = new Options(
            (int)Arg(args, "--size", 100_000),
            Arg(args, "--overlap", 0.2),
            (int)Arg(args, "--seed", 20261125),
            (int)Arg(args, "--slow-ms", DefaultSlowMs),
            Value(args, "--markdown"),
            args.Contains("--keep"),
            (int)Arg(args, "--warm-up", 2_000));
        if (options.Size < 10 || options.Overlap is <= 0 or > 1 || options.SlowMs < 0 || options.WarmUp is < 0 or (> 0 and < 10))
        {
            Console.Error.WriteLine("usage: mapping [--size N] [--overlap 0.2] [--seed S] [--slow-ms 0] [--warm-up 2000] [--markdown FILE] [--keep]");
            return 2;
        }
        return RunAsync(options).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(Options o)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var cosellProgram = CosellBuild.Publish(configuration);
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
            Console.WriteLine($"node {node.Url} up (pid {node.Pid}); PostgreSQL postmaster pid {pg.Postmaster}, shared_buffers {pg.SharedBuffers}");

            var (a, aId, b, bId) = await Partners(node, cosellProgram, work, ("a", "Aldervane Systems"), ("b", "Brisklet Partners"));
            Console.WriteLine($"partners {aId} (A) and {bId} (B), partnership active, customers shared at level overlaps both ways");

            // A node in service has run every request path before: warm this one with a small mapping
            // between two other partners, so the timed part measures steady work, not the node's JIT
            // (cosell is a new process each run and stays cold: that cost is real and is measured).
            if (o.WarmUp > 0) await WarmUp(node, cosellProgram, Path.Combine(work, "warm-up"), o.WarmUp, o.Seed);

            // The fixed cost of starting cosell, which the timed part pays five times.
            var starts = new List<CliRun>();
            for (var i = 0; i < 3; i++) starts.Add((await a.Run("--help")).Ok());
            var startup = new Timed(starts.Average(r => r.Seconds), starts.Average(r => r.Cpu.TotalSeconds));
            Console.WriteLine($"cosell --help, 3 runs: {startup.Seconds:F2} s wall, {startup.CpuSeconds:F2} CPU-s each on average");
            await node.Settle();

            var phases = new List<Phase>();
            var runs = new List<(string Label, CliRun Run)>();
            // Whatever garbage the exports and the floor left is collected now, not by a collection in the middle of a timed run.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            var harnessCpu = Environment.CpuUsage.TotalTime;
            await using var sampler = new RunSampler(() => a.RunningPid > 0 ? a.RunningPid : b.RunningPid, node, pg, new ServerMemory(node.Pid));
            sampler.Start();
            async Task<(CliRun Run, List<Sample> Samples)> Command(string label, Cosell cli, params string[] args)
            {
                Console.Write($"  {label} ... ");
                var ownCpu = Environment.CpuUsage.TotalTime;
                var run = await cli.Run(args);
                var end = sampler.Read(0) with { At = run.Ended, CliPid = run.Pid, Cli = run.Cpu };
                run.Ok();
                Console.WriteLine($"{run.Seconds:F2} s (this process meanwhile: {(Environment.CpuUsage.TotalTime - ownCpu).TotalSeconds:F2} CPU-s)");
                runs.Add((label, run));
                loads.Add(Load1());
                return (run, sampler.Window(sampler.At(run.Started), end, run.Pid));
            }
            Phase Measured(string name, List<Sample> samples, long from, long to, long records, Func<CryptoFloor, Timed>? floorOf, string? note = null)
            {
                var (x, y) = (Sample.Interpolate(samples, from), Sample.Interpolate(samples, to));
                return new Phase(name, Stopwatch.GetElapsedTime(from, to).TotalSeconds, (y.Cli - x.Cli).TotalSeconds, (y.Node - x.Node).TotalSeconds, (y.Pg - x.Pg).TotalSeconds, records, floorOf, note);
            }

            Console.WriteLine("timed:");
            // 1. A imports, blinds and uploads. B has uploaded nothing, so A has nothing to re-blind.
            var (syncA, sa) = await Command("A: cosell sync partner-a-accounts.csv", a, "sync", exportA.Path, "-o", "json");
            Expect(syncA, n, 0, "A's first sync");
            phases.Add(Measured("A: import + blind + upload", sa, syncA.Started, syncA.Ended, n, f => f.BlindA));
            var uploads = new List<UploadWindow> { new("A", syncA.Started, syncA.Ended, n) };

            // 2. B imports, blinds and uploads, then re-blinds A's points: split where the node logged B's
            // first request for a task, if that came after B's upload was over; a client that overlaps the
            // two gets one row, against both parts of the floor.
            var (syncB, sb) = await Command("B: cosell sync partner-b-accounts.csv", b, "sync", exportB.Path, "-o", "json");
            Expect(syncB, n, n, "B's first sync");
            await node.Settle();
            var inB = node.Lines().Where(l => l.At >= syncB.Started && l.At <= syncB.Ended).ToList();
            var split = inB.Where(l => TaskRequest().IsMatch(l.Line)).Select(l => (long?)l.At).FirstOrDefault();
            var uploaded = NodeProcess.Finished(inB).Where(r => r.Path.Contains("/psi/uploads", StringComparison.Ordinal)).Select(r => (long?)r.At).Max();
            if (split is { } at && (uploaded is null || uploaded <= at))
            {
                phases.Add(Measured("B: import + blind + upload", sb, syncB.Started, at, n, f => f.BlindB));
                phases.Add(Measured("B: re-blind A's points", sb, at, syncB.Ended, n, f => f.ReblindByB));
            }
            else
                phases.Add(Measured("B: import + blind + upload + re-blind A's points", sb, syncB.Started, syncB.Ended, 2L * n, f => f.BlindB + f.ReblindByB,
                    split is null ? "no GET .../psi/tasks in B's sync to split at" : "B's upload and re-blind overlapped"));
            uploads.Add(new UploadWindow("B", syncB.Started, uploaded ?? syncB.Ended, n));

            // 3. A re-blinds B's points; the node intersects when the last tags are in: inside that request
            // (the node as it was), or in the background after it returned, which the total must then wait for.
            var (syncA2, sa2) = await Command("A: cosell sync", a, "sync", "-o", "json");
            Expect(syncA2, 0, n, "A's second sync");
            var release = await Release(node, sampler, syncA2, sa2[^1], n, shared);
            phases.Add(Measured("A: re-blind B's points", sa2, syncA2.Started, syncA2.Ended, n, f => f.ReblindByA) with { Seconds = syncA2.Seconds - release.InsideSeconds });
            phases.Add(release.Inside
                ? new Phase("release (node: intersect, store matches)", release.InsideSeconds, 0, 0, 0, 2L * n, null, InRowAbove)
                : Measured("release (node, after A's sync ended)", release.Samples, syncA2.Ended, release.End, 2L * n, null));

            // 4. Each side fetches its overlaps and resolves them to its own accounts.
            var (overlapsA, oa) = await Command("A: cosell overlaps -o json", a, "overlaps", "-o", "json");
            var (overlapsB, ob) = await Command("B: cosell overlaps -o json", b, "overlaps", "-o", "json");
            phases.Add(Measured("A: overlaps fetch + resolve", oa, overlapsA.Started, overlapsA.Ended, shared, null));
            phases.Add(Measured("B: overlaps fetch + resolve", ob, overlapsB.Started, overlapsB.Ended, shared, null));
            harnessCpu = Environment.CpuUsage.TotalTime - harnessCpu;
            await sampler.DisposeAsync();
            var nodeHwm = sampler.Memory.NodeHwm();
            CheckOverlaps(overlapsA, planted, "A");
            CheckOverlaps(overlapsB, planted, "B");
            Console.WriteLine($"checked: each side's `cosell overlaps` lists exactly the {shared:N0} planted companies");
            await node.Settle();

            Console.Write("crypto floor (after) ... ");
            var floorAfter = CryptoFloor.Measure(exportA.Keys, exportB.Keys);
            Console.WriteLine($"{floorAfter.Total.Seconds:F2} s wall, {floorAfter.Total.CpuSeconds:F2} CPU-s");
            loads.Add(Load1());
            var uptimeEnd = Uptime();
            Console.WriteLine($"uptime at end: {uptimeEnd}");

            var floor = CryptoFloor.Mean(floorBefore, floorAfter);
            phases = [.. phases.Select(p => p.FloorOf is null ? p : p with { Floor = p.FloorOf(floor) })];
            var total = new Phase("Total (five cosell runs + release after them)", runs.Sum(r => r.Run.Seconds) + release.AfterSeconds,
                phases.Sum(p => p.CliCpu), phases.Sum(p => p.NodeCpu), phases.Sum(p => p.PgCpu), 2L * n, null) { Floor = floor.Total };

            var report = new Report(o, started, uptimeStart, uptimeEnd, loads, phases, total, floorBefore, floorAfter, startup, release,
                sampler.Memory, nodeHwm, pg.SharedBuffers, harnessCpu, UploadRates(node, pg, uploads));
            var table = Table(phases, total);
            Console.WriteLine();
            Console.WriteLine(table);
            Console.WriteLine($"floor (mean of before and after): blind A {floor.BlindA.Seconds:F2} s, blind B {floor.BlindB.Seconds:F2} s, re-blind by B {floor.ReblindByB.Seconds:F2} s, re-blind by A {floor.ReblindByA.Seconds:F2} s; " +
                              $"before {floorBefore.Total.Seconds:F2} s / {floorBefore.Total.CpuSeconds:F2} CPU-s, after {floorAfter.Total.Seconds:F2} s / {floorAfter.Total.CpuSeconds:F2} CPU-s");
            Console.WriteLine($"end to end / floor: {total.Seconds / floor.Total.Seconds:F2} × wall, {total.Cpu / floor.Total.CpuSeconds:F2} × CPU; " +
                              $"{2.0 * n / total.Seconds:N0} records/s end to end vs {2.0 * n / floor.Total.Seconds:N0} records/s floor");
            foreach (var note in Notes(report)) Console.WriteLine(note);
            Console.WriteLine($"1-minute load average sampled at phase boundaries: min {loads.Min():F1}, mean {loads.Average():F1}, max {loads.Max():F1}");

            var profile = Profile(node, runs, pg, o.SlowMs);
            if (o.Keep) await Keep(work, node, pg, runs, sampler.All());
            Console.WriteLine();
            Console.WriteLine(profile);

            var markdown = Markdown(report, table);
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

    /// <summary>When and where the node released the overlaps of A's second sync (its "Released overlaps" line), and the part of it the total waits for.</summary>
    private sealed record ReleaseTiming(bool Inside, double NodeSeconds, long End, double InsideSeconds, double AfterSeconds, long Matches, List<Sample> Samples);

    /// <summary>
    /// Waits for the node's release line (woken by the node's log, no sleeping). The node as it was
    /// released inside the request that brought the last tags (its line comes before that request's
    /// "Request finished"): then the release is taken out of A's re-blind time, as before, and nothing
    /// comes after A's sync. A node that stores the tags, answers, and releases in the background may
    /// finish after A's cosell has exited: the time from the end of A's sync to the release line is a
    /// phase of its own, with the node's and PostgreSQL's CPU sampled meanwhile.
    /// </summary>
    private static async Task<ReleaseTiming> Release(NodeProcess node, RunSampler sampler, CliRun syncA2, Sample endOfSync, int n, int shared)
    {
        Console.Write("  release (the node's log) ... ");
        // Hours at 1M × 1M would be a broken node, not a slow one; the wait still ends if the node exits.
        var timeout = TimeSpan.FromMinutes(Math.Max(10, n / 10_000.0));
        var (end, line) = await node.WaitFor(syncA2.Started, l => ReleaseLine().Match(l) is { Success: true } m ? m : null, timeout);
        var arrived = sampler.Read(0);
        var version = int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        var matches = long.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        var seconds = double.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture) / 1000;
        if (version < 1) throw new InvalidOperationException($"The node released version {version}: {line.Value}");
        // A release logged before A's sync ended may have been inside its last tags request: that
        // request's "Request finished" line says so, and the console logger may not have printed it yet.
        if (end <= syncA2.Ended) await node.Settle();
        var lastTags = NodeProcess.Finished(node.Lines().Where(l => l.At >= syncA2.Started && l.At <= syncA2.Ended))
            .Where(r => r.Path.EndsWith("/tags", StringComparison.Ordinal)).Select(r => (long?)r.At).Max();
        var inside = lastTags is { } t && end <= t;
        var after = inside ? 0 : Math.Max(0, Stopwatch.GetElapsedTime(syncA2.Ended, end).TotalSeconds);
        var samples = sampler.Window(endOfSync with { Cli = TimeSpan.Zero }, arrived, cliPid: 0);
        Console.WriteLine($"{matches:N0} matches ({shared:N0} planted), the node's {seconds:F2} s " +
                          (inside ? "inside A's last tags request" : $"in the background, logged {after:F2} s after A's sync ended"));
        return new ReleaseTiming(inside, seconds, Math.Max(end, syncA2.Ended), inside ? seconds : 0, after, matches, samples);
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

    // ---- helpers -----------------------------------------------------------------------------

    /// <summary>
    /// A vendor and a service partner, each with its own cosell (config and master secret), in an
    /// active partnership that shares customers at level overlaps both ways.
    /// </summary>
    private static async Task<(Cosell Vendor, string VendorId, Cosell Partner, string PartnerId)> Partners(
        NodeProcess node, string cosellProgram, string directory, (string Home, string Name) vendor, (string Home, string Name) partner)
    {
        var v = new Cosell(vendor.Home, cosellProgram, Path.Combine(directory, vendor.Home));
        var p = new Cosell(partner.Home, cosellProgram, Path.Combine(directory, partner.Home));
        var (vId, vKey) = await node.AddPartner(vendor.Name, PartnerType.Vendor);
        var (pId, pKey) = await node.AddPartner(partner.Name, PartnerType.Service);
        foreach (var (cli, key) in new[] { (v, vKey), (p, pKey) })
        {
            (await cli.Run("config", "set", "--url", node.Url.ToString(), "--key", key)).Ok();
            (await cli.Run("secret", "init", "-o", "json")).Ok();
        }
        (await v.Run("partnerships", "propose", pId, "--motion", "co-sell", "--rule", "customers=overlaps")).Ok();
        (await p.Run("partnerships", "accept", vId, "--motion", "co-sell", "--rule", "customers=overlaps")).Ok();
        return (v, vId, p, pId);
    }

    /// <summary>
    /// Small syncs after the warm-up mapping: past the 30 calls after which the runtime compiles a
    /// method optimized. Each adds accounts of registrable domains of their own (until session 10
    /// they were subdomains of example.com, one match key, so only the first round uploaded anything
    /// and the chunk, commit and task paths were compiled again in the timed part).
    /// </summary>
    private const int WarmUpRounds = 32;

    private static async Task WarmUp(NodeProcess node, string cosellProgram, string directory, int size, int seed)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        var (exportC, exportD, _) = CrmExport.Write(directory, size, size / 5, seed + 1);
        var (c, _, d, _) = await Partners(node, cosellProgram, directory, ("c", "Warm-up Vendor"), ("d", "Warm-up Partner"));
        (await c.Run("sync", exportC.Path, "-o", "json")).Ok();
        (await d.Run("sync", exportD.Path, "-o", "json")).Ok();
        (await c.Run("sync", "-o", "json")).Ok();
        // The release runs after C's last tags request; overlaps are read once it is out.
        for (var i = 0; i < 600 && (await c.Run("overlaps", "-o", "json")).Ok().Json().GetArrayLength() == 0; i++) await Task.Delay(100);
        (await d.Run("overlaps", "-o", "json")).Ok();
        // That mapping sends one chunk and one task each way, so the per-request paths (a chunk, a
        // commit, a task's points and tags, a release) would stay under the runtime's 30 calls before
        // a method is compiled optimized, and be compiled in the timed part instead: a one-time cost
        // that a node in service paid long ago. So C adds a few accounts and D re-blinds them, again.
        for (var round = 0; round < WarmUpRounds; round++)
        {
            await File.AppendAllTextAsync(exportC.Path, string.Concat(Enumerable.Range(0, 20).Select(i =>
                $"\"Warm-up {round}-{i}\",\"https://warm-up-{round}-{i}.com/\",\"Customer\"\r\n")));
            (await c.Run("sync", exportC.Path, "-o", "json")).Ok();
            (await d.Run("sync", "-o", "json")).Ok();
        }
        await node.Settle();
        var quiet = await node.Quiet();
        Console.WriteLine($"node warmed up: a {size:N0} × {size:N0} mapping between two other partners and {WarmUpRounds} small syncs each in {clock.Elapsed.TotalSeconds:F1} s, " +
            $"then idle after {quiet.TotalSeconds:F1} s (--warm-up 0 to skip)");
    }

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

    [GeneratedRegex(@"Released overlaps .*, version (\d+): (\d+) matches in (\d+(?:\.\d+)?) ms")]
    private static partial Regex ReleaseLine();
}
