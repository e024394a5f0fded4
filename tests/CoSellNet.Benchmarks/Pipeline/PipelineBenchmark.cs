using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo;
using CoSellNet.Silo.Pipeline;
using CoSellNet.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Benchmarks.Pipeline;

/// <summary>
/// The <c>pipeline</c> verb. Part 1 folds every change of N rooms (default 100,000, several
/// changes each) into a <see cref="PipelineTotals"/> the way <see cref="PipelineGrain"/> does
/// (subtract the room's previous contribution, add the new one) and reports events/s; the
/// baseline in the same run is the from-scratch fold of the rooms' final facts (what the grain
/// does at activation), reported as rooms/s, and the two results are checked equal. Part 2 runs
/// each report query straight on those totals (the computation alone), then puts the rooms' facts
/// in PostgreSQL, activates the vendor's grain in a real in-process silo on that database, and
/// measures report latency (p50/p99) from one client running the queries back to back, first idle
/// (the baseline), then while writers send room changes through
/// <see cref="IPipelineGrain.RoomChanged"/> (each a PostgreSQL upsert) at a fixed rate.
/// Options: --rooms N, --repeats R (fold runs), --seconds S (per phase), --writers W, --rate R (changes/s).
/// </summary>
internal static partial class PipelineBenchmark
{
    private sealed record Options(int Rooms, int Repeats, int Seconds, int Writers, int Rate);

    private static readonly PipelineSettings Settings = new("Europe/Berlin", "USD", new Dictionary<string, decimal> { ["EUR"] = 1.08m, ["GBP"] = 1.27m }, 30);

    public static int Run(string[] args)
    {
        var options = new Options(Arg(args, "--rooms", 100_000), Arg(args, "--repeats", 5), Arg(args, "--seconds", 120), Arg(args, "--writers", 4), Arg(args, "--rate", 50));
        Console.WriteLine($"pipeline benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}Z: {options.Rooms:N0} rooms, {Environment.ProcessorCount} CPUs ({Cpu()}), " +
                          $"load average {Load()}, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
        var data = Timed("generate changes", () => new RoomChanges(options.Rooms));
        Console.WriteLine($"{data.Changes.Length:N0} changes of {data.Latest.Count:N0} rooms ({(double)data.Changes.Length / data.Latest.Count:F1} per room), {data.Partners.Length} partners");
        var totals = Fold(data, options);
        var costs = Costs(data);
        Direct(data, totals, costs);
        Live(data, costs, options).GetAwaiter().GetResult();
        return 0;
    }

    // ---- part 1: folding ------------------------------------------------------------------

    private static PipelineTotals Fold(RoomChanges data, Options options)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var halfLife = TimeSpan.FromDays(30);
        var latest = data.Latest.Values.ToList();
        PipelineTotals? incremental = null, scratch = null;

        // Incremental: the grain's RoomChanged without the store write.
        void Incremental()
        {
            var rooms = new Dictionary<string, RoomFacts>(StringComparer.Ordinal);
            var totals = new PipelineTotals();
            foreach (var facts in data.Changes)
            {
                if (rooms.TryGetValue(facts.RoomId, out var old)) totals.Add(Contributions.Of(old, zone, halfLife), -1);
                totals.Add(Contributions.Of(facts, zone, halfLife), +1);
                rooms[facts.RoomId] = facts;
            }
            incremental = totals;
        }
        void Scratch() => scratch = PipelineTotals.FromScratch(latest, zone, halfLife);

        Incremental(); // warm-up
        Scratch();
        var inc = new List<(double Wall, double Cpu)>();
        var base_ = new List<(double Wall, double Cpu)>();
        for (var i = 0; i < options.Repeats; i++)
        {
            // Alternate the order, so a trend in the machine's load favours neither.
            if (i % 2 == 0) { inc.Add(Measure(Incremental)); base_.Add(Measure(Scratch)); }
            else { base_.Add(Measure(Scratch)); inc.Add(Measure(Incremental)); }
        }
        var same = incremental!.Count == scratch!.Count && incremental.All(kv => scratch.TryGetValue(kv.Key, out var v) && v == kv.Value);
        Console.WriteLine();
        Console.WriteLine($"Fold, {options.Repeats} runs each, median (min) — rates by wall time and by thread CPU time; totals keys: {scratch.Count:N0}; incremental = from scratch: {same}");
        Console.WriteLine("| fold | work | wall s | events or rooms/s (wall) | thread CPU s | /s (CPU) | µs each (CPU) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Row("incremental (RoomChanged)", data.Changes.Length, "changes", inc);
        Row("from scratch (baseline)", latest.Count, "rooms", base_);
        var incPer = Median(inc.Select(x => x.Cpu)) / data.Changes.Length;
        var basePer = Median(base_.Select(x => x.Cpu)) / latest.Count;
        Console.WriteLine($"One change costs {incPer / basePer:F2}× folding one room from scratch (it subtracts the old contribution and adds the new); " +
                          $"re-folding all rooms on every change instead would cost {basePer * latest.Count * 1e3:F0} ms per change.");
        if (!same) throw new InvalidOperationException("The incremental totals differ from the fold from scratch.");
        return scratch;
    }

    private static void Row(string name, int work, string unit, List<(double Wall, double Cpu)> runs)
    {
        var wall = runs.Select(r => r.Wall).ToList();
        var cpu = runs.Select(r => r.Cpu).ToList();
        Console.WriteLine($"| {name} | {work:N0} {unit} | {Median(wall):F2} ({wall.Min():F2}) | {work / Median(wall):N0} ({work / wall.Min():N0}) | " +
                          $"{Median(cpu):F2} ({cpu.Min():F2}) | {work / Median(cpu):N0} ({work / cpu.Min():N0}) | {Median(cpu) / work * 1e6:F1} |");
    }

    private static (double Wall, double Cpu) Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu = ThreadCpuNanoseconds();
        var wall = Stopwatch.GetTimestamp();
        action();
        return (Stopwatch.GetElapsedTime(wall).TotalSeconds, (ThreadCpuNanoseconds() - cpu) / 1e9);
    }

    // ---- part 2: a live grain under load --------------------------------------------------

    /// <summary>A report query: run on the grain, or straight on the totals (the grain's own code, no grain, no load).</summary>
    private sealed record Query(string Name, Func<IPipelineGrain, Task> OnGrain, Func<PipelineTotals, IReadOnlyList<PartnerCost>, object> OnTotals);

    private static Query[] Queries(RoomChanges data)
    {
        var partner = data.Partners[17];
        var quarter = new PipelineFilter { From = new DateOnly(2025, 10, 1), To = new DateOnly(2025, 12, 31) };
        PipelineFilter ecosystemQuarter = quarter with { Stage = "propose" }, linear = new() { Model = AttributionModel.Linear },
            partnerQuarter = quarter with { Partner = partner.PartnerId, Currency = "EUR" }, all = new(), mine = new() { Partner = partner.PartnerId };
        return
        [
            new("ecosystem", g => g.Ecosystem(all), (t, _) => PipelineReports.Ecosystem(t, all, Settings)),
            new("ecosystem, one stage and quarter", g => g.Ecosystem(ecosystemQuarter), (t, _) => PipelineReports.Ecosystem(t, ecosystemQuarter, Settings)),
            new("revenue, linear", g => g.Revenue(linear), (t, _) => PipelineReports.Revenue(t, linear, Settings)),
            new("revenue, one partner, quarter, EUR", g => g.Revenue(partnerQuarter), (t, _) => PipelineReports.Revenue(t, partnerQuarter, Settings)),
            new("ropi, linear", g => g.Ropi(linear), (t, c) => PipelineReports.Ropi(t, c, linear, Settings)),
            new("co-sell", g => g.CoSell(all), (t, _) => PipelineReports.CoSell(t, all, Settings)),
            new("a partner's own scorecard", g => g.Scorecards(mine), (t, _) =>
                PipelineReports.ScorecardOf(t.ByPartner([(CoSellNet.Silo.Pipeline.Measure.Revenue, mine.Model), (CoSellNet.Silo.Pipeline.Measure.Touch, default), (CoSellNet.Silo.Pipeline.Measure.Attached, default), (CoSellNet.Silo.Pipeline.Measure.Pipeline, default)], p => p == partner.PartnerId).GetValueOrDefault(partner.PartnerId) ?? new PipelineTotals(), partner.PartnerId, partner.Type, mine, Settings)),
        ];
    }

    /// <summary>The vendor's partner costs: 200, as the live grain gets them.</summary>
    private static List<PartnerCost> Costs(RoomChanges data)
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, 200).Select(i => new PartnerCost($"cost-{i:D3}", data.Partners[random.Next(data.Partners.Length)].PartnerId, "mdf",
            random.Next(1, 50) * 1_000m, "USD", new DateOnly(2025, 1, 1).AddDays(random.Next(0, 700)), null, DateTimeOffset.UtcNow))];
    }

    /// <summary>Each query straight on the folded totals, on this thread: the computation alone (baseline for the grain's latencies).</summary>
    private static void Direct(RoomChanges data, PipelineTotals totals, List<PartnerCost> costs)
    {
        Console.WriteLine();
        Console.WriteLine($"Reports computed straight on the totals ({totals.Count:N0} keys), no grain, no load: 10 runs each after a warm-up");
        Console.WriteLine("| query | wall p50 ms | thread CPU p50 ms | CPU min ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var q in Queries(data))
        {
            q.OnTotals(totals, costs);
            var runs = Enumerable.Range(0, 10).Select(_ => Measure(() => q.OnTotals(totals, costs))).ToList();
            Console.WriteLine($"| {q.Name} | {Median(runs.Select(r => r.Wall * 1e3)):F1} | {Median(runs.Select(r => r.Cpu * 1e3)):F1} | {runs.Min(r => r.Cpu) * 1e3:F1} |");
        }
    }

    private static async Task Live(RoomChanges data, List<PartnerCost> costs, Options options)
    {
        var cs = await Timed("PostgreSQL database", () => PostgresServer.CreateDatabaseAsync("bench_pipeline"));
        await Timed($"COPY {data.Latest.Count:N0} rooms' facts into pipeline_rooms", () => Load(cs, data));

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), null, "bench-" + Guid.NewGuid().ToString("N")[..8], "cosellnet-bench");
            silo.AddCoSellNet(cs);
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IPipelineGrain>(RoomChanges.Vendor);
            await Timed("activate the grain (load the facts from PostgreSQL, fold from scratch)", () => grain.Settings());
            await Timed("set the time zone to Europe/Berlin and rates (fold again)", () => grain.SetSettings(Settings));
            foreach (var cost in costs)
                await grain.AddCost(new PartnerCostRequest(cost.PartnerId, cost.Kind, cost.Amount, cost.Currency, cost.Date));

            var queries = Queries(data);
            Console.WriteLine();
            var ecosystem = await grain.Ecosystem(new PipelineFilter());
            Console.WriteLine($"Live grain: {data.Latest.Count:N0} rooms, {ecosystem.Rooms:N0} open ecosystem rooms; one client runs the queries in turn, back to back, for {options.Seconds} s " +
                              $"idle, then for {options.Seconds} s while {options.Writers} writers send RoomChanged (each a PostgreSQL upsert) at {options.Rate}/s in all");

            foreach (var q in queries) await q.OnGrain(grain); // warm-up
            var idle = await Measure(grain, queries, TimeSpan.FromSeconds(options.Seconds), null);
            var loaded = await Measure(grain, queries, TimeSpan.FromSeconds(options.Seconds), (options.Writers, options.Rate, data));

            Console.WriteLine($"| query | idle p50 ms | idle p99 ms | under load p50 ms | under load p99 ms | n idle / loaded |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var q in queries.Select(q => q.Name).Append("all queries"))
            {
                var a = q == "all queries" ? idle.Latencies.Values.SelectMany(x => x).ToList() : idle.Latencies[q];
                var b = q == "all queries" ? loaded.Latencies.Values.SelectMany(x => x).ToList() : loaded.Latencies[q];
                Console.WriteLine($"| {q} | {Percentile(a, 0.5):F1} | {Percentile(a, 0.99):F1} | {Percentile(b, 0.5):F1} | {Percentile(b, 0.99):F1} | {a.Count} / {b.Count} |");
            }
            Console.WriteLine($"Writers: {loaded.Writes:N0} RoomChanged in {options.Seconds} s = {loaded.Writes / (double)options.Seconds:N1}/s (asked {options.Rate}/s), " +
                              $"each p50 {Percentile(loaded.WriteLatencies, 0.5):F1} ms, p99 {Percentile(loaded.WriteLatencies, 0.99):F1} ms");

            // Heavier, less frequent queries, idle: every scorecard; time-decay at another half-life (a fold for that query).
            foreach (var (name, run) in new (string, Func<Task>)[]
            {
                ($"all {data.Partners.Length} scorecards", () => grain.Scorecards(new PipelineFilter())),
                ("revenue, time-decay, half-life 90 (folded for the query)", () => grain.Revenue(new PipelineFilter { Model = AttributionModel.TimeDecay, HalfLifeDays = 90 })),
            })
            {
                var ms = new List<double>();
                for (var i = 0; i < 5; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await run();
                    ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                Console.WriteLine($"Idle, 5 runs: {name}: median {Median(ms):F0} ms, min {ms.Min():F0} ms");
            }
        }
        finally
        {
            await host.StopAsync();
            await PostgresServer.DropDatabaseAsync(cs);
        }
    }

    private sealed record Sample(Dictionary<string, List<double>> Latencies, long Writes, List<double> WriteLatencies);

    private static async Task<Sample> Measure(IPipelineGrain grain, Query[] queries, TimeSpan duration, (int Count, int Rate, RoomChanges Data)? writers)
    {
        using var stop = new CancellationTokenSource(duration);
        var writes = 0L;
        var writeLatencies = new List<double>();
        // Open loop: each writer sends at its share of the rate, whatever the grain is doing; late sends go at once.
        var writerTasks = Enumerable.Range(0, writers?.Count ?? 0).Select(w => Task.Run(async () =>
        {
            var (count, rate, data) = writers!.Value;
            var random = new Random(100 + w);
            var ids = data.Latest.Keys.ToArray();
            var interval = TimeSpan.FromSeconds((double)count / rate);
            var mine = new List<double>();
            var due = Stopwatch.GetTimestamp();
            while (!stop.IsCancellationRequested)
            {
                var id = ids[random.Next(ids.Length)];
                RoomFacts next;
                lock (data.Latest) next = data.Latest[id] = data.Next(data.Latest[id], random);
                var start = Stopwatch.GetTimestamp();
                await grain.RoomChanged(next);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Increment(ref writes);
                due += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    try { await Task.Delay(wait, stop.Token); }
                    catch (OperationCanceledException) { break; }
                }
                else due = Stopwatch.GetTimestamp();
            }
            lock (writeLatencies) writeLatencies.AddRange(mine);
        })).ToList();

        var latencies = queries.ToDictionary(q => q.Name, _ => new List<double>());
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var q = queries[i % queries.Length];
            var start = Stopwatch.GetTimestamp();
            await q.OnGrain(grain);
            latencies[q.Name].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        await Task.WhenAll(writerTasks);
        return new Sample(latencies, writes, writeLatencies);
    }

    /// <summary>Binary COPY of each room's latest facts, as <see cref="PipelineStore"/> stores them.</summary>
    private static async Task Load(string cs, RoomChanges data)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        await using var db = NpgsqlDataSource.Create(cs);
        await using var connection = await db.OpenConnectionAsync();
        await using var copy = await connection.BeginBinaryImportAsync("COPY pipeline_rooms (vendor, room, facts, updated_at) FROM STDIN (FORMAT BINARY)");
        var now = DateTimeOffset.UtcNow;
        foreach (var facts in data.Latest.Values)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(facts.VendorId, NpgsqlDbType.Text);
            await copy.WriteAsync(facts.RoomId, NpgsqlDbType.Text);
            await copy.WriteAsync(JsonSerializer.Serialize(facts, json), NpgsqlDbType.Jsonb);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
        }
        await copy.CompleteAsync();
    }

    // ---- helpers --------------------------------------------------------------------------

    private static T Timed<T>(string what, Func<T> run)
    {
        var start = Stopwatch.GetTimestamp();
        var result = run();
        Console.WriteLine($"{what}: {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return result;
    }

    private static async Task Timed(string what, Func<Task> run)
    {
        var start = Stopwatch.GetTimestamp();
        await run();
        Console.WriteLine($"{what}: {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
    }

    private static async Task<T> Timed<T>(string what, Func<Task<T>> run)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await run();
        Console.WriteLine($"{what}: {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return result;
    }

    private static double Median(IEnumerable<double> values) => Percentile(values.ToList(), 0.5);

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?" : "?";

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static long ThreadCpuNanoseconds()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() * (1_000_000_000 / Stopwatch.Frequency);
        if (clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var now) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
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
