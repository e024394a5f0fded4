using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Protocol;
using Microsoft.Extensions.Options;

namespace CoSellNet.Silo.Webhooks;

/// <summary>
/// Makes signing secrets and keeps them at rest. The node signs every delivery, so it must be able to
/// read the secret again: it is stored, not hashed. With <see cref="WebhookOptions.SecretKey"/> set it is
/// sealed (AES-256-GCM, the endpoint id as associated data, so a sealed secret copied to another row
/// does not open); without, it is stored as is. The first byte says which, so a key added later
/// applies to new endpoints while old ones keep working.
/// </summary>
public sealed class WebhookSecrets(IOptions<WebhookOptions> options)
{
    private const byte Plain = 0;
    private const byte Sealed = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[]? _key = options.Value.SecretKey is { } text && TryParseKey(text, out var key) ? key : null;

    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in base64url.</summary>
    public static string NewSecret() => WebhookHeaders.SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static bool TryParseKey(string text, out byte[] key)
    {
        key = [];
        try { key = Convert.FromBase64String(text.Trim()); }
        catch (FormatException) { return false; }
        return key.Length == 32;
    }

    public byte[] Seal(string endpointId, string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        if (_key is null) return [Plain, .. plain];
        var sealedBytes = new byte[1 + NonceSize + TagSize + plain.Length];
        sealedBytes[0] = Sealed;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(endpointId));
        return sealedBytes;
    }

    /// <summary>The secret, or an exception whose message says why it cannot be read (never the secret).</summary>
    public string Open(string endpointId, byte[] stored)
    {
        if (stored.Length == 0) throw new CryptographicException("The stored secret is empty.");
        if (stored[0] == Plain) return Encoding.UTF8.GetString(stored.AsSpan(1));
        if (stored[0] != Sealed || stored.Length < 1 + NonceSize + TagSize) throw new CryptographicException("The stored secret is in an unknown format.");
        if (_key is null)
            throw new CryptographicException("The endpoint's secret is sealed but this node has no Webhooks:SecretKey; configure the same key on every node.");
        var plain = new byte[stored.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        try
        {
            aes.Decrypt(stored.AsSpan(1, NonceSize), stored.AsSpan(1 + NonceSize + TagSize), stored.AsSpan(1 + NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(endpointId));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CryptographicException("The endpoint's secret does not open with this node's Webhooks:SecretKey; is it the same key on every node?", e);
        }
        return Encoding.UTF8.GetString(plain);
    }
}
