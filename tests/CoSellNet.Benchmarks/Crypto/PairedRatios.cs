namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// The <c>crypto-ratios</c> verb: ours / baseline per element, measured as pairs. BenchmarkDotNet
/// measures ours and its baseline in separate processes a minute apart; on a shared machine the
/// load in between can move the ratio by more than the 5% it has to show. Here each pair is one
/// block of the baseline and one of ours, a few milliseconds each, back to back in one process and
/// timed in thread CPU time, in alternating order; the ratio is the median over the pairs.
/// The work is <see cref="PsiPerElement"/>'s own benchmark methods.
/// </summary>
internal static class PairedRatios
{
    private static readonly TimeSpan Block = TimeSpan.FromMilliseconds(4);

    public static int Run(string[] args)
    {
        var pairs = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 300;
        var bench = new PsiPerElement();
        bench.Setup();
        try
        {
            (string Name, Action Baseline, Action Ours, int PerCall)[] cases =
            [
                ("Blind", bench.SodiumBlind, bench.PsiKeyBlind, 1),
                ("Reblind", bench.SodiumReblind, bench.PsiKeyReblind, 1),
                ("ReblindToTags", bench.SodiumReblindToTags, bench.PsiKeyReblindToTags, PsiPerElement.TagBatch),
                ("Tag", bench.Sha256Tag, bench.PsiKeyTag, 1),
            ];
            Console.WriteLine($"{pairs} pairs of {Block.TotalMilliseconds} ms blocks per row, thread CPU time");
            Console.WriteLine("| Operation     | Baseline ns/element | Ours ns/element | Throughput ratio (baseline/ours), median [p10, p90] |");
            Console.WriteLine("|---------------|--------------------:|----------------:|-----------------------------------------------------|");
            foreach (var (name, baseline, ours, perCall) in cases)
            {
                var calls = CallsPerBlock(baseline);
                var baselineNs = new double[pairs];
                var oursNs = new double[pairs];
                var ratios = new double[pairs];
                for (var i = 0; i < pairs; i++)
                {
                    // ABBA order, so a trend within a pair favours neither side.
                    if (i % 2 == 0) { baselineNs[i] = Time(baseline, calls); oursNs[i] = Time(ours, calls); }
                    else { oursNs[i] = Time(ours, calls); baselineNs[i] = Time(baseline, calls); }
                    ratios[i] = baselineNs[i] / oursNs[i];
                }
                var perElement = (double)calls * perCall;
                Console.WriteLine($"| {name,-13} | {Median(baselineNs) / perElement,19:N1} | {Median(oursNs) / perElement,15:N1} | " +
                                  $"{Median(ratios):F3} [{Percentile(ratios, 0.1):F3}, {Percentile(ratios, 0.9):F3}] |");
            }
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    private static readonly ThreadCpuClock Clock = new();

    private static int CallsPerBlock(Action action)
    {
        for (var i = 0; i < 3; i++) action(); // JIT and caches
        var calls = 1;
        while (Time(action, calls) < Block.TotalNanoseconds) calls *= 2;
        return calls;
    }

    private static double Time(Action action, int calls)
    {
        var start = Clock.GetTimestamp();
        for (var i = 0; i < calls; i++) action();
        return Clock.GetTimestamp() - start;
    }

    private static double Median(double[] values) => Percentile(values, 0.5);

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(p * (sorted.Length - 1))];
    }
}
