using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CoSellNet.Crypto;
using CoSellNet.Crypto.Native;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// PSI primitives per element on one core, each against a baseline that does the same native work
/// with nothing around it: libsodium through the library's own <see cref="Sodium"/> bindings on
/// preallocated native buffers (and the BCL's SHA-256 for tags). Ratio = ours / baseline time,
/// so the throughput ratio the issue asks for (baseline / ours) is 1 / Ratio. Timed in thread CPU
/// time (<see cref="OneCoreConfig"/>).
/// </summary>
[Config(typeof(OneCoreConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, OperationsPerSecond, MemoryDiagnoser]
public unsafe class PsiPerElement
{
    // Below PsiKey's parallel threshold, so ReblindToTags runs on the calling thread.
    internal const int TagBatch = 128;
    private const int TagDstLength = 20;   // "CoSellNet-PSI-V1-tag"
    private const int Sha512Block = 128;
    private static readonly byte[] HashDst = Encoding.ASCII.GetBytes(PsiKey.HashDst);

    private PsiKey key = null!;
    private MatchKey matchKey;
    private readonly byte[] point = GC.AllocateArray<byte>(PsiKey.PointSize, pinned: true);
    private readonly byte[] result = GC.AllocateArray<byte>(PsiKey.PointSize, pinned: true);
    private readonly byte[] tag = GC.AllocateArray<byte>(PsiKey.TagSize, pinned: true);
    private readonly byte[] points = GC.AllocateArray<byte>(TagBatch * PsiKey.PointSize, pinned: true);
    private readonly byte[] tags = GC.AllocateArray<byte>(TagBatch * PsiKey.TagSize, pinned: true);

    // Baseline state: native memory, filled once.
    private byte* scalar;       // the same scalar as key's
    private byte* b0Input;      // Z_pad ‖ msg ‖ I2OSP(64, 2) ‖ 0 ‖ DST ‖ len(DST)
    private int b0Length;
    private byte* b1Input;      // b_0 ‖ 1 ‖ DST ‖ len(DST); b_0 is hashed straight into its first 64 bytes
    private int b1Length;
    private byte* uniform;      // b_1
    private byte* hashed;       // H(k)
    private byte* product;      // a·H(k), b·P
    private byte* nativePoints; // copy of points
    private byte* tagInput;     // tag DST ‖ b·P; scalar multiplication writes straight into it
    private byte* digests;      // SHA-256 per element

    [GlobalSetup]
    public void Setup()
    {
        Span<byte> wide = stackalloc byte[Ristretto255.UniformSize];
        RandomNumberGenerator.Fill(wide);
        key = PsiKey.FromUniformBytes(wide);
        scalar = Alloc(Ristretto255.ScalarSize);
        Ristretto255.ReduceScalar(wide, new Span<byte>(scalar, Ristretto255.ScalarSize));

        matchKey = MatchKeys.FromDomainLike("https://www.acme-widgets.com/").Key!.Value;
        var message = new byte[1 + Encoding.UTF8.GetByteCount(matchKey.Value)];
        message[0] = (byte)matchKey.Kind;
        Encoding.UTF8.GetBytes(matchKey.Value, message.AsSpan(1));

        b0Length = Sha512Block + message.Length + 2 + 1 + HashDst.Length + 1;
        b0Input = Alloc(b0Length);
        var b0 = new Span<byte>(b0Input, b0Length);
        message.CopyTo(b0[Sha512Block..]);
        b0[Sha512Block + message.Length + 1] = Ristretto255.UniformSize; // I2OSP(64, 2), then 0
        HashDst.CopyTo(b0[(Sha512Block + message.Length + 3)..]);
        b0[^1] = (byte)HashDst.Length;

        b1Length = 64 + 1 + HashDst.Length + 1;
        b1Input = Alloc(b1Length);
        var b1 = new Span<byte>(b1Input, b1Length);
        b1[64] = 1;
        HashDst.CopyTo(b1[65..]);
        b1[^1] = (byte)HashDst.Length;

        uniform = Alloc(Ristretto255.UniformSize);
        hashed = Alloc(PsiKey.PointSize);
        product = Alloc(PsiKey.PointSize);
        tagInput = Alloc(TagDstLength + PsiKey.PointSize);
        Encoding.ASCII.GetBytes(PsiKey.TagDst, new Span<byte>(tagInput, TagDstLength));
        digests = Alloc(TagBatch * 32);

        using (var other = PsiKey.Random())
            for (var i = 0; i < TagBatch; i++)
                other.Blind(new MatchKey(MatchKeyKind.Domain, $"company-{i}.com"), points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize));
        nativePoints = Alloc(points.Length);
        points.CopyTo(new Span<byte>(nativePoints, points.Length));
        points.AsSpan(0, PsiKey.PointSize).CopyTo(point);

        // The baselines compute the same thing as ours: check it once, so neither side measures a shortcut.
        SodiumBlind();
        key.Blind(matchKey, result);
        Check(result.AsSpan().SequenceEqual(new ReadOnlySpan<byte>(product, PsiKey.PointSize)), "blind");
        SodiumReblindToTags();
        PsiKeyReblindToTags();
        for (var i = 0; i < TagBatch; i++)
            Check(tags.AsSpan(i * PsiKey.TagSize, PsiKey.TagSize).SequenceEqual(new ReadOnlySpan<byte>(digests + i * 32, PsiKey.TagSize)), "tag");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        key.Dispose();
        foreach (var p in new[] { scalar, b0Input, b1Input, uniform, hashed, product, nativePoints, tagInput, digests })
            NativeMemory.AlignedFree(p);
    }

    /// <summary>expand_message_xmd's two SHA-512 blocks, the map to the group, one scalar multiplication.</summary>
    [Benchmark(Baseline = true, Description = "libsodium: 2×sha512 + from_hash + scalarmult"), BenchmarkCategory("Blind")]
    public void SodiumBlind()
    {
        Sodium.crypto_hash_sha512(b1Input, b0Input, (ulong)b0Length);
        Sodium.crypto_hash_sha512(uniform, b1Input, (ulong)b1Length);
        Sodium.crypto_core_ristretto255_from_hash(hashed, uniform);
        Sodium.crypto_scalarmult_ristretto255(product, scalar, hashed);
    }

    [Benchmark(Description = "PsiKey.Blind(MatchKey)"), BenchmarkCategory("Blind")]
    public void PsiKeyBlind() => key.Blind(matchKey, result);

    [Benchmark(Baseline = true, Description = "libsodium: scalarmult"), BenchmarkCategory("Reblind")]
    public void SodiumReblind() => Sodium.crypto_scalarmult_ristretto255(product, scalar, nativePoints);

    [Benchmark(Description = "PsiKey.Reblind"), BenchmarkCategory("Reblind")]
    public void PsiKeyReblind() => key.Reblind(point, result);

    /// <summary>Per element of 128: scalar multiplication, then SHA-256 over the tag input.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = TagBatch, Description = "libsodium scalarmult + SHA256.HashData"), BenchmarkCategory("ReblindToTags")]
    public void SodiumReblindToTags()
    {
        var input = new ReadOnlySpan<byte>(tagInput, TagDstLength + PsiKey.PointSize);
        for (var i = 0; i < TagBatch; i++)
        {
            Sodium.crypto_scalarmult_ristretto255(tagInput + TagDstLength, scalar, nativePoints + i * PsiKey.PointSize);
            SHA256.HashData(input, new Span<byte>(digests + i * 32, 32));
        }
    }

    [Benchmark(OperationsPerInvoke = TagBatch, Description = "PsiKey.ReblindToTags (128)"), BenchmarkCategory("ReblindToTags")]
    public void PsiKeyReblindToTags() => key.ReblindToTags(points, tags);

    [Benchmark(Baseline = true, Description = "SHA256.HashData(52 B)"), BenchmarkCategory("Tag")]
    public void Sha256Tag() => SHA256.HashData(new ReadOnlySpan<byte>(tagInput, TagDstLength + PsiKey.PointSize), new Span<byte>(digests, 32));

    [Benchmark(Description = "PsiKey.Tag"), BenchmarkCategory("Tag")]
    public void PsiKeyTag() => PsiKey.Tag(point, tag);

    private static byte* Alloc(int length)
    {
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)length, 64);
        NativeMemory.Clear(p, (nuint)length);
        return p;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException($"The {what} baseline does not compute what PsiKey does.");
    }
}
