using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CoSellNet.Crypto;

/// <summary>HKDF-SHA256 with the project's salt and a labelled, length-prefixed info string.</summary>
internal static class Derivation
{
    private static readonly byte[] Salt = "CoSellNet-V1 key derivation"u8.ToArray();

    /// <summary>
    /// HKDF(ikm, salt, info = label ‖ 0 ‖ len(context) ‖ context ‖ epoch) into <paramref name="output"/>.
    /// Each part is framed, so no two (label, context, epoch) triples share an info string.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> ikm, string label, string context, int epoch, Span<byte> output)
    {
        var contextBytes = Encoding.UTF8.GetBytes(context);
        var labelBytes = Encoding.ASCII.GetBytes(label);
        var info = new byte[labelBytes.Length + 1 + 4 + contextBytes.Length + 4];
        labelBytes.CopyTo(info, 0);
        var at = labelBytes.Length + 1;
        BinaryPrimitives.WriteInt32BigEndian(info.AsSpan(at), contextBytes.Length); at += 4;
        contextBytes.CopyTo(info, at); at += contextBytes.Length;
        BinaryPrimitives.WriteInt32BigEndian(info.AsSpan(at), epoch);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, Salt, info);
    }
}
