using System.Runtime.InteropServices;

namespace CoSellNet.Crypto.Native;

/// <summary>
/// libsodium from the <c>libsodium</c> NuGet package's native library, through source-generated
/// P/Invoke. Only the ristretto255 group operations and SHA-512 (for the benchmark baseline) are
/// bound: key agreement, signatures, HKDF and AEAD come from BouncyCastle and the BCL.
/// </summary>
internal static unsafe partial class Sodium
{
    private const string Library = "libsodium";

    public const int PointBytes = 32;   // crypto_core_ristretto255_BYTES
    public const int HashBytes = 64;    // crypto_core_ristretto255_HASHBYTES
    public const int ScalarBytes = 32;  // crypto_core_ristretto255_SCALARBYTES
    public const int NonReducedScalarBytes = 64;

    // No beforefieldinit (explicit static constructor): the first call of any method below runs it.
    static Sodium()
    {
        // sodium_init returns 0 on first success, 1 when already initialized, -1 on failure.
        if (sodium_init() < 0)
            throw new InvalidOperationException("libsodium failed to initialize (sodium_init returned -1).");
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    public static partial int crypto_core_ristretto255_from_hash(byte* p, byte* r);

    [LibraryImport(Library)]
    public static partial int crypto_core_ristretto255_is_valid_point(byte* p);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_ristretto255(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    public static partial int crypto_scalarmult_ristretto255_base(byte* q, byte* n);

    [LibraryImport(Library)]
    public static partial void crypto_core_ristretto255_scalar_reduce(byte* r, byte* s);

    [LibraryImport(Library)]
    public static partial int crypto_hash_sha512(byte* output, byte* input, ulong length);
}
