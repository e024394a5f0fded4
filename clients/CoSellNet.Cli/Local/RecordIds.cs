using System.Buffers.Binary;

namespace CoSellNet.Cli.Local;

/// <summary>
/// Record ids (16 bytes) as <see cref="UInt128"/> keys, read big-endian so that their order is the
/// order of their bytes: hashing and comparing them costs no allocation, unlike hex strings or arrays.
/// </summary>
internal static class RecordIds
{
    public const int Size = 16;

    public static UInt128 Of(ReadOnlySpan<byte> id) => BinaryPrimitives.ReadUInt128BigEndian(id);

    public static void Write(UInt128 id, Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, id);

    public static byte[] Bytes(UInt128 id)
    {
        var bytes = new byte[Size];
        Write(id, bytes);
        return bytes;
    }
}
