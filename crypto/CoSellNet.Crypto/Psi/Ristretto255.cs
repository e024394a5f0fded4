using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using CoSellNet.Crypto.Native;

namespace CoSellNet.Crypto;

/// <summary>
/// The ristretto255 group (RFC 9496) and hashing to it (RFC 9380, suite
/// <c>ristretto255_XMD:SHA-512_R255MAP_RO_</c>). Low-level: most code wants <see cref="PsiKey"/>.
/// Points are 32-byte canonical encodings; scalars are 32 bytes little-endian, reduced mod ℓ.
/// </summary>
public static unsafe partial class Ristretto255
{
    /// <summary>Size of an encoded point.</summary>
    public const int PointSize = Sodium.PointBytes;
    /// <summary>Size of a scalar.</summary>
    public const int ScalarSize = Sodium.ScalarBytes;
    /// <summary>Uniform bytes consumed by the map to the group.</summary>
    public const int UniformSize = Sodium.HashBytes;

    private const int Sha512Size = 64;
    private const int Sha512BlockSize = 128;
    private const int MaxDstLength = 255;

    /// <summary>
    /// RFC 9380 section 5.3.1 <c>expand_message_xmd</c> with SHA-512: fills <paramref name="output"/>
    /// (1 to 255·64 bytes) with bytes indistinguishable from uniform, bound to <paramref name="dst"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The DST is empty or longer than 255 bytes, or the output length is out of range.</exception>
    public static void ExpandMessageXmd(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, Span<byte> output)
    {
        if (dst.IsEmpty || dst.Length > MaxDstLength)
            throw new ArgumentException("The domain separation tag must be 1 to 255 bytes (RFC 9380 section 5.3.3).", nameof(dst));
        var ell = (output.Length + Sha512Size - 1) / Sha512Size;
        if (output.IsEmpty || ell > 255)
            throw new ArgumentException("expand_message_xmd can produce 1 to 16,320 bytes.", nameof(output));

        // b_0 = H(Z_pad ‖ msg ‖ I2OSP(len, 2) ‖ 0x00 ‖ DST ‖ I2OSP(len(DST), 1))
        var b0Length = Sha512BlockSize + message.Length + 2 + 1 + dst.Length + 1;
        byte[]? rented = null;
        var b0Input = b0Length <= 1024 ? stackalloc byte[b0Length] : (rented = ArrayPool<byte>.Shared.Rent(b0Length)).AsSpan(0, b0Length);
        try
        {
            b0Input[..Sha512BlockSize].Clear();
            var at = Sha512BlockSize;
            message.CopyTo(b0Input[at..]); at += message.Length;
            BinaryPrimitives.WriteUInt16BigEndian(b0Input[at..], (ushort)output.Length); at += 2;
            b0Input[at++] = 0;
            dst.CopyTo(b0Input[at..]); at += dst.Length;
            b0Input[at] = (byte)dst.Length;
            Span<byte> b0 = stackalloc byte[Sha512Size];
            SHA512.HashData(b0Input, b0);

            // b_i = H(strxor(b_0, b_(i-1)) ‖ I2OSP(i, 1) ‖ DST ‖ I2OSP(len(DST), 1)), b_1 = H(b_0 ‖ 1 ‖ ...)
            Span<byte> blockInput = stackalloc byte[Sha512Size + 1 + MaxDstLength + 1];
            blockInput = blockInput[..(Sha512Size + 1 + dst.Length + 1)];
            dst.CopyTo(blockInput[(Sha512Size + 1)..]);
            blockInput[^1] = (byte)dst.Length;
            Span<byte> bi = stackalloc byte[Sha512Size];
            for (var i = 1; i <= ell; i++)
            {
                for (var j = 0; j < Sha512Size; j++)
                    blockInput[j] = i == 1 ? b0[j] : (byte)(b0[j] ^ bi[j]);
                blockInput[Sha512Size] = (byte)i;
                SHA512.HashData(blockInput, bi);
                var offset = (i - 1) * Sha512Size;
                bi[..Math.Min(Sha512Size, output.Length - offset)].CopyTo(output[offset..]);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>
    /// <c>hash_to_ristretto255</c> (RFC 9380 appendix B): 64 bytes from <see cref="ExpandMessageXmd"/>,
    /// then the one-way map of RFC 9496 section 4.3.4. Never yields the identity in practice.
    /// </summary>
    public static void HashToGroup(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, Span<byte> point)
    {
        Span<byte> uniform = stackalloc byte[UniformSize];
        ExpandMessageXmd(message, dst, uniform);
        FromUniformBytes(uniform, point);
    }

    /// <summary>The map from 64 uniform bytes to a point (RFC 9496 section 4.3.4, libsodium's <c>crypto_core_ristretto255_from_hash</c>).</summary>
    public static void FromUniformBytes(ReadOnlySpan<byte> uniform, Span<byte> point)
    {
        CheckLength(uniform, UniformSize, nameof(uniform));
        CheckLength(point, PointSize, nameof(point));
        fixed (byte* r = uniform)
        fixed (byte* p = point)
            Sodium.crypto_core_ristretto255_from_hash(p, r);
    }

    /// <summary>True when <paramref name="point"/> is the canonical encoding of a point other than the identity.</summary>
    public static bool IsValidPoint(ReadOnlySpan<byte> point)
    {
        // libsodium accepts the identity's encoding (all zeros) as a valid point; the PSI never may.
        if (point.Length != PointSize || point.IndexOfAnyExcept((byte)0) < 0) return false;
        fixed (byte* p = point)
            return Sodium.crypto_core_ristretto255_is_valid_point(p) == 1;
    }

    /// <summary>
    /// <paramref name="result"/> = <paramref name="scalar"/>·<paramref name="point"/>. False, with
    /// <paramref name="result"/> cleared, when the point is not a canonical encoding or the product is the identity.
    /// </summary>
    public static bool TryMultiply(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point, Span<byte> result)
    {
        CheckLength(scalar, ScalarSize, nameof(scalar));
        CheckLength(point, PointSize, nameof(point));
        CheckLength(result, PointSize, nameof(result));
        fixed (byte* n = scalar)
        fixed (byte* p = point)
        fixed (byte* q = result)
        {
            if (Sodium.crypto_scalarmult_ristretto255(q, n, p) == 0) return true;
            result.Clear();
            return false;
        }
    }

    /// <summary><paramref name="result"/> = <paramref name="scalar"/>·B for the generator B. False for a zero scalar.</summary>
    public static bool TryMultiplyBase(ReadOnlySpan<byte> scalar, Span<byte> result)
    {
        CheckLength(scalar, ScalarSize, nameof(scalar));
        CheckLength(result, PointSize, nameof(result));
        fixed (byte* n = scalar)
        fixed (byte* q = result)
            return Sodium.crypto_scalarmult_ristretto255_base(q, n) == 0;
    }

    /// <summary>Reduces 64 bytes (little-endian) modulo ℓ into a 32-byte scalar.</summary>
    public static void ReduceScalar(ReadOnlySpan<byte> wide, Span<byte> scalar)
    {
        CheckLength(wide, Sodium.NonReducedScalarBytes, nameof(wide));
        CheckLength(scalar, ScalarSize, nameof(scalar));
        // libsodium reads the input in place; give it a copy so callers may pass read-only memory.
        Span<byte> copy = stackalloc byte[Sodium.NonReducedScalarBytes];
        wide.CopyTo(copy);
        fixed (byte* s = copy)
        fixed (byte* r = scalar)
            Sodium.crypto_core_ristretto255_scalar_reduce(r, s);
        CryptographicOperations.ZeroMemory(copy);
    }

    internal static void CheckLength(ReadOnlySpan<byte> span, int length, string name)
    {
        if (span.Length != length)
            throw new ArgumentException($"Expected {length} bytes, got {span.Length}.", name);
    }
}
