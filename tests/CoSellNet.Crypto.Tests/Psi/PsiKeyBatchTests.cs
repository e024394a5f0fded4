using System.Security.Cryptography;
using CoSellNet.Crypto.Tests.Support;

namespace CoSellNet.Crypto.Tests.Psi;

/// <summary>Batch APIs give exactly what the single-element ones give, in order, at every size around the parallel threshold.</summary>
public class PsiKeyBatchTests
{
    private static readonly PsiKey KeyA = PsiKey.FromUniformBytes(SHA512.HashData("batch tests: A"u8));
    private static readonly PsiKey KeyB = PsiKey.FromUniformBytes(SHA512.HashData("batch tests: B"u8));

    private static MatchKey[] Keys(int count) =>
        Enumerable.Range(0, count).Select(i => MatchKeys.FromDomainLike($"company-{i}.com").Key!.Value).ToArray();

    private static byte[] BlindAll(PsiKey key, MatchKey[] keys)
    {
        var points = new byte[keys.Length * PsiKey.PointSize];
        key.Blind(keys, points);
        return points;
    }

    public static TheoryData<int> Sizes => new(0, 1, 255, 256, 257, 5000);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Blind_over_a_list_equals_blinding_one_by_one(int count)
    {
        var keys = Keys(count);
        var points = BlindAll(KeyA, keys);
        var single = new byte[PsiKey.PointSize];
        for (var i = 0; i < count; i++)
        {
            KeyA.Blind(keys[i], single);
            Assert.True(single.AsSpan().SequenceEqual(points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize)), $"point {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ReblindToTags_equals_reblind_then_tag_one_by_one(int count)
    {
        var points = BlindAll(KeyA, Keys(count));
        var tags = new byte[count * PsiKey.TagSize];
        KeyB.ReblindToTags(points, tags);

        var product = new byte[PsiKey.PointSize];
        var tag = new byte[PsiKey.TagSize];
        for (var i = 0; i < count; i++)
        {
            KeyB.Reblind(points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize), product);
            PsiKey.Tag(product, tag);
            Assert.True(tag.AsSpan().SequenceEqual(tags.AsSpan(i * PsiKey.TagSize, PsiKey.TagSize)), $"tag {i}");
        }
        Assert.Equal(count, tags.Chunk(PsiKey.TagSize).Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Both_sides_compute_the_same_tags_for_shared_keys_only()
    {
        var mine = Keys(300);
        var theirs = Keys(600).Skip(200).ToArray(); // overlap: company-200 .. company-299
        var myTags = new byte[mine.Length * PsiKey.TagSize];
        var theirTags = new byte[theirs.Length * PsiKey.TagSize];
        KeyB.ReblindToTags(BlindAll(KeyA, mine), myTags);
        KeyA.ReblindToTags(BlindAll(KeyB, theirs), theirTags);

        var theirSet = theirTags.Chunk(PsiKey.TagSize).Select(Convert.ToHexString).ToHashSet();
        var matched = myTags.Chunk(PsiKey.TagSize).Select((tag, i) => (i, hit: theirSet.Contains(Convert.ToHexString(tag)))).Where(x => x.hit).Select(x => x.i);
        Assert.Equal(Enumerable.Range(200, 100), matched);
    }

    public static TheoryData<int, int[]> BadPoints => new()
    {
        { 10, [0] },
        { 10, [9] },
        { 10, [3, 7] },
        { 255, [254] },
        { 256, [255, 0] },
        { 257, [256] },
        { 5000, [4999] },
        { 5000, [4000, 1300, 2600] },
        { 5000, [511, 512, 513] },
        { 5000, Enumerable.Range(100, 4900).ToArray() },
    };

    [Theory]
    [MemberData(nameof(BadPoints))]
    public void One_bad_point_among_many_throws_with_the_smallest_bad_index_and_clears_the_tags(int count, int[] badIndices)
    {
        var points = BlindAll(KeyA, Keys(count));
        var bad = new[]
        {
            new byte[32], // the identity
            Hex.Decode("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // s = -1 (RFC 9496 A.2)
            Hex.Decode("0100000000000000000000000000000000000000000000000000000000000000"), // negative field element
        };
        for (var j = 0; j < badIndices.Length; j++)
            bad[j % bad.Length].CopyTo(points, badIndices[j] * PsiKey.PointSize);

        var tags = new byte[count * PsiKey.TagSize];
        var e = Assert.Throws<InvalidPointException>(() => KeyB.ReblindToTags(points, tags));
        Assert.Equal(badIndices.Min(), e.Index);
        Assert.True(tags.AsSpan().IndexOfAnyExcept((byte)0) < 0, "tags must be cleared");

        var v = Assert.Throws<InvalidPointException>(() => PsiKey.ValidatePoints(points));
        Assert.Equal(badIndices.Min(), v.Index);
    }

    [Fact]
    public void Reblind_refuses_the_identity_and_invalid_encodings_as_index_0()
    {
        var result = new byte[32];
        Assert.Equal(0, Assert.Throws<InvalidPointException>(() => KeyA.Reblind(new byte[32], result)).Index);
        Assert.Equal(0, Assert.Throws<InvalidPointException>(() => KeyA.Reblind(Hex.Decode("00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), result)).Index);
    }

    [Fact]
    public void Sizes_are_checked()
    {
        var keys = Keys(3);
        Assert.Throws<ArgumentException>(() => KeyA.Blind(keys, new byte[3 * 32 - 1]));
        Assert.Throws<ArgumentException>(() => KeyA.Blind(keys[0], new byte[31]));
        Assert.Throws<ArgumentException>(() => KeyA.ReblindToTags(new byte[33], new byte[16]));
        Assert.Throws<ArgumentException>(() => KeyA.ReblindToTags(BlindAll(KeyA, keys), new byte[3 * 16 + 1]));
        Assert.Throws<ArgumentException>(() => KeyA.Reblind(new byte[32], new byte[33]));
        Assert.Throws<ArgumentException>(() => PsiKey.Tag(new byte[32], new byte[32]));
    }

    [Fact]
    public void A_default_match_key_cannot_be_blinded()
    {
        Assert.Throws<ArgumentException>(() => KeyA.Blind(default(MatchKey), new byte[32]));
    }

    [Fact]
    public void Tag_is_the_first_16_bytes_of_sha256_over_the_tag_dst_and_the_point()
    {
        var point = BlindAll(KeyA, Keys(1));
        var tag = new byte[16];
        PsiKey.Tag(point, tag);
        Assert.Equal(SHA256.HashData([.. "CoSellNet-PSI-V1-tag"u8, .. point])[..16], tag);
        Assert.Equal("CoSellNet-PSI-V1-tag", PsiKey.TagDst);
    }

    [Fact]
    public void Blind_is_the_scalar_times_hash_to_group_of_kind_and_value_under_the_psi_dst()
    {
        // Pins the wire format: a·hash_to_ristretto255(kind ‖ UTF-8(value), HashDst).
        var uniform = SHA512.HashData("pinned"u8);
        using var key = PsiKey.FromUniformBytes(uniform);
        var scalar = new byte[32];
        Ristretto255.ReduceScalar(uniform, scalar);
        var matchKey = MatchKeys.FromDomainLike("xn--mnchen-3ya.de").Key!.Value;

        var hashed = new byte[32];
        Ristretto255.HashToGroup([(byte)MatchKeyKind.Domain, .. "xn--mnchen-3ya.de"u8], System.Text.Encoding.ASCII.GetBytes(PsiKey.HashDst), hashed);
        var expected = new byte[32];
        Assert.True(Ristretto255.TryMultiply(scalar, hashed, expected));

        var actual = new byte[32];
        key.Blind(matchKey, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_zero_scalar_is_refused_and_a_disposed_key_cannot_be_used()
    {
        Assert.Throws<CryptographicException>(() => PsiKey.FromUniformBytes(new byte[64]));
        // ℓ itself reduces to zero too.
        var order = new byte[64];
        Hex.Decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").CopyTo(order, 0);
        Assert.Throws<CryptographicException>(() => PsiKey.FromUniformBytes(order));

        var key = PsiKey.Random();
        var point = new byte[32];
        key.Blind(Keys(1)[0], point);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Blind(Keys(1)[0], point));
        Assert.Throws<ObjectDisposedException>(() => key.Reblind(point, new byte[32]));
    }

    [Fact]
    public void Random_keys_differ()
    {
        using var first = PsiKey.Random();
        using var second = PsiKey.Random();
        var key = Keys(1)[0];
        var a = new byte[32];
        var b = new byte[32];
        first.Blind(key, a);
        second.Blind(key, b);
        Assert.NotEqual(a, b);
    }
}
