using System.Security.Cryptography;
using CoSellNet.Crypto.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CoSellNet.Crypto.Tests.Psi;

/// <summary>Batch APIs over random inputs: same results as one by one; the smallest bad index wins and nothing leaks.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 30)]
public class PsiKeyBatchProperties
{
    private const int Pool = 1200;
    private static readonly PsiKey Blinder = PsiKey.FromUniformBytes(SHA512.HashData("batch properties: blinder"u8));
    private static readonly PsiKey Reblinder = PsiKey.FromUniformBytes(SHA512.HashData("batch properties: re-blinder"u8));
    private static readonly byte[] GoodPoints = MakeGoodPoints();

    private static byte[] MakeGoodPoints()
    {
        var keys = Enumerable.Range(0, Pool).Select(i => MatchKeys.FromDomainLike($"pool{i}.com").Key!.Value).ToArray();
        var points = new byte[Pool * PsiKey.PointSize];
        Blinder.Blind(keys, points);
        return points;
    }

    [Property]
    public bool Blind_over_random_lists_equals_blinding_one_by_one(Domain[] domains)
    {
        var keys = domains.Select(d => d.Key).ToArray();
        var batch = new byte[keys.Length * PsiKey.PointSize];
        Blinder.Blind(keys, batch);
        var single = new byte[PsiKey.PointSize];
        for (var i = 0; i < keys.Length; i++)
        {
            Blinder.Blind(keys[i], single);
            if (!single.AsSpan().SequenceEqual(batch.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize))) return false;
        }
        return true;
    }

    public static Arbitrary<(int Count, int[] Bad)> BadPlacements() =>
        (from count in Gen.Choose(1, Pool)
         from badCount in Gen.Choose(1, 4)
         from bad in Gen.ArrayOf(Gen.Choose(0, count - 1), badCount)
         select (count, bad)).ToArbitrary();

    [Property(Arbitrary = [typeof(PsiKeyBatchProperties)])]
    public bool Smallest_bad_index_is_reported_and_tags_are_cleared((int Count, int[] Bad) placement)
    {
        var points = GoodPoints.AsSpan(0, placement.Count * PsiKey.PointSize).ToArray();
        foreach (var index in placement.Bad)
            points[index * PsiKey.PointSize + 31] = 0xFF; // top bit set: never a canonical encoding
        var tags = new byte[placement.Count * PsiKey.TagSize];
        try
        {
            Reblinder.ReblindToTags(points, tags);
            return false;
        }
        catch (InvalidPointException e)
        {
            return e.Index == placement.Bad.Min() && tags.AsSpan().IndexOfAnyExcept((byte)0) < 0;
        }
    }
}
