using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;
using Org.BouncyCastle.Crypto.Parameters;

namespace CoSellNet.Crypto;

/// <summary>
/// Seals the fields a partner shares on its records so that only the counterpart can open them,
/// and opens the counterpart's. Both sides derive the same pairwise key from X25519 of their own
/// secret and the other's public key, bound to the partnership and epoch; the server, which holds
/// only public keys, cannot. ChaCha20-Poly1305 with a random nonce; the associated data binds
/// partnership, epoch, the sealing partner's public key and the record id, so a ciphertext moved
/// to another record, epoch, partnership or direction fails to open.
/// Layout: nonce (12) ‖ ciphertext ‖ tag (16). Create with <see cref="MasterSecret.CreateFieldSealer"/>.
/// </summary>
public sealed class FieldSealer : IDisposable
{
    /// <summary>Bytes a sealed value adds to its plaintext.</summary>
    public const int Overhead = NonceSize + TagSize;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] partnership;
    private readonly int epoch;
    private readonly byte[] myPublicKey;
    private readonly byte[] theirPublicKey;

    internal FieldSealer(ReadOnlySpan<byte> pairwiseKey, string partnershipId, int epoch, byte[] myPublicKey, byte[] theirPublicKey)
    {
        pairwiseKey.CopyTo(key);
        partnership = Encoding.UTF8.GetBytes(partnershipId);
        this.epoch = epoch;
        this.myPublicKey = myPublicKey;
        this.theirPublicKey = theirPublicKey;
    }

    /// <summary>Seals <paramref name="plaintext"/> for my record <paramref name="recordId"/> (16 bytes).</summary>
    public byte[] Seal(ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> plaintext)
    {
        Ristretto255.CheckLength(recordId, RecordIdKey.Size, nameof(recordId));
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        var cipher = Cipher(forEncryption: true, output.AsSpan(0, NonceSize), AssociatedData(myPublicKey, recordId));
        var written = cipher.ProcessBytes(plaintext, output.AsSpan(NonceSize));
        cipher.DoFinal(output.AsSpan(NonceSize + written));
        return output;
    }

    /// <summary>
    /// Opens what the counterpart sealed for its record <paramref name="theirRecordId"/>. Throws
    /// <see cref="CryptographicException"/> when it was altered, or sealed for another record,
    /// epoch, partnership or partner.
    /// </summary>
    public byte[] Open(ReadOnlySpan<byte> theirRecordId, ReadOnlySpan<byte> sealedValue)
    {
        Ristretto255.CheckLength(theirRecordId, RecordIdKey.Size, nameof(theirRecordId));
        if (sealedValue.Length < Overhead)
            throw new CryptographicException($"A sealed value is at least {Overhead} bytes; got {sealedValue.Length}.");
        var cipher = Cipher(forEncryption: false, sealedValue[..NonceSize], AssociatedData(theirPublicKey, theirRecordId));
        var output = new byte[sealedValue.Length - Overhead];
        try
        {
            var written = cipher.ProcessBytes(sealedValue[NonceSize..], output);
            cipher.DoFinal(output.AsSpan(written));
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            throw new CryptographicException("The sealed fields do not open: they were altered, or sealed for another record, epoch, partnership or partner.");
        }
        return output;
    }

    /// <summary>Zeroes the pairwise key.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(key);

    private ChaCha20Poly1305 Cipher(bool forEncryption, ReadOnlySpan<byte> nonce, byte[] associatedData)
    {
        var cipher = new ChaCha20Poly1305();
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce.ToArray(), associatedData));
        return cipher;
    }

    // len(partnership) ‖ partnership ‖ epoch ‖ sealer's X25519 public key ‖ record id
    private byte[] AssociatedData(byte[] sealerPublicKey, ReadOnlySpan<byte> recordId)
    {
        var ad = new byte[4 + partnership.Length + 4 + sealerPublicKey.Length + recordId.Length];
        BinaryPrimitives.WriteInt32BigEndian(ad, partnership.Length);
        partnership.CopyTo(ad, 4);
        var at = 4 + partnership.Length;
        BinaryPrimitives.WriteInt32BigEndian(ad.AsSpan(at), epoch); at += 4;
        sealerPublicKey.CopyTo(ad, at); at += sealerPublicKey.Length;
        recordId.CopyTo(ad.AsSpan(at));
        return ad;
    }
}
