using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<long>;

namespace CoSellNet.Crypto;

/// <summary>
/// Checks ristretto255 encodings eight at once with AVX-512, two groups of eight side by side: RFC 9496
/// section 4.3.1's decoding, up to its failure test (was_square, IS_NEGATIVE(t), y = 0), lane-wise in <see cref="FieldElement8"/>.
/// Accepts exactly what libsodium's crypto_core_ristretto255_is_valid_point accepts, minus the all-zero
/// identity encoding (the tests compare the two on millions of encodings). Not constant-time: points
/// off the wire are public.
/// </summary>
internal static class PointValidity8
{
    public const int Lanes = 8;

    /// <summary>
    /// A bit per point, set when valid, for two groups of eight: point <c>i</c> (0..7) of the first group is
    /// <paramref name="data"/>[<paramref name="first"/> + i·<paramref name="stride"/> ..][..32] (bit i), of the second
    /// at <paramref name="second"/> (bit 8 + i). The groups go through the exponentiation together, which is
    /// faster than one after the other; pass the same group twice to check eight. The caller checks that all lie in <paramref name="data"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ValidLanes(ReadOnlySpan<byte> data, int first, int second, int stride)
    {
        var valid0 = Load(data, first, stride, out var s0);
        var valid1 = Load(data, second, stride, out var s1);
        Start(s0, out var d0);
        Start(s1, out var d1);
        FieldElement8.Pow22523(d0.X, d1.X, out var x0, out var x1);
        var lanes0 = valid0 & (int)Finish(d0, x0).ExtractMostSignificantBits();
        var lanes1 = valid1 & (int)Finish(d1, x1).ExtractMostSignificantBits();
        return lanes0 | lanes1 << Lanes;
    }

    /// <summary>Reads eight encodings into <paramref name="s"/>; returns a bit per lane set when its bytes pass <see cref="IsCanonicalNonZero"/>.</summary>
    private static unsafe int Load(ReadOnlySpan<byte> data, int offset, int stride, out FieldElement8 s)
    {
        var limbs = stackalloc long[10 * Lanes];
        var byteValid = 0;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var p = data.Slice(offset + lane * stride, Ristretto255.PointSize);
            var w0 = BinaryPrimitives.ReadUInt64LittleEndian(p);
            var w1 = BinaryPrimitives.ReadUInt64LittleEndian(p[8..]);
            var w2 = BinaryPrimitives.ReadUInt64LittleEndian(p[16..]);
            var w3 = BinaryPrimitives.ReadUInt64LittleEndian(p[24..]);
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
        // Lanes that fail the byte checks still go through the arithmetic (on their low 255 bits); their bit is cleared by the caller.
        FieldElement8.FromLimbs(limbs, out s);
        return byteValid;
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

    /// <summary>What RFC 9496 section 4.3.1's decoding of s keeps around the exponentiation in SQRT_RATIO_M1(1, w).</summary>
    private struct Decoding
    {
        public FieldElement8 S, U1, U2, V, W, W3;
        /// <summary>w⁷ before the exponentiation (u·v⁷ in libsodium's ristretto255_sqrt_ratio_m1, with u = 1).</summary>
        public FieldElement8 X;
    }

    /// <summary>
    /// RFC 9496 section 4.3.1 from s, as libsodium's ristretto255_frombytes computes it, up to the exponentiation
    /// of SQRT_RATIO_M1(1, v·u2²). Limb bounds (see <see cref="FieldElement8"/>) are noted where a sum feeds a product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Start(in FieldElement8 s, out Decoding d)
    {
        var one = FieldElement8.One;
        d.S = s;
        FieldElement8.Sq(s, out var ss);
        d.U1 = FieldElement8.Sub(one, ss);                   // 1 - s², B1
        d.U2 = FieldElement8.Add(one, ss);                   // 1 + s², B1
        FieldElement8.Sq(d.U1, out var u1u1);
        FieldElement8.Sq(d.U2, out var u2u2);
        FieldElement8.Mul(FieldElement8.D, u1u1, out var du1u1);
        d.V = FieldElement8.Sub(FieldElement8.Neg(du1u1), u2u2);   // -(d·u1²) - u2², B1
        FieldElement8.Mul(d.V, u2u2, out d.W);                // w = v·u2²
        FieldElement8.Sq(d.W, out d.W3);
        FieldElement8.Mul(d.W3, d.W, out d.W3);               // w³
        FieldElement8.Sq(d.W3, out d.X);
        FieldElement8.Mul(d.X, d.W, out d.X);                 // w⁷
    }

    /// <summary>
    /// The rest, from <paramref name="powered"/> = (w⁷)^((p-5)/8): lanes all ones where decoding does not fail
    /// (was_square, not IS_NEGATIVE(t), y ≠ 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static V Finish(in Decoding d, in FieldElement8 powered)
    {
        // SQRT_RATIO_M1(1, w) as libsodium's ristretto255_sqrt_ratio_m1 with u = 1: was_square, and a square
        // root of 1/w (of sqrt(-1)/w where 1/w is not a square).
        FieldElement8.Mul(powered, d.W3, out var r);          // w³·(w⁷)^((p-5)/8)
        FieldElement8.Sq(r, out var wrr);
        FieldElement8.Mul(wrr, d.W, out wrr);                 // w·r²
        var correctSign = FieldElement8.IsZero(FieldElement8.Sub(wrr, FieldElement8.One));
        var flippedSign = FieldElement8.IsZero(FieldElement8.Add(wrr, FieldElement8.One));
        var flippedSignI = FieldElement8.IsZero(FieldElement8.Add(wrr, FieldElement8.SqrtM1));
        FieldElement8.Mul(r, FieldElement8.SqrtM1, out var ri);
        var wasSquare = correctSign | flippedSign;
        var invSqrt = FieldElement8.Select(flippedSign | flippedSignI, ri, r);

        // invSqrt's sign is left as it comes (RFC's SQRT_RATIO_M1 takes |r|): x below takes its own
        // absolute value, and y uses invSqrt², so neither depends on it.
        FieldElement8.Mul(invSqrt, d.U2, out var denX);
        FieldElement8.Mul(invSqrt, denX, out var denY);
        FieldElement8.Mul(denY, d.V, out denY);
        FieldElement8.Mul(denX, d.S, out var x);
        x = FieldElement8.Add(x, x);                         // 2·s·den_x, B1
        x = FieldElement8.Select(FieldElement8.IsNegative(x), FieldElement8.Neg(x), x);
        FieldElement8.Mul(d.U1, denY, out var y);
        FieldElement8.Mul(x, y, out var t);
        return wasSquare & ~FieldElement8.IsNegative(t) & ~FieldElement8.IsZero(y);
    }
}
