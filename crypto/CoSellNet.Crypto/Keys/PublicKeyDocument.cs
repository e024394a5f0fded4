using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using Curve25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace CoSellNet.Crypto;

/// <summary>
/// A partner's public keys as the node stores them: version 1 holds an X25519 key (for sealing
/// shared fields) and an Ed25519 key (for signatures), each 32 bytes in unpadded base64url.
/// </summary>
public sealed class PublicKeyDocument
{
    /// <summary>The only version this library writes and reads.</summary>
    public const int CurrentVersion = 1;
    private const int KeySize = 32;

    internal PublicKeyDocument(byte[] x25519, byte[] ed25519)
    {
        X25519Key = x25519;
        Ed25519Key = ed25519;
    }

    /// <summary>The document's version.</summary>
    public int Version => CurrentVersion;
    /// <summary>The X25519 public key, base64url without padding.</summary>
    public string X25519 => Base64Url.EncodeToString(X25519Key);
    /// <summary>The Ed25519 public key, base64url without padding.</summary>
    public string Ed25519 => Base64Url.EncodeToString(Ed25519Key);

    internal byte[] X25519Key { get; }
    internal byte[] Ed25519Key { get; }

    /// <summary>
    /// Reads a document, checking the version, both encodings and lengths, that the X25519 key is
    /// not of small order (it would make every shared secret zero) and that the Ed25519 key is a
    /// valid, non-small-order curve point. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(int version, string? x25519, string? ed25519,
        [NotNullWhen(true)] out PublicKeyDocument? document, [NotNullWhen(false)] out string? error)
    {
        document = null;
        if (version != CurrentVersion)
        {
            error = $"Public key document version {version} is not supported; the current version is {CurrentVersion}.";
            return false;
        }
        if (!TryDecode(x25519, out var x) || !IsUsableX25519(x))
        {
            error = "x25519 must be a 32-byte X25519 public key of large order, in base64url without padding (43 characters).";
            return false;
        }
        if (!TryDecode(ed25519, out var ed) || !Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.ValidatePublicKeyFull(ed, 0))
        {
            error = "ed25519 must be a valid 32-byte Ed25519 public key, in base64url without padding (43 characters).";
            return false;
        }
        document = new PublicKeyDocument(x, ed);
        error = null;
        return true;
    }

    /// <summary>True when <paramref name="signature"/> is this partner's Ed25519 signature of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.SignatureSize
        && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature.ToArray(), 0, Ed25519Key, 0, message.ToArray(), 0, message.Length);

    private static bool TryDecode(string? text, out byte[] key)
    {
        key = [];
        if (text is null || text.Length != 43) return false;
        var bytes = new byte[KeySize];
        // TryDecodeFromChars returns false only for a short destination; bad characters throw FormatException.
        try { if (!Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != KeySize) return false; }
        catch (FormatException) { return false; }
        // Only the canonical spelling: the last character carries 4 unused bits that must be zero.
        if (Base64Url.EncodeToString(bytes) != text) return false;
        key = bytes;
        return true;
    }

    // Every small-order point (and all-zero) gives an all-zero product with a clamped scalar, and
    // clamped scalars are multiples of the cofactor; so one agreement with any fixed scalar finds them all.
    private static bool IsUsableX25519(byte[] publicKey)
    {
        var probe = new byte[Curve25519.ScalarSize];
        probe[0] = 9;
        var shared = new byte[Curve25519.PointSize];
        return Curve25519.CalculateAgreement(probe, 0, publicKey, 0, shared, 0);
    }
}
