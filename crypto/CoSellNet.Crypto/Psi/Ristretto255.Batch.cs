using System.Runtime.Intrinsics.X86;

namespace CoSellNet.Crypto;

public static partial class Ristretto255
{
    /// <summary>
    /// The index of the first point in <paramref name="points"/> (back-to-back 32-byte encodings) that
    /// <see cref="IsValidPoint"/> refuses, or -1 when all are valid (and for none).
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of points.</exception>
    public static int IndexOfInvalidPoint(ReadOnlySpan<byte> points) => IndexOfInvalidPoint(points, PointSize, 0);

    /// <summary>
    /// The index of the first record in <paramref name="records"/> (back-to-back <paramref name="recordSize"/>-byte
    /// records, each holding a 32-byte point at <paramref name="pointOffset"/>) whose point <see cref="IsValidPoint"/>
    /// refuses, or -1 when all are valid (and for none). Same answers as calling <see cref="IsValidPoint"/> on each,
    /// several times faster where AVX-512 is available: eight points at a time.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of records, or the point does not fit in a record.</exception>
    public static int IndexOfInvalidPoint(ReadOnlySpan<byte> records, int recordSize, int pointOffset) =>
        IndexOfInvalidPoint(records, recordSize, pointOffset, vectorized: Avx512F.IsSupported);

    /// <summary>As the public overload; <paramref name="vectorized"/> false checks each point with libsodium (tests run both).</summary>
    internal static int IndexOfInvalidPoint(ReadOnlySpan<byte> records, int recordSize, int pointOffset, bool vectorized)
    {
        if (recordSize < PointSize)
            throw new ArgumentOutOfRangeException(nameof(recordSize), recordSize, $"A record must hold a {PointSize}-byte point.");
        if (pointOffset < 0 || pointOffset > recordSize - PointSize)
            throw new ArgumentOutOfRangeException(nameof(pointOffset), pointOffset, $"The point must lie within the {recordSize}-byte record.");
        if (records.Length % recordSize != 0)
            throw new ArgumentException($"Expected whole {recordSize}-byte records; got {records.Length} bytes.", nameof(records));
        if (vectorized && !Avx512F.IsSupported)
            throw new PlatformNotSupportedException("The vectorized point check needs AVX-512F.");

        var count = records.Length / recordSize;
        var i = 0;
        if (vectorized)
        {
            for (; i + PointValidity8.Lanes <= count; i += PointValidity8.Lanes)
            {
                var valid = PointValidity8.ValidLanes(records, i * recordSize + pointOffset, recordSize);
                if (valid != (1 << PointValidity8.Lanes) - 1)
                    return i + System.Numerics.BitOperations.TrailingZeroCount(~valid);
            }
        }
        // The tail of fewer than eight (and everything without AVX-512) goes to libsodium, one point at a time.
        for (; i < count; i++)
            if (!IsValidPoint(records.Slice(i * recordSize + pointOffset, PointSize)))
                return i;
        return -1;
    }
}
