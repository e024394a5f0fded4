using System.Numerics;
using System.Runtime.Intrinsics.X86;
using CoSellNet.Crypto.Tests.Support;
using CoSellNet.Crypto.Tests.Vectors;

namespace CoSellNet.Crypto.Tests.Psi;

/// <summary>
/// The batch point check (sixteen at a time with AVX-512, else libsodium one by one) against libsodium's own
/// check, <see cref="Ristretto255.IsValidPoint"/>, which stays the reference: over a million encodings of
/// several kinds, point by point, and the index it returns with invalid points at every lane and in the tail.
/// </summary>
public class PointBatchValidityTests
{
    private const int Size = Ristretto255.PointSize;
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    /// <summary>Both paths where this machine has AVX-512 (the CI and benchmark machines do), else the fallback alone.</summary>
    private static bool[] PathList => Avx512F.IsSupported ? [true, false] : [false];

    public static TheoryData<bool> Paths => new(PathList);

    public enum Kind { FromHash, FromHashOneBitFlipped, Uniform, TopAndLowBitCleared }

    /// <summary>250,000 encodings of each kind, a million in all; each point's verdict compared, not only the first invalid one.</summary>
    [Theory]
    [InlineData(Kind.FromHash)]
    [InlineData(Kind.FromHashOneBitFlipped)]
    [InlineData(Kind.Uniform)]
    [InlineData(Kind.TopAndLowBitCleared)]
    public void Every_verdict_matches_libsodium_on_random_encodings(Kind kind)
    {
        const int count = 250_000;
        var random = new Random(9496 + (int)kind);
        var points = new byte[count * Size];
        var uniform = new byte[Ristretto255.UniformSize];
        for (var i = 0; i < count; i++)
        {
            var point = points.AsSpan(i * Size, Size);
            switch (kind)
            {
                case Kind.FromHash or Kind.FromHashOneBitFlipped:
                    random.NextBytes(uniform);
                    Ristretto255.FromUniformBytes(uniform, point);
                    if (kind == Kind.FromHashOneBitFlipped)
                    {
                        var bit = random.Next(256);
                        point[bit / 8] ^= (byte)(1 << (bit % 8));
                    }
                    break;
                case Kind.Uniform:
                    random.NextBytes(point);
                    break;
                case Kind.TopAndLowBitCleared:
                    random.NextBytes(point);
                    point[0] &= 0xfe;
                    point[31] &= 0x7f;
                    break;
            }
        }
        var valid = AssertVerdictsMatch(points);
        // Each kind exercises what it is meant to: from_hash always valid, the others a mix.
        if (kind == Kind.FromHash) Assert.Equal(count, valid);
        else Assert.InRange(valid, 1, count - 1);
    }

    /// <summary>0 and small s, and values around p, 2^255 and 2^256, with and without the low bit and bit 255.</summary>
    [Fact]
    public void Every_verdict_matches_libsodium_on_edge_values()
    {
        var values = new List<BigInteger>();
        var two255 = BigInteger.Pow(2, 255);
        var two256 = BigInteger.Pow(2, 256);
        for (var k = 0; k <= 400; k++)
            foreach (var v in new[] { k, P - 1 - k, P + k, two255 - 1 - k, two256 - 1 - k, P / 2 + k - 200, (P - 1) / 2 - k })
                if (v >= 0 && v < two256)
                    values.AddRange([v, v ^ 1, v ^ two255]);
        var points = new byte[values.Count * Size];
        for (var i = 0; i < values.Count; i++)
            values[i].TryWriteBytes(points.AsSpan(i * Size, Size), out _, isUnsigned: true, isBigEndian: false);
        var valid = AssertVerdictsMatch(points);
        Assert.InRange(valid, 1, values.Count - 1);
    }

    [Fact]
    public void Every_verdict_matches_libsodium_on_the_rfc_vectors()
    {
        var encodings = Ristretto255VectorTests.InvalidEncodings.Select(row => Hex.Decode((string)row[1])).ToList();
        encodings.Add(new byte[Size]); // the identity: libsodium accepts it, IsValidPoint does not, nor may the batch.
        for (var k = 1; k <= 16; k++) encodings.Add(Multiple(k));
        var points = encodings.SelectMany(e => e).ToArray();
        Assert.Equal(16, AssertVerdictsMatch(points));
    }

    /// <summary>
    /// Counts that take each way through the check: a tail alone (5), one group of eight (8), a group and
    /// the overlapping last eight (13), a pair of groups (16), a pair and then 13 (29), two pairs and a tail of 5 (37).
    /// </summary>
    public static TheoryData<bool, int> PathsAndCounts()
    {
        var data = new TheoryData<bool, int>();
        foreach (var vectorized in PathList)
            foreach (var count in new[] { 5, 8, 13, 16, 29, 37 })
                data.Add(vectorized, count);
        return data;
    }

    /// <summary>An invalid encoding at each position (so at every lane of both groups, and in the tail), with valid points and a later invalid one around it.</summary>
    [Theory]
    [MemberData(nameof(PathsAndCounts))]
    public void The_index_is_that_of_the_first_invalid_point(bool vectorized, int count)
    {
        var bad = Ristretto255VectorTests.InvalidEncodings.Select(row => Hex.Decode((string)row[1])).Append(new byte[Size]).ToArray();
        var good = Enumerable.Range(1, count).Select(Multiple).ToArray();
        var all = good.SelectMany(g => g).ToArray();
        Assert.Equal(-1, Ristretto255.IndexOfInvalidPoint(all, Size, 0, vectorized));
        for (var at = 0; at < count; at++)
        {
            var encoding = bad[at % bad.Length];
            var points = (byte[])all.Clone();
            encoding.CopyTo(points, at * Size);
            Assert.Equal(at, Ristretto255.IndexOfInvalidPoint(points, Size, 0, vectorized));
            if (at + 1 < count)
            {
                bad[(at + 7) % bad.Length].CopyTo(points, (count - 1) * Size);
                Assert.Equal(at, Ristretto255.IndexOfInvalidPoint(points, Size, 0, vectorized));
            }
        }
    }

    /// <summary>Points inside records (the node's 16-byte id, then the point), where the ids are not points at all.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Points_inside_records_are_found_by_offset_and_stride(bool vectorized)
    {
        const int recordSize = 48, count = 21;
        var records = new byte[count * recordSize];
        Array.Fill(records, (byte)0xff);
        for (var i = 0; i < count; i++) Multiple(i + 1).CopyTo(records, i * recordSize + 16);
        Assert.Equal(-1, Ristretto255.IndexOfInvalidPoint(records, recordSize, 16, vectorized));
        foreach (var at in new[] { 0, 7, 8, 13, 16, 20 })
        {
            var copy = (byte[])records.Clone();
            copy[at * recordSize + 16] ^= 1; // odd s: not canonical
            Assert.Equal(at, Ristretto255.IndexOfInvalidPoint(copy, recordSize, 16, vectorized));
        }
        Assert.Equal(-1, Ristretto255.IndexOfInvalidPoint(ReadOnlySpan<byte>.Empty, recordSize, 16, vectorized));
    }

    [Fact]
    public void Misshapen_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Ristretto255.IndexOfInvalidPoint(new byte[33]));
        Assert.Throws<ArgumentException>(() => Ristretto255.IndexOfInvalidPoint(new byte[95], 48, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ristretto255.IndexOfInvalidPoint(new byte[96], 48, 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ristretto255.IndexOfInvalidPoint(new byte[96], 48, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ristretto255.IndexOfInvalidPoint(new byte[93], 31, 0));
    }

    /// <summary>
    /// Compares each point's verdict with libsodium's: the vectorized check on every group of eight
    /// (so each lane's answer is seen, not only the first invalid one), and the public API on the whole.
    /// Returns how many were valid.
    /// </summary>
    private static int AssertVerdictsMatch(byte[] points)
    {
        var count = points.Length / Size;
        var expected = new bool[count];
        var firstInvalid = -1;
        for (var i = 0; i < count; i++)
        {
            expected[i] = Ristretto255.IsValidPoint(points.AsSpan(i * Size, Size));
            if (!expected[i] && firstInvalid < 0) firstInvalid = i;
        }
        if (Avx512F.IsSupported)
        {
            for (var group = 0; group + 8 <= count; group += 16)
            {
                // Two groups side by side, as the check runs them; a last lone group goes with itself.
                var second = group + 16 <= count ? group + 8 : group;
                var lanes = PointValidity8.ValidLanes(points, group * Size, second * Size, Size);
                for (var lane = 0; lane < 16; lane++)
                {
                    var at = (lane < 8 ? group : second) + lane % 8;
                    if (((lanes >> lane) & 1) == 1 != expected[at])
                        Assert.Fail($"point {at} ({Hex.Encode(points.AsSpan(at * Size, Size))}): libsodium says {(expected[at] ? "valid" : "invalid")}, the vector check the opposite");
                }
            }
            Assert.Equal(firstInvalid, Ristretto255.IndexOfInvalidPoint(points, Size, 0, vectorized: true));
        }
        Assert.Equal(firstInvalid, Ristretto255.IndexOfInvalidPoint(points, Size, 0, vectorized: false));
        Assert.Equal(firstInvalid, Ristretto255.IndexOfInvalidPoint(points));
        return expected.Count(v => v);
    }

    private static byte[] Multiple(int k)
    {
        var scalar = new byte[Ristretto255.ScalarSize];
        scalar[0] = (byte)k;
        var point = new byte[Size];
        Assert.True(Ristretto255.TryMultiplyBase(scalar, point));
        return point;
    }
}
