using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Crypto.Native;

namespace CoSellNet.Crypto;

/// <summary>
/// A partner's secret scalar for one partnership and epoch (derive it with
/// <see cref="MasterSecret.DerivePsiKey"/>). Blinds match keys, <c>a·H(k)</c>, and re-blinds the
/// counterpart's points into tags, <c>tag(b·P)</c>. Every point from outside is validated; a bad
/// one throws <see cref="InvalidPointException"/> naming its index and nothing is skipped.
/// Thread-safe; batch methods use all cores and allocate nothing per element.
/// </summary>
public sealed unsafe class PsiKey : IDisposable
{
    /// <summary>Domain separation tag of the PSI hash to the group (RFC 9380 section 3.1).</summary>
    public const string HashDst = "CoSellNet-PSI-V1-ristretto255_XMD:SHA-512_R255MAP_RO_";
    /// <summary>Domain separation prefix of tags: tag = SHA-256(TagDst ‖ point)[..16].</summary>
    public const string TagDst = "CoSellNet-PSI-V1-tag";
    /// <summary>Size of a blinded point.</summary>
    public const int PointSize = Ristretto255.PointSize;
    /// <summary>Size of a tag.</summary>
    public const int TagSize = 16;

    private static ReadOnlySpan<byte> HashDstBytes => "CoSellNet-PSI-V1-ristretto255_XMD:SHA-512_R255MAP_RO_"u8;
    private static ReadOnlySpan<byte> TagDstBytes => "CoSellNet-PSI-V1-tag"u8;
    private const int MaxKeyBytes = 1 + MatchKey.MaxLength * 3;
    // Below this many elements the cost of scheduling outweighs a second core.
    private const int ParallelThreshold = 256;
    private const int BatchSlice = 512;

    // Pinned so the GC never leaves copies of the secret behind when it compacts.
    private readonly byte[] scalar = GC.AllocateArray<byte>(Ristretto255.ScalarSize, pinned: true);
    private bool disposed;

    private PsiKey(ReadOnlySpan<byte> reducedScalar)
    {
        if (reducedScalar.IndexOfAnyExcept((byte)0) < 0)
            throw new CryptographicException("A PSI key must not be zero.");
        reducedScalar.CopyTo(scalar);
    }

    /// <summary>A key from 64 uniform secret bytes, reduced mod ℓ (how <see cref="MasterSecret"/> derives it).</summary>
    public static PsiKey FromUniformBytes(ReadOnlySpan<byte> uniform64)
    {
        Span<byte> reduced = stackalloc byte[Ristretto255.ScalarSize];
        Ristretto255.ReduceScalar(uniform64, reduced);
        try { return new PsiKey(reduced); }
        finally { CryptographicOperations.ZeroMemory(reduced); }
    }

    /// <summary>A fresh random key (tests, and throwaway keys).</summary>
    public static PsiKey Random()
    {
        Span<byte> wide = stackalloc byte[Ristretto255.UniformSize];
        RandomNumberGenerator.Fill(wide);
        try { return FromUniformBytes(wide); }
        finally { CryptographicOperations.ZeroMemory(wide); }
    }

    /// <summary>Blinds one match key: <paramref name="point"/> = a·H(key).</summary>
    public void Blind(MatchKey key, Span<byte> point)
    {
        Ristretto255.CheckLength(point, PointSize, nameof(point));
        fixed (byte* p = point) BlindOne(key, p);
    }

    /// <summary>Blinds many keys: point i (32 bytes at i·32 of <paramref name="points"/>) = a·H(keys[i]).</summary>
    public void Blind(IReadOnlyList<MatchKey> keys, Span<byte> points)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (points.Length != keys.Count * PointSize)
            throw new ArgumentException($"Expected {keys.Count} × {PointSize} bytes for the points, got {points.Length}.", nameof(points));
        // Checked up front so that a bad key is an ArgumentException naming it, not an AggregateException from a worker.
        for (var i = 0; i < keys.Count; i++)
            if (keys[i].Value is null) throw new ArgumentException($"Key {i} is a default MatchKey; make keys with MatchKeys.", nameof(keys));
        fixed (byte* p = points)
        {
            var output = p;
            ForEachSlice(keys.Count, (from, to) =>
            {
                for (var i = from; i < to; i++) BlindOne(keys[i], output + i * PointSize);
                return -1;
            });
        }
    }

    /// <summary>Re-blinds one point: <paramref name="result"/> = b·P. Throws <see cref="InvalidPointException"/> (index 0) for a bad point.</summary>
    public void Reblind(ReadOnlySpan<byte> point, Span<byte> result)
    {
        Ristretto255.CheckLength(point, PointSize, nameof(point));
        Ristretto255.CheckLength(result, PointSize, nameof(result));
        fixed (byte* p = point)
        fixed (byte* q = result)
            if (!MultiplyOne(p, q)) throw new InvalidPointException(0);
    }

    /// <summary>
    /// Re-blinds many points and tags them: tag i (16 bytes) = <see cref="Tag"/>(b·P_i). Every point
    /// is checked; the first bad one throws <see cref="InvalidPointException"/> with its index.
    /// </summary>
    public void ReblindToTags(ReadOnlySpan<byte> points, Span<byte> tags)
    {
        if (points.Length % PointSize != 0)
            throw new ArgumentException($"Points come in {PointSize}-byte units; got {points.Length} bytes.", nameof(points));
        var count = points.Length / PointSize;
        if (tags.Length != count * TagSize)
            throw new ArgumentException($"Expected {count} × {TagSize} bytes for the tags, got {tags.Length}.", nameof(tags));
        fixed (byte* input = points)
        fixed (byte* output = tags)
        {
            var source = input;
            var destination = output;
            var bad = ForEachSlice(count, (from, to) =>
            {
                var product = stackalloc byte[PointSize];
                for (var i = from; i < to; i++)
                {
                    if (!MultiplyOne(source + i * PointSize, product)) return i;
                    TagOne(new ReadOnlySpan<byte>(product, PointSize), new Span<byte>(destination + i * TagSize, TagSize));
                }
                return -1;
            });
            if (bad >= 0)
            {
                tags.Clear();
                throw new InvalidPointException(bad);
            }
        }
    }

    /// <summary>The tag of a (re-blinded) point: the first 16 bytes of SHA-256(<see cref="TagDst"/> ‖ point).</summary>
    public static void Tag(ReadOnlySpan<byte> point, Span<byte> tag)
    {
        Ristretto255.CheckLength(point, PointSize, nameof(point));
        Ristretto255.CheckLength(tag, TagSize, nameof(tag));
        TagOne(point, tag);
    }

    /// <summary>
    /// Validates points received from outside without multiplying them: throws
    /// <see cref="InvalidPointException"/> with the index of the first one that is not a canonical, non-identity point.
    /// </summary>
    public static void ValidatePoints(ReadOnlySpan<byte> points)
    {
        if (points.Length % PointSize != 0)
            throw new ArgumentException($"Points come in {PointSize}-byte units; got {points.Length} bytes.", nameof(points));
        var invalid = Ristretto255.IndexOfInvalidPoint(points);
        if (invalid >= 0) throw new InvalidPointException(invalid);
    }

    /// <summary>Zeroes the scalar. The key cannot be used afterwards.</summary>
    public void Dispose()
    {
        disposed = true;
        CryptographicOperations.ZeroMemory(scalar);
    }

    private void BlindOne(MatchKey key, byte* point)
    {
        if (key.Value is null) throw new ArgumentException("A default MatchKey cannot be blinded; make keys with MatchKeys.", nameof(key));
        Span<byte> message = stackalloc byte[MaxKeyBytes];
        message[0] = (byte)key.Kind;
        var length = 1 + Encoding.UTF8.GetBytes(key.Value, message[1..]);
        Span<byte> hashed = stackalloc byte[PointSize];
        Ristretto255.HashToGroup(message[..length], HashDstBytes, hashed);
        fixed (byte* h = hashed)
            if (!MultiplyOne(h, point))
                throw new CryptographicException("Hashing to the group gave the identity; this cannot happen with a valid key.");
    }

    private bool MultiplyOne(byte* point, byte* result)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        fixed (byte* n = scalar)
            return Sodium.crypto_scalarmult_ristretto255(result, n, point) == 0;
    }

    private static void TagOne(ReadOnlySpan<byte> point, Span<byte> tag)
    {
        Span<byte> input = stackalloc byte[TagDstBytes.Length + PointSize];
        TagDstBytes.CopyTo(input);
        point.CopyTo(input[TagDstBytes.Length..]);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        digest[..TagSize].CopyTo(tag);
    }

    /// <summary>
    /// Runs <paramref name="work"/> over [0, count) in slices on all cores. Each slice returns the
    /// index of a bad element or -1; the result is the smallest bad index, or -1.
    /// </summary>
    /// <remarks>
    /// One loop per core, each taking the next slice from a shared counter, so no core waits at the
    /// end for more than one slice (~15 ms). <c>Parallel.For</c> over the slices split them into a
    /// range per core, handed out in growing steps of up to 16 slices: a core that started late or
    /// was interrupted held a step of up to ~250 ms at the end while the other idled. A batch of
    /// blinding takes ~0.25 s (an upload chunk) or ~2 s (a re-blind task), so that tail was a large
    /// part of each; the profile of a 1M sync showed one core idle for ~200 ms at the end of every
    /// re-blind task.
    /// </remarks>
    private static int ForEachSlice(int count, Func<int, int, int> work)
    {
        if (count < ParallelThreshold) return work(0, count);
        var slices = (count + BatchSlice - 1) / BatchSlice;
        var next = -1;
        // Once a slice finds a bad element, slices after it are not started; those before it were
        // all taken already (the counter only grows), so the smallest bad index is still found.
        var lastSlice = slices - 1;
        var firstBad = int.MaxValue;
        Parallel.For(0, Math.Min(Environment.ProcessorCount, slices), _ =>
        {
            int slice;
            while ((slice = Interlocked.Increment(ref next)) <= Volatile.Read(ref lastSlice))
            {
                var from = slice * BatchSlice;
                var bad = work(from, Math.Min(count, from + BatchSlice));
                if (bad < 0) continue;
                Lower(ref firstBad, bad);
                Lower(ref lastSlice, slice);
                return;
            }
        });
        return firstBad == int.MaxValue ? -1 : firstBad;
    }

    private static void Lower(ref int location, int value)
    {
        int seen;
        while (value < (seen = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen) { }
    }
}
