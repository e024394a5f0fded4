using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<long>;

namespace CoSellNet.Crypto;

/// <summary>
/// Checks eight ristretto255 encodings at once with AVX-512: RFC 9496 section 4.3.1's decoding, up to
/// its failure test (was_square, IS_NEGATIVE(t), y = 0), lane-wise in <see cref="FieldElement8"/>.
/// Accepts exactly what libsodium's crypto_core_ristretto255_is_valid_point accepts, minus the all-zero
/// identity encoding (the tests compare the two on millions of encodings). Not constant-time: points
/// off the wire are public.
/// </summary>
internal static class PointValidity8
{
    public const int Lanes = 8;

    /// <summary>
    /// A bit per point, set when valid: point <c>i</c> (0..7) is <paramref name="data"/>[<paramref name="offset"/>
    /// + i·<paramref name="stride"/> ..][..32]. The caller checks that all eight lie in <paramref name="data"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe int ValidLanes(ReadOnlySpan<byte> data, int offset, int stride)
    {
        var limbs = stackalloc long[10 * Lanes];
        var byteValid = 0;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var s = data.Slice(offset + lane * stride, Ristretto255.PointSize);
            var w0 = BinaryPrimitives.ReadUInt64LittleEndian(s);
            var w1 = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
            var w2 = BinaryPrimitives.ReadUInt64LittleEndian(s[16..]);
            var w3 = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
            if (IsCanonicalNonZero(w0, w1, w2, w3)) byteValid |= 1 << lane;
            // Cut s into ref10's limbs at bits 0, 26, 51, 77, 102, 128, 153, 179, 204, 230 (bit 255 dropped).
            const ulong m26 = (1UL << 26) - 1, m25 = (1UL << 25) - 1;
            limbs[0 * Lanes + lane] = (long)(w0 & m26);
            limbs[1 * Lanes + lane] = (long)((w0 >> 26) & m25);
            limbs[2 * Lanes + lane] = (long)(((w0 >> 51) | (w1 << 13)) & m26);
            limbs[3 * Lanes + lane] = (long)((w1 >> 13) & m25);
            limbs[4 * Lanes + lane] = (long)(w1 >> 38);
            limbs[5 * Lanes + lane] = (long)(w2 & m25);
            limbs[6 * Lanes + lane] = (long)((w2 >> 25) & m26);
            limbs[7 * Lanes + lane] = (long)(((w2 >> 51) | (w3 << 13)) & m25);
            limbs[8 * Lanes + lane] = (long)((w3 >> 12) & m26);
            limbs[9 * Lanes + lane] = (long)((w3 >> 38) & m25);
        }
        // Lanes that fail the byte checks still go through the arithmetic (on their low 255 bits); their bit is cleared at the end.
        FieldElement8.FromLimbs(limbs, out var s_);
        return byteValid & (int)DecodeSucceeds(s_).ExtractMostSignificantBits();
    }

    /// <summary>
    /// s &lt; p = 2^255-19 (which also clears bit 255), s even (IS_NEGATIVE(s) false), and s ≠ 0: libsodium's
    /// ristretto255_is_canonical plus the identity, which libsodium accepts and the PSI never may.
    /// </summary>
    private static bool IsCanonicalNonZero(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        if ((w0 & 1) != 0 || (w3 >> 63) != 0) return false;
        if (w3 == 0x7FFF_FFFF_FFFF_FFFFUL && w1 == ulong.MaxValue && w2 == ulong.MaxValue && w0 >= 0xFFFF_FFFF_FFFF_FFED) return false;
        return (w0 | w1 | w2 | w3) != 0;
    }

    /// <summary>
    /// RFC 9496 section 4.3.1 from s (as libsodium's ristretto255_frombytes computes it): lanes all ones
    /// where decoding does not fail. Limb bounds (see <see cref="FieldElement8"/>) are noted where a sum feeds a product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static V DecodeSucceeds(in FieldElement8 s)
    {
        var one = FieldElement8.One;
        FieldElement8.Sq(s, out var ss);
        var u1 = FieldElement8.Sub(one, ss);                 // 1 - s², B1
        var u2 = FieldElement8.Add(one, ss);                 // 1 + s², B1
        FieldElement8.Sq(u1, out var u1u1);
        FieldElement8.Sq(u2, out var u2u2);
        FieldElement8.Mul(FieldElement8.D, u1u1, out var du1u1);
        var v = FieldElement8.Sub(FieldElement8.Neg(du1u1), u2u2);   // -(d·u1²) - u2², B1
        FieldElement8.Mul(v, u2u2, out var vu2u2);

        var (wasSquare, invSqrt) = InvSqrt(vu2u2);
        // invSqrt's sign is left as it comes (RFC's SQRT_RATIO_M1 takes |x|): x below takes its own
        // absolute value, and y uses invSqrt², so neither depends on it.
        FieldElement8.Mul(invSqrt, u2, out var denX);
        FieldElement8.Mul(invSqrt, denX, out var denY);
        FieldElement8.Mul(denY, v, out denY);
        FieldElement8.Mul(denX, s, out var x);
        x = FieldElement8.Add(x, x);                         // 2·s·den_x, B1
        x = FieldElement8.Select(FieldElement8.IsNegative(x), FieldElement8.Neg(x), x);
        FieldElement8.Mul(u1, denY, out var y);
        FieldElement8.Mul(x, y, out var t);
        return wasSquare & ~FieldElement8.IsNegative(t) & ~FieldElement8.IsZero(y);
    }

    /// <summary>
    /// SQRT_RATIO_M1(1, w) as libsodium's ristretto255_sqrt_ratio_m1 with u = 1: was_square in all-ones
    /// lanes and a square root of 1/w (of sqrt(-1)/w where 1/w is not a square), up to sign.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (V WasSquare, FieldElement8 Root) InvSqrt(in FieldElement8 w)
    {
        FieldElement8.Sq(w, out var w3);
        FieldElement8.Mul(w3, w, out w3);                    // w³
        FieldElement8.Sq(w3, out var x);
        FieldElement8.Mul(x, w, out x);                      // w⁷ (u·v⁷ with u = 1)
        FieldElement8.Pow22523(x, out x);
        FieldElement8.Mul(x, w3, out x);                     // w³·(w⁷)^((p-5)/8)
        FieldElement8.Sq(x, out var wxx);
        FieldElement8.Mul(wxx, w, out wxx);                  // w·x²
        var correctSign = FieldElement8.IsZero(FieldElement8.Sub(wxx, FieldElement8.One));
        var flippedSign = FieldElement8.IsZero(FieldElement8.Add(wxx, FieldElement8.One));
        var flippedSignI = FieldElement8.IsZero(FieldElement8.Add(wxx, FieldElement8.SqrtM1));
        FieldElement8.Mul(x, FieldElement8.SqrtM1, out var xi);
        return (correctSign | flippedSign, FieldElement8.Select(flippedSign | flippedSignI, xi, x));
    }
}
