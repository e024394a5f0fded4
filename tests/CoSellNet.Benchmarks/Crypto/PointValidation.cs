using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CoSellNet.Crypto;
using CoSellNet.Crypto.Native;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// The node's check of uploaded points, per point on one core: <see cref="Ristretto255.IndexOfInvalidPoint(ReadOnlySpan{byte})"/>
/// (eight at a time with AVX-512) against libsodium's crypto_core_ristretto255_is_valid_point called on each
/// point in native memory, the check the node used before. Ratio = ours / libsodium's time, in the same run.
/// Points as an upload chunk holds them too: 48-byte records, a 16-byte id then the point.
/// </summary>
[Config(typeof(OneCoreConfig))]
[OperationsPerSecond, MemoryDiagnoser]
public unsafe class PointValidation
{
    private const int Count = 1024;
    private const int RecordSize = 48;
    private readonly byte[] points = GC.AllocateArray<byte>(Count * PsiKey.PointSize, pinned: true);
    private readonly byte[] records = GC.AllocateArray<byte>(Count * RecordSize, pinned: true);
    private byte* nativePoints;

    [GlobalSetup]
    public void Setup()
    {
        using (var key = PsiKey.Random())
            for (var i = 0; i < Count; i++)
                key.Blind(new MatchKey(MatchKeyKind.Domain, $"company-{i}.com"), points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize));
        for (var i = 0; i < Count; i++)
            points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize).CopyTo(records.AsSpan(i * RecordSize + 16));
        nativePoints = (byte*)NativeMemory.AlignedAlloc(Count * PsiKey.PointSize, 64);
        points.CopyTo(new Span<byte>(nativePoints, points.Length));
        // Both sides must do the whole work: every point is valid, so nothing stops early.
        if (SodiumIsValidPoint() != -1 || Ours() != -1 || OursInRecords() != -1 || OursWithoutAvx512() != -1)
            throw new InvalidOperationException("A blinded point was refused.");
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(nativePoints);

    [Benchmark(Baseline = true, OperationsPerInvoke = Count, Description = "libsodium is_valid_point, one by one")]
    public int SodiumIsValidPoint()
    {
        for (var i = 0; i < Count; i++)
            if (Sodium.crypto_core_ristretto255_is_valid_point(nativePoints + i * PsiKey.PointSize) != 1) return i;
        return -1;
    }

    [Benchmark(OperationsPerInvoke = Count, Description = "Ristretto255.IndexOfInvalidPoint")]
    public int Ours() => Ristretto255.IndexOfInvalidPoint(points);

    [Benchmark(OperationsPerInvoke = Count, Description = "IndexOfInvalidPoint, 48-byte records")]
    public int OursInRecords() => Ristretto255.IndexOfInvalidPoint(records, RecordSize, 16);

    [Benchmark(OperationsPerInvoke = Count, Description = "IndexOfInvalidPoint, fallback (no AVX-512)")]
    public int OursWithoutAvx512() => Ristretto255.IndexOfInvalidPoint(points, PsiKey.PointSize, 0, vectorized: false);
}
