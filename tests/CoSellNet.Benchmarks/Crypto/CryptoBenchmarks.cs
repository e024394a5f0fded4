using BenchmarkDotNet.Running;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>The <c>crypto</c> verb: BenchmarkDotNet over the CoSellNet.Crypto benchmark classes.</summary>
internal static class CryptoBenchmarks
{
    private static readonly Type[] Types = [typeof(PsiPerElement), typeof(PsiBatch), typeof(Normalization), typeof(PointValidation)];

    /// <summary>Runs BenchmarkDotNet with <paramref name="args"/> (e.g. <c>--filter '*PerElement*'</c>); 1 if any benchmark failed.</summary>
    public static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromTypes(Types).Run(args).ToList();
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
