using System.Diagnostics;
using System.Globalization;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// The <c>overlaps</c> verb: <c>cosell overlaps</c> alone, repeated, on a real release. The mapping's
/// last phase costs ~2 s at 1M × 1M but needs the whole mapping (minutes of crypto) to reach it; here
/// two partners map N × N accounts with a large share in common (200,000 × 200,000, all shared, by
/// default: the overlaps of the 1M run for a fifth of its crypto), then each side's
/// <c>cosell overlaps -o json</c> (and the table and CSV once each) runs several times, each checked
/// against the planted overlap. With <c>--hold FILE</c> the node and PostgreSQL stay up until FILE
/// exists, and the partners' config paths are printed: run a rebuilt cosell, or perf, against them.
/// </summary>
internal static partial class MappingBenchmark
{
    public static int RunOverlaps(string[] args)
    {
        var size = (int)Arg(args, "--size", 200_000);
        var overlap = Arg(args, "--overlap", 1.0);
        var runs = (int)Arg(args, "--runs", 5);
        var hold = Value(args, "--hold");
        if (size < 10 || overlap is <= 0 or > 1 || runs < 1)
        {
            Console.Error.WriteLine("usage: overlaps [--size N (200000)] [--overlap 1.0] [--runs 5] [--hold FILE]");
            return 2;
        }
        return RunOverlapsAsync(size, overlap, runs, hold).GetAwaiter().GetResult();
    }

    private static async Task<int> RunOverlapsAsync(int n, double overlap, int runs, string? hold)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var program = CosellBuild.Publish(configuration);
        NodeProcess.Dll(configuration);
        var shared = (int)Math.Round(n * overlap);
        var work = Directory.CreateTempSubdirectory("cosellnet-bench-overlaps-").FullName;
        try
        {
            var (exportA, exportB, planted) = CrmExport.Write(work, n, shared, 20261125);
            var cs = await PostgresServer.CreateDatabaseAsync("bench-overlaps");
            await using var node = await NodeProcess.StartAsync(cs, configuration);
            var (a, _, b, _) = await Partners(node, program, work, ("a", "Aldervane Systems"), ("b", "Brisklet Partners"));
            var clock = Stopwatch.StartNew();
            (await a.Run("sync", exportA.Path, "-o", "json")).Ok();
            (await b.Run("sync", exportB.Path, "-o", "json")).Ok();
            var since = Stopwatch.GetTimestamp();
            (await a.Run("sync", "-o", "json")).Ok();
            await node.WaitFor(since, l => ReleaseLine().Match(l) is { Success: true } m ? m : null, TimeSpan.FromMinutes(30));
            Console.WriteLine($"{n:N0} × {n:N0} mapped, {shared:N0} shared, released in {clock.Elapsed.TotalSeconds:F1} s; node {node.Url} (pid {node.Pid})");

            foreach (var cli in new[] { a, b })
            {
                // Table and CSV once each (checked to run), then JSON timed.
                (await cli.Run("overlaps")).Ok();
                (await cli.Run("overlaps", "-o", "csv")).Ok();
                var times = new List<(double Wall, double Cpu)>();
                for (var i = 0; i < runs; i++)
                {
                    var run = (await cli.Run("overlaps", "-o", "json")).Ok();
                    CheckOverlaps(run, planted, cli.Name);
                    times.Add((run.Seconds, run.Cpu.TotalSeconds));
                    Console.WriteLine($"  {cli.Name}: cosell overlaps -o json: {run.Seconds:F3} s wall, {run.Cpu.TotalSeconds:F3} CPU-s");
                }
                var wall = times.Select(t => t.Wall).Order().ToList();
                var cpu = times.Select(t => t.Cpu).Order().ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{cli.Name}: {runs} runs, {shared:N0} overlaps each: median {wall[runs / 2]:F3} s wall, {cpu[runs / 2]:F3} CPU-s (min {wall[0]:F3} s, {cpu[0]:F3} CPU-s)"));
            }

            if (hold is not null)
            {
                Console.WriteLine($"holding until {hold} exists: COSELLNET_CONFIG={a.ConfigPath} (A), {b.ConfigPath} (B)");
                while (!File.Exists(hold)) await Task.Delay(1000);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
