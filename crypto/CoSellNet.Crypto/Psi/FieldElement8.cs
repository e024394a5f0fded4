using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using V = System.Runtime.Intrinsics.Vector512<long>;

namespace CoSellNet.Crypto;

/// <summary>
/// Eight elements of GF(2^255-19) side by side, for AVX-512: ref10's representation (libsodium's
/// fe_25_5, SUPERCOP's ref10) of ten signed limbs in radix 2^25.5 (26, 25, 26, 25, ... bits), limb i
/// of all eight lanes in one <see cref="Vector512{T}"/> of longs. Each function is ref10's, lane-wise,
/// and keeps ref10's limb bounds, which it names: B0 is a product's output (|limbs| ≤ 1.01·2^25,
/// 1.01·2^24, ...), B1 a sum or difference of two B0 values (≤ 1.1·2^26, 1.1·2^25, ...); products take
/// B0 or B1 (their bound is 1.65·2^26, 1.65·2^25, ...), and so does <see cref="Reduce"/>. Limbs sit
/// sign-extended in 64-bit lanes, so a product of two limbs is vpmuldq (signed 32×32→64 on the low
/// halves), as ref10's int32×int32→int64. Not constant-time: only for public inputs (points off the wire).
/// The working methods are compiled optimized at once: at tier 0 a node's first chunk took ~0.25 s instead of ~25 ms.
/// </summary>
internal struct FieldElement8
{
    public V L0, L1, L2, L3, L4, L5, L6, L7, L8, L9;

    /// <summary>d = -121665/121666, ref10's ed25519_d (fe_25_5/constants.h).</summary>
    public static readonly FieldElement8 D = Constant(-10913610, 13857413, -15372611, 6949391, 114729, -8787816, -6275908, -3247719, -18696448, -12055116);

    /// <summary>sqrt(-1), ref10's fe25519_sqrtm1 (fe_25_5/constants.h).</summary>
    public static readonly FieldElement8 SqrtM1 = Constant(-32595792, -7943725, 9377950, 3500415, 12389472, -272473, -25146209, -2005654, 326686, 11406482);

    /// <summary>1.</summary>
    public static readonly FieldElement8 One = Constant(1, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static FieldElement8 Constant(long l0, long l1, long l2, long l3, long l4, long l5, long l6, long l7, long l8, long l9) => new()
    {
        L0 = Vector512.Create(l0), L1 = Vector512.Create(l1), L2 = Vector512.Create(l2), L3 = Vector512.Create(l3), L4 = Vector512.Create(l4),
        L5 = Vector512.Create(l5), L6 = Vector512.Create(l6), L7 = Vector512.Create(l7), L8 = Vector512.Create(l8), L9 = Vector512.Create(l9),
    };

    /// <summary>
    /// ref10's fe_frombytes from limbs already cut at bits 0, 26, 51, 77, ... (each lane's limb i in
    /// limbs[8·i + lane], non-negative, below 2^26 or 2^25): its carries then centre the limbs (output B0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void FromLimbs(long* limbs, out FieldElement8 h)
    {
        var h0 = Vector512.Load(limbs); var h1 = Vector512.Load(limbs + 8); var h2 = Vector512.Load(limbs + 16); var h3 = Vector512.Load(limbs + 24);
        var h4 = Vector512.Load(limbs + 32); var h5 = Vector512.Load(limbs + 40); var h6 = Vector512.Load(limbs + 48); var h7 = Vector512.Load(limbs + 56);
        var h8 = Vector512.Load(limbs + 64); var h9 = Vector512.Load(limbs + 72);
        V c;
        c = (h9 + Vector512.Create(1L << 24)) >> 25; h0 += Times19(c); h9 -= c << 25;
        c = (h1 + Vector512.Create(1L << 24)) >> 25; h2 += c; h1 -= c << 25;
        c = (h3 + Vector512.Create(1L << 24)) >> 25; h4 += c; h3 -= c << 25;
        c = (h5 + Vector512.Create(1L << 24)) >> 25; h6 += c; h5 -= c << 25;
        c = (h7 + Vector512.Create(1L << 24)) >> 25; h8 += c; h7 -= c << 25;
        c = (h0 + Vector512.Create(1L << 25)) >> 26; h1 += c; h0 -= c << 26;
        c = (h2 + Vector512.Create(1L << 25)) >> 26; h3 += c; h2 -= c << 26;
        c = (h4 + Vector512.Create(1L << 25)) >> 26; h5 += c; h4 -= c << 26;
        c = (h6 + Vector512.Create(1L << 25)) >> 26; h7 += c; h6 -= c << 26;
        c = (h8 + Vector512.Create(1L << 25)) >> 26; h9 += c; h8 -= c << 26;
        h = new() { L0 = h0, L1 = h1, L2 = h2, L3 = h3, L4 = h4, L5 = h5, L6 = h6, L7 = h7, L8 = h8, L9 = h9 };
    }

    /// <summary>f + g (inputs B0, output B1).</summary>
    public static FieldElement8 Add(in FieldElement8 f, in FieldElement8 g) => new()
    {
        L0 = f.L0 + g.L0, L1 = f.L1 + g.L1, L2 = f.L2 + g.L2, L3 = f.L3 + g.L3, L4 = f.L4 + g.L4,
        L5 = f.L5 + g.L5, L6 = f.L6 + g.L6, L7 = f.L7 + g.L7, L8 = f.L8 + g.L8, L9 = f.L9 + g.L9,
    };

    /// <summary>f - g (inputs B0, output B1).</summary>
    public static FieldElement8 Sub(in FieldElement8 f, in FieldElement8 g) => new()
    {
        L0 = f.L0 - g.L0, L1 = f.L1 - g.L1, L2 = f.L2 - g.L2, L3 = f.L3 - g.L3, L4 = f.L4 - g.L4,
        L5 = f.L5 - g.L5, L6 = f.L6 - g.L6, L7 = f.L7 - g.L7, L8 = f.L8 - g.L8, L9 = f.L9 - g.L9,
    };

    /// <summary>-f (keeps f's bound).</summary>
    public static FieldElement8 Neg(in FieldElement8 f) => new()
    {
        L0 = -f.L0, L1 = -f.L1, L2 = -f.L2, L3 = -f.L3, L4 = -f.L4, L5 = -f.L5, L6 = -f.L6, L7 = -f.L7, L8 = -f.L8, L9 = -f.L9,
    };

    /// <summary>Per lane: g where <paramref name="mask"/> is all ones, else f.</summary>
    public static FieldElement8 Select(V mask, in FieldElement8 g, in FieldElement8 f) => new()
    {
        L0 = Vector512.ConditionalSelect(mask, g.L0, f.L0), L1 = Vector512.ConditionalSelect(mask, g.L1, f.L1),
        L2 = Vector512.ConditionalSelect(mask, g.L2, f.L2), L3 = Vector512.ConditionalSelect(mask, g.L3, f.L3),
        L4 = Vector512.ConditionalSelect(mask, g.L4, f.L4), L5 = Vector512.ConditionalSelect(mask, g.L5, f.L5),
        L6 = Vector512.ConditionalSelect(mask, g.L6, f.L6), L7 = Vector512.ConditionalSelect(mask, g.L7, f.L7),
        L8 = Vector512.ConditionalSelect(mask, g.L8, f.L8), L9 = Vector512.ConditionalSelect(mask, g.L9, f.L9),
    };

    /// <summary>Lanes where f ≡ 0 (mod p) all ones (fe_iszero; input B1).</summary>
    public static V IsZero(in FieldElement8 f)
    {
        Reduce(f, out var r);
        return Vector512.Equals(r.L0 | r.L1 | r.L2 | r.L3 | r.L4 | r.L5 | r.L6 | r.L7 | r.L8 | r.L9, V.Zero);
    }

    /// <summary>Lanes where f mod p is odd all ones (fe_isnegative, RFC 9496's IS_NEGATIVE; input B1).</summary>
    public static V IsNegative(in FieldElement8 f)
    {
        Reduce(f, out var r);
        return Vector512.Equals(r.L0 & V.One, V.One);
    }

    /// <summary>ref10's fe_reduce (the heart of fe_tobytes): the canonical limbs of f mod p, each non-negative (input B1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Reduce(in FieldElement8 f, out FieldElement8 h)
    {
        var h0 = f.L0; var h1 = f.L1; var h2 = f.L2; var h3 = f.L3; var h4 = f.L4;
        var h5 = f.L5; var h6 = f.L6; var h7 = f.L7; var h8 = f.L8; var h9 = f.L9;
        // q = floor(f / p), from the top limb's carry rippled down (ref10's proof is in its fe.h).
        var q = (Times19(h9) + Vector512.Create(1L << 24)) >> 25;
        q = (h0 + q) >> 26; q = (h1 + q) >> 25; q = (h2 + q) >> 26; q = (h3 + q) >> 25; q = (h4 + q) >> 26;
        q = (h5 + q) >> 25; q = (h6 + q) >> 26; q = (h7 + q) >> 25; q = (h8 + q) >> 26; q = (h9 + q) >> 25;
        h0 += Times19(q);
        V c;
        c = h0 >> 26; h1 += c; h0 -= c << 26;
        c = h1 >> 25; h2 += c; h1 -= c << 25;
        c = h2 >> 26; h3 += c; h2 -= c << 26;
        c = h3 >> 25; h4 += c; h3 -= c << 25;
        c = h4 >> 26; h5 += c; h4 -= c << 26;
        c = h5 >> 25; h6 += c; h5 -= c << 25;
        c = h6 >> 26; h7 += c; h6 -= c << 26;
        c = h7 >> 25; h8 += c; h7 -= c << 25;
        c = h8 >> 26; h9 += c; h8 -= c << 26;
        c = h9 >> 25; h9 -= c << 25;
        h = new() { L0 = h0, L1 = h1, L2 = h2, L3 = h3, L4 = h4, L5 = h5, L6 = h6, L7 = h7, L8 = h8, L9 = h9 };
    }

    /// <summary>f·g (fe_mul: inputs B1 or B0, output B0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Mul(in FieldElement8 f, in FieldElement8 g, out FieldElement8 h)
    {
        var f0 = f.L0; var f1 = f.L1; var f2 = f.L2; var f3 = f.L3; var f4 = f.L4;
        var f5 = f.L5; var f6 = f.L6; var f7 = f.L7; var f8 = f.L8; var f9 = f.L9;
        var g0 = g.L0; var g1 = g.L1; var g2 = g.L2; var g3 = g.L3; var g4 = g.L4;
        var g5 = g.L5; var g6 = g.L6; var g7 = g.L7; var g8 = g.L8; var g9 = g.L9;
        // 19·g_i < 1.96·2^30 and 2·f_i still fit a signed 32-bit half (ref10's comments), so 19·g_i is one
        // vpmuldq: a third faster overall than two shifts and two adds, as 512-bit shifts issue only one a cycle.
        var k19 = Vector512.Create(19L);
        var g1_19 = M(g1, k19); var g2_19 = M(g2, k19); var g3_19 = M(g3, k19); var g4_19 = M(g4, k19);
        var g5_19 = M(g5, k19); var g6_19 = M(g6, k19); var g7_19 = M(g7, k19); var g8_19 = M(g8, k19); var g9_19 = M(g9, k19);
        var f1_2 = f1 + f1; var f3_2 = f3 + f3; var f5_2 = f5 + f5; var f7_2 = f7 + f7; var f9_2 = f9 + f9;

        var h0 = M(f0, g0) + M(f1_2, g9_19) + M(f2, g8_19) + M(f3_2, g7_19) + M(f4, g6_19) + M(f5_2, g5_19) + M(f6, g4_19) + M(f7_2, g3_19) + M(f8, g2_19) + M(f9_2, g1_19);
        var h1 = M(f0, g1) + M(f1, g0) + M(f2, g9_19) + M(f3, g8_19) + M(f4, g7_19) + M(f5, g6_19) + M(f6, g5_19) + M(f7, g4_19) + M(f8, g3_19) + M(f9, g2_19);
        var h2 = M(f0, g2) + M(f1_2, g1) + M(f2, g0) + M(f3_2, g9_19) + M(f4, g8_19) + M(f5_2, g7_19) + M(f6, g6_19) + M(f7_2, g5_19) + M(f8, g4_19) + M(f9_2, g3_19);
        var h3 = M(f0, g3) + M(f1, g2) + M(f2, g1) + M(f3, g0) + M(f4, g9_19) + M(f5, g8_19) + M(f6, g7_19) + M(f7, g6_19) + M(f8, g5_19) + M(f9, g4_19);
        var h4 = M(f0, g4) + M(f1_2, g3) + M(f2, g2) + M(f3_2, g1) + M(f4, g0) + M(f5_2, g9_19) + M(f6, g8_19) + M(f7_2, g7_19) + M(f8, g6_19) + M(f9_2, g5_19);
        var h5 = M(f0, g5) + M(f1, g4) + M(f2, g3) + M(f3, g2) + M(f4, g1) + M(f5, g0) + M(f6, g9_19) + M(f7, g8_19) + M(f8, g7_19) + M(f9, g6_19);
        var h6 = M(f0, g6) + M(f1_2, g5) + M(f2, g4) + M(f3_2, g3) + M(f4, g2) + M(f5_2, g1) + M(f6, g0) + M(f7_2, g9_19) + M(f8, g8_19) + M(f9_2, g7_19);
        var h7 = M(f0, g7) + M(f1, g6) + M(f2, g5) + M(f3, g4) + M(f4, g3) + M(f5, g2) + M(f6, g1) + M(f7, g0) + M(f8, g9_19) + M(f9, g8_19);
        var h8 = M(f0, g8) + M(f1_2, g7) + M(f2, g6) + M(f3_2, g5) + M(f4, g4) + M(f5_2, g3) + M(f6, g2) + M(f7_2, g1) + M(f8, g0) + M(f9_2, g9_19);
        var h9 = M(f0, g9) + M(f1, g8) + M(f2, g7) + M(f3, g6) + M(f4, g5) + M(f5, g4) + M(f6, g3) + M(f7, g2) + M(f8, g1) + M(f9, g0);
        Carry(h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, out h);
    }

    /// <summary>f² (fe_sq: input B1 or B0, output B0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sq(in FieldElement8 f, out FieldElement8 h)
    {
        var f0 = f.L0; var f1 = f.L1; var f2 = f.L2; var f3 = f.L3; var f4 = f.L4;
        var f5 = f.L5; var f6 = f.L6; var f7 = f.L7; var f8 = f.L8; var f9 = f.L9;
        var f0_2 = f0 + f0; var f1_2 = f1 + f1; var f2_2 = f2 + f2; var f3_2 = f3 + f3;
        var f4_2 = f4 + f4; var f5_2 = f5 + f5; var f6_2 = f6 + f6; var f7_2 = f7 + f7;
        // 19·f_i and 38·f_i < 1.96·2^30 (ref10's comments): vpmuldq by a constant, as in Mul.
        var k19 = Vector512.Create(19L); var k38 = Vector512.Create(38L);
        var f6_19 = M(f6, k19); var f8_19 = M(f8, k19);
        var f5_38 = M(f5, k38); var f7_38 = M(f7, k38); var f9_38 = M(f9, k38);

        var h0 = M(f0, f0) + M(f1_2, f9_38) + M(f2_2, f8_19) + M(f3_2, f7_38) + M(f4_2, f6_19) + M(f5, f5_38);
        var h1 = M(f0_2, f1) + M(f2, f9_38) + M(f3_2, f8_19) + M(f4, f7_38) + M(f5_2, f6_19);
        var h2 = M(f0_2, f2) + M(f1_2, f1) + M(f3_2, f9_38) + M(f4_2, f8_19) + M(f5_2, f7_38) + M(f6, f6_19);
        var h3 = M(f0_2, f3) + M(f1_2, f2) + M(f4, f9_38) + M(f5_2, f8_19) + M(f6, f7_38);
        var h4 = M(f0_2, f4) + M(f1_2, f3_2) + M(f2, f2) + M(f5_2, f9_38) + M(f6_2, f8_19) + M(f7, f7_38);
        var h5 = M(f0_2, f5) + M(f1_2, f4) + M(f2_2, f3) + M(f6, f9_38) + M(f7_2, f8_19);
        var h6 = M(f0_2, f6) + M(f1_2, f5_2) + M(f2_2, f4) + M(f3_2, f3) + M(f7_2, f9_38) + M(f8, f8_19);
        var h7 = M(f0_2, f7) + M(f1_2, f6) + M(f2_2, f5) + M(f3_2, f4) + M(f8, f9_38);
        var h8 = M(f0_2, f8) + M(f1_2, f7_2) + M(f2_2, f6) + M(f3_2, f5_2) + M(f4, f4) + M(f9, f9_38);
        var h9 = M(f0_2, f9) + M(f1_2, f8) + M(f2_2, f7) + M(f3_2, f6) + M(f4_2, f5);
        Carry(h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, out h);
    }

    /// <summary>f squared n times (n ≥ 1), and g alike: two independent chains interleaved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SqTimes(in FieldElement8 f, in FieldElement8 g, int n, out FieldElement8 hf, out FieldElement8 hg)
    {
        Sq(f, out hf);
        Sq(g, out hg);
        for (var i = 1; i < n; i++)
        {
            Sq(hf, out hf);
            Sq(hg, out hg);
        }
    }

    /// <summary>
    /// z^((p-5)/8) = z^(2^252-3) for two elements, ref10's fe_pow22523 (its addition chain, step for step)
    /// on each, the steps interleaved: one squaring waits on the last, so two independent chains keep the
    /// vector units busier (a squaring 29 ns instead of 39 for eight lanes, measured on this Zen 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pow22523(in FieldElement8 z, in FieldElement8 y, out FieldElement8 hz, out FieldElement8 hy)
    {
        Sq(z, out var z0); Sq(y, out var y0);
        SqTimes(z0, y0, 2, out var z1, out var y1);
        Mul(z, z1, out z1); Mul(y, y1, out y1);
        Mul(z0, z1, out z0); Mul(y0, y1, out y0);
        Sq(z0, out z0); Sq(y0, out y0);
        Mul(z1, z0, out z0); Mul(y1, y0, out y0);
        SqTimes(z0, y0, 5, out z1, out y1);
        Mul(z1, z0, out z0); Mul(y1, y0, out y0);
        SqTimes(z0, y0, 10, out z1, out y1);
        Mul(z1, z0, out z1); Mul(y1, y0, out y1);
        SqTimes(z1, y1, 20, out var z2, out var y2);
        Mul(z2, z1, out z1); Mul(y2, y1, out y1);
        SqTimes(z1, y1, 10, out z1, out y1);
        Mul(z1, z0, out z0); Mul(y1, y0, out y0);
        SqTimes(z0, y0, 50, out z1, out y1);
        Mul(z1, z0, out z1); Mul(y1, y0, out y1);
        SqTimes(z1, y1, 100, out z2, out y2);
        Mul(z2, z1, out z1); Mul(y2, y1, out y1);
        SqTimes(z1, y1, 50, out z1, out y1);
        Mul(z1, z0, out z0); Mul(y1, y0, out y0);
        SqTimes(z0, y0, 2, out z0, out y0);
        Mul(z0, z, out hz); Mul(y0, y, out hy);
    }

    /// <summary>Signed 32×32→64 product of each lane's low halves (vpmuldq).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V M(V a, V b) => Avx512F.Multiply(a.AsInt32(), b.AsInt32());

    /// <summary>19·x exactly in 64 bits, for values that may exceed 32 bits (a carry out of h9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Times19(V x) => x + (x << 1) + (x << 4);

    /// <summary>ref10's carry chain after fe_mul and fe_sq: from 64-bit column sums to B0 limbs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Carry(V h0, V h1, V h2, V h3, V h4, V h5, V h6, V h7, V h8, V h9, out FieldElement8 h)
    {
        V c;
        c = (h0 + Vector512.Create(1L << 25)) >> 26; h1 += c; h0 -= c << 26;
        c = (h4 + Vector512.Create(1L << 25)) >> 26; h5 += c; h4 -= c << 26;
        c = (h1 + Vector512.Create(1L << 24)) >> 25; h2 += c; h1 -= c << 25;
        c = (h5 + Vector512.Create(1L << 24)) >> 25; h6 += c; h5 -= c << 25;
        c = (h2 + Vector512.Create(1L << 25)) >> 26; h3 += c; h2 -= c << 26;
        c = (h6 + Vector512.Create(1L << 25)) >> 26; h7 += c; h6 -= c << 26;
        c = (h3 + Vector512.Create(1L << 24)) >> 25; h4 += c; h3 -= c << 25;
        c = (h7 + Vector512.Create(1L << 24)) >> 25; h8 += c; h7 -= c << 25;
        c = (h4 + Vector512.Create(1L << 25)) >> 26; h5 += c; h4 -= c << 26;
        c = (h8 + Vector512.Create(1L << 25)) >> 26; h9 += c; h8 -= c << 26;
        c = (h9 + Vector512.Create(1L << 24)) >> 25; h0 += Times19(c); h9 -= c << 25;
        c = (h0 + Vector512.Create(1L << 25)) >> 26; h1 += c; h0 -= c << 26;
        h = new() { L0 = h0, L1 = h1, L2 = h2, L3 = h3, L4 = h4, L5 = h5, L6 = h6, L7 = h7, L8 = h8, L9 = h9 };
    }
}
