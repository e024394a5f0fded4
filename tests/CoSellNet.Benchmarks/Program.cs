using CoSellNet.Benchmarks.Crypto;

// The CoSellNet benchmark app. Run from this folder in Release:
//   dotnet run -c Release -- crypto [BenchmarkDotNet options]
// Each verb is one kind of measurement; add new ones to the table below.
var verbs = new Dictionary<string, (string Help, Func<string[], int> Run)>(StringComparer.Ordinal)
{
    ["crypto"] = ("BenchmarkDotNet micro-benchmarks of CoSellNet.Crypto, e.g. crypto --filter '*'", CryptoBenchmarks.Run),
    ["crypto-ratios"] = ("per-element ours/baseline as interleaved pairs in one process: crypto-ratios [pairs]", PairedRatios.Run),
    ["pipeline"] = ("room facts folded into pipeline totals (events/s) and report p50/p99 on a live grain under load: pipeline [--rooms N] [--repeats R] [--seconds S] [--writers W] [--rate R]", CoSellNet.Benchmarks.Pipeline.PipelineBenchmark.Run),
    ["feed"] = ("live feed latency (event raised -> SignalR client, p50/p99) and connected clients held under a p99 limit, against a real node process: feed [--events N] [--clients 100,500,...] [--changes N] [--rate R] [--limit-ms L]", CoSellNet.Benchmarks.Feed.FeedBenchmark.Run),
    ["room"] = ("room message latency: POST -> every member's SignalR handler, p50/p99, against a real node process: room [--messages N]", CoSellNet.Benchmarks.Feed.FeedBenchmark.RunRoom),
    ["psi-store"] = ("the node's PSI data path alone on the fixture PostgreSQL: upload (checks, COPY, commit), re-blind tasks (points out, tags in), intersection with 20% shared: psi-store [--size N (default 1,000,000)] [--explain] [--keep (stop before the intersection, keep the database)] [--sorted-ids (upload in record id order, as clients do)]", CoSellNet.Benchmarks.PsiStore.PsiStoreBenchmark.Run),
    ["overlaps"] = ("`cosell overlaps` alone on a real release, repeated: overlaps [--size N (200,000)] [--overlap 1.0] [--runs 5] [--hold FILE (keep the node up until FILE exists)]", CoSellNet.Benchmarks.Mapping.MappingBenchmark.RunOverlaps),
    ["mapping"] = ("private account mapping end to end: two partners' CRM exports through the real cosell and a real node, against the crypto floor measured in the same run: mapping [--size N] [--overlap 0.2] [--slow-ms 0] [--markdown FILE] [--keep]", CoSellNet.Benchmarks.Mapping.MappingBenchmark.Run),
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine("usage: dotnet run -c Release -- <verb> [options]");
    foreach (var (name, (help, _)) in verbs)
        Console.Error.WriteLine($"  {name,-14} {help}");
    return 2;
}
return verb.Run(args[1..]);
