using System.Security.Cryptography;

namespace CoSellNet.Crypto;

/// <summary>
/// A point received from outside is not the canonical encoding of a ristretto255 point, or it is
/// the identity (or multiplying it gave the identity). The input must be refused as a whole.
/// </summary>
public sealed class InvalidPointException(int index)
    : CryptographicException($"Point {index} (0-based) is not a valid ristretto255 point: it is not a canonical encoding, or it is the identity.")
{
    /// <summary>The 0-based index of the first bad point in the input.</summary>
    public int Index { get; } = index;
}
