using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Ed = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace CoSellNet.Crypto;

/// <summary>
/// A partner's one 32-byte master secret, which never leaves its machine. Every other key is
/// derived from it with HKDF-SHA256: the PSI key and the record-id key per partnership and
/// epoch, and the partner's X25519 and Ed25519 key pairs, whose public halves the node stores
/// (<see cref="PublicKeys"/>). Keep it in a key file (<see cref="ToKeyFile"/>), owner-only.
/// </summary>
public sealed class MasterSecret : IDisposable
{
    /// <summary>Size of the secret.</summary>
    public const int Size = 32;

    private readonly byte[] secret = GC.AllocateArray<byte>(Size, pinned: true);
    private readonly byte[] x25519Private = GC.AllocateArray<byte>(X25519.ScalarSize, pinned: true);
    private readonly byte[] ed25519Private = GC.AllocateArray<byte>(Ed.SecretKeySize, pinned: true);
    private bool disposed;

    private MasterSecret(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException($"A master secret is {Size} bytes.", nameof(bytes));
        bytes.CopyTo(secret);
        Derivation.Derive(secret, "x25519", "", 0, x25519Private);
        Derivation.Derive(secret, "ed25519", "", 0, ed25519Private);
        var x25519Public = new byte[X25519.PointSize];
        X25519.ScalarMultBase(x25519Private, 0, x25519Public, 0);
        var ed25519Public = new byte[Ed.PublicKeySize];
        Ed.GeneratePublicKey(ed25519Private, 0, ed25519Public, 0);
        PublicKeys = new PublicKeyDocument(x25519Public, ed25519Public);
    }

    /// <summary>A new random secret.</summary>
    public static MasterSecret Generate()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        try { return new MasterSecret(bytes); }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }

    /// <summary>The secret from its 32 bytes (tests, and restoring a backup).</summary>
    public static MasterSecret FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>Reads a key file written by <see cref="ToKeyFile"/>; see <see cref="KeyFile.Read"/>.</summary>
    public static MasterSecret FromKeyFile(string text, string? passphrase = null)
    {
        var bytes = KeyFile.Read(text, passphrase);
        try { return new MasterSecret(bytes); }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }

    /// <summary>
    /// The key file's text: the secret in the clear, or sealed with <paramref name="passphrase"/>
    /// (Argon2id, then ChaCha20-Poly1305). The caller writes it with owner-only permissions.
    /// </summary>
    public string ToKeyFile(string? passphrase = null, Argon2Cost? cost = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return KeyFile.Write(secret, passphrase, cost ?? Argon2Cost.Default);
    }

    /// <summary>My public keys, for the node (PUT /partners/me/public-keys).</summary>
    public PublicKeyDocument PublicKeys { get; }

    /// <summary>The PSI key of one partnership and epoch: 64 bytes of HKDF reduced mod ℓ.</summary>
    public PsiKey DerivePsiKey(string partnershipId, int epoch)
    {
        Span<byte> wide = stackalloc byte[Ristretto255.UniformSize];
        Derive("psi-scalar", partnershipId, epoch, wide);
        try { return PsiKey.FromUniformBytes(wide); }
        finally { CryptographicOperations.ZeroMemory(wide); }
    }

    /// <summary>The record-id key of one partnership and epoch.</summary>
    public RecordIdKey DeriveRecordIdKey(string partnershipId, int epoch)
    {
        Span<byte> key = stackalloc byte[32];
        Derive("record-id", partnershipId, epoch, key);
        try { return new RecordIdKey(key); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    /// <summary>
    /// A sealer for fields shared with <paramref name="counterpart"/> in one partnership and epoch:
    /// the pairwise key is HKDF over X25519(my secret, their public key), the partnership and epoch.
    /// </summary>
    public FieldSealer CreateFieldSealer(PublicKeyDocument counterpart, string partnershipId, int epoch)
    {
        ArgumentNullException.ThrowIfNull(counterpart);
        ObjectDisposedException.ThrowIf(disposed, this);
        var shared = GC.AllocateArray<byte>(X25519.PointSize, pinned: true);
        Span<byte> pairwise = stackalloc byte[32];
        try
        {
            if (!X25519.CalculateAgreement(x25519Private, 0, counterpart.X25519Key, 0, shared, 0))
                throw new CryptographicException("The counterpart's X25519 key gives a zero shared secret.");
            Derivation.Derive(shared, "fields", partnershipId, epoch, pairwise);
            return new FieldSealer(pairwise, partnershipId, epoch, PublicKeys.X25519Key, counterpart.X25519Key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(pairwise);
        }
    }

    /// <summary>My Ed25519 signature (64 bytes) of <paramref name="message"/>; check it with <see cref="PublicKeyDocument.Verify"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var signature = new byte[Ed.SignatureSize];
        Ed.Sign(ed25519Private, 0, message.ToArray(), 0, message.Length, signature, 0);
        return signature;
    }

    /// <summary>Zeroes the secret and the private keys derived from it.</summary>
    public void Dispose()
    {
        disposed = true;
        CryptographicOperations.ZeroMemory(secret);
        CryptographicOperations.ZeroMemory(x25519Private);
        CryptographicOperations.ZeroMemory(ed25519Private);
    }

    private void Derive(string label, string partnershipId, int epoch, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(partnershipId);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Derivation.Derive(secret, label, partnershipId, epoch, output);
    }
}
