using System.Security.Cryptography;
using System.Text;

namespace CoSellNet.Crypto;

/// <summary>
/// Makes the opaque record ids a partner sends with its points, for one partnership and epoch
/// (derive it with <see cref="MasterSecret.DeriveRecordIdKey"/>): HMAC-SHA256 over the population
/// and the match key, cut to 16 bytes. The same account in the same population keeps its id
/// across uploads; ids differ between partnerships and epochs, so the server cannot link them.
/// </summary>
public sealed class RecordIdKey : IDisposable
{
    /// <summary>Size of a record id.</summary>
    public const int Size = 16;
    private const int MaxPopulationBytes = 256;

    private readonly byte[] key = GC.AllocateArray<byte>(32, pinned: true);
    // One HMAC context for every id: the one-shot HMACSHA256.HashData sets up a new native context per
    // call, which cost more than the hashing (~5 µs an id; a sync computes one per account). Calls
    // from several threads take turns on it.
    private readonly IncrementalHash hmac;

    internal RecordIdKey(ReadOnlySpan<byte> secret)
    {
        secret.CopyTo(key);
        hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    /// <summary>The record id of <paramref name="matchKey"/> in <paramref name="population"/>, into 16 bytes.</summary>
    public void Compute(string population, MatchKey matchKey, Span<byte> recordId)
    {
        ArgumentException.ThrowIfNullOrEmpty(population);
        if (matchKey.Value is null) throw new ArgumentException("A default MatchKey has no record id; make keys with MatchKeys.", nameof(matchKey));
        Ristretto255.CheckLength(recordId, Size, nameof(recordId));
        if (Encoding.UTF8.GetByteCount(population) > MaxPopulationBytes)
            throw new ArgumentException("The population name is too long.", nameof(population));
        // population ‖ 0 ‖ kind ‖ key: the zero byte frames the population (names never contain one).
        Span<byte> message = stackalloc byte[MaxPopulationBytes + 2 + MatchKey.MaxLength * 3];
        var at = Encoding.UTF8.GetBytes(population, message);
        message[at++] = 0;
        message[at++] = (byte)matchKey.Kind;
        at += Encoding.UTF8.GetBytes(matchKey.Value, message[at..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        lock (hmac)
        {
            hmac.AppendData(message[..at]);
            hmac.GetHashAndReset(mac);
        }
        mac[..Size].CopyTo(recordId);
    }

    /// <summary>The record id as a new 16-byte array.</summary>
    public byte[] Compute(string population, MatchKey matchKey)
    {
        var id = new byte[Size];
        Compute(population, matchKey, id);
        return id;
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        hmac.Dispose();
        CryptographicOperations.ZeroMemory(key);
    }
}
