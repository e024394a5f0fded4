using System.Diagnostics;
using CoSellNet.Crypto;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>One batch of the floor: wall clock and this process's CPU time.</summary>
internal readonly record struct Timed(double Seconds, double CpuSeconds)
{
    public static Timed operator +(Timed x, Timed y) => new(x.Seconds + y.Seconds, x.CpuSeconds + y.CpuSeconds);
    public static Timed Mean(Timed x, Timed y) => new((x.Seconds + y.Seconds) / 2, (x.CpuSeconds + y.CpuSeconds) / 2);
}

/// <summary>
/// The crypto floor of a mapping: the blind and re-blind operations the two partners' CLIs must
/// do, alone, in this process, on all cores, with the library's batch APIs on the same match keys:
/// each side blinds its N keys (<see cref="PsiKey.Blind(IReadOnlyList{MatchKey}, Span{byte})"/>),
/// and each side re-blinds the other's N points into tags (<see cref="PsiKey.ReblindToTags"/>).
/// Nothing else: no parsing, no I/O, no network, no database.
/// </summary>
internal sealed record CryptoFloor(Timed BlindA, Timed BlindB, Timed ReblindByB, Timed ReblindByA)
{
    public Timed Total => BlindA + BlindB + ReblindByB + ReblindByA;

    public static CryptoFloor Mean(CryptoFloor x, CryptoFloor y) =>
        new(Timed.Mean(x.BlindA, y.BlindA), Timed.Mean(x.BlindB, y.BlindB), Timed.Mean(x.ReblindByB, y.ReblindByB), Timed.Mean(x.ReblindByA, y.ReblindByA));

    public static CryptoFloor Measure(IReadOnlyList<MatchKey> keysA, IReadOnlyList<MatchKey> keysB)
    {
        using var a = PsiKey.Random();
        using var b = PsiKey.Random();
        Warm(a, keysA);
        var pointsA = new byte[keysA.Count * PsiKey.PointSize];
        var pointsB = new byte[keysB.Count * PsiKey.PointSize];
        var tagsA = new byte[keysB.Count * PsiKey.TagSize];
        var tagsB = new byte[keysA.Count * PsiKey.TagSize];
        var blindA = Time(() => a.Blind(keysA, pointsA));
        var blindB = Time(() => b.Blind(keysB, pointsB));
        var reblindByB = Time(() => b.ReblindToTags(pointsA, tagsB));
        var reblindByA = Time(() => a.ReblindToTags(pointsB, tagsA));
        return new CryptoFloor(blindA, blindB, reblindByB, reblindByA);
    }

    /// <summary>JIT and thread pool warmed on a small batch, so the timed batches measure the steady state the CLI also reaches.</summary>
    private static void Warm(PsiKey key, IReadOnlyList<MatchKey> keys)
    {
        var some = keys.Take(Math.Min(2048, keys.Count)).ToList();
        var points = new byte[some.Count * PsiKey.PointSize];
        key.Blind(some, points);
        key.ReblindToTags(points, new byte[some.Count * PsiKey.TagSize]);
    }

    private static Timed Time(Action work)
    {
        GC.Collect();
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        work();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Timed(seconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }
}
