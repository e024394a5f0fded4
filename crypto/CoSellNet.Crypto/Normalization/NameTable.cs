using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace CoSellNet.Crypto;

/// <summary>
/// A fixed table of names (the reference data's: public suffix rules, free-mail domains), each with a
/// non-zero byte of flags, looked up by a span of characters without making a string.
/// </summary>
/// <remarks>
/// Every match key costs several lookups (the host, then its parents), most of them misses. A
/// <c>Dictionary</c>'s alternate lookup over spans is generic code that ReadyToRun cannot compile
/// ahead of time (it ran unoptimized for the first part of a large import) and reads a bucket and
/// then an entry; this table is plain code compiled with the library, open addressing at most half
/// full, probed by the names' hashes alone (4 bytes a slot: the public suffix list's are 128 KiB,
/// which stay in the core's cache while an import runs), so a miss is mostly one read of them.
/// Filled once and only read after: thread-safe, and its contents are not the input's (a crafted
/// input cannot lengthen the probes).
/// </remarks>
internal sealed class NameTable
{
    /// <summary>Each slot's name's hash, never 0; 0 for a free slot.</summary>
    private readonly int[] hashes;
    private readonly string[] names;
    private readonly byte[] flags;
    private readonly int mask;

    public NameTable(IEnumerable<KeyValuePair<string, byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToList();
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(list.Count * 2, 16));
        hashes = new int[size];
        names = new string[size];
        flags = new byte[size];
        mask = size - 1;
        foreach (var (name, nameFlags) in list)
        {
            if (nameFlags == 0) throw new ArgumentException($"The flags of '{name}' are 0, which means not there.", nameof(entries));
            var hash = Hash(name);
            var i = hash & mask;
            while (hashes[i] != 0 && names[i] != name) i = (i + 1) & mask;
            hashes[i] = hash;
            names[i] = name;
            flags[i] |= nameFlags;
        }
    }

    /// <summary>The flags of <paramref name="name"/>, or 0 when it is not in the table.</summary>
    // Per match key: compiled optimized at its first call (see MatchKeys.FromDomainLike).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte Find(ReadOnlySpan<char> name)
    {
        var hash = Hash(name);
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var slot = hashes[i];
            if (slot == 0) return 0;
            if (slot == hash && name.SequenceEqual(names[i])) return flags[i];
        }
    }

    public bool Contains(ReadOnlySpan<char> name) => Find(name) != 0;

    /// <summary>A hash of the characters, four at a time (names are short: a few multiplications); never 0.</summary>
    private static int Hash(ReadOnlySpan<char> name)
    {
        var bytes = MemoryMarshal.AsBytes(name);
        var hash = (ulong)name.Length * 0x9E3779B97F4A7C15UL;
        for (; bytes.Length >= 8; bytes = bytes[8..])
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * 0xFF51AFD7ED558CCDUL;
        for (; bytes.Length >= 2; bytes = bytes[2..])
            hash = (hash ^ BinaryPrimitives.ReadUInt16LittleEndian(bytes)) * 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 29;
        return (int)(hash ^ (hash >> 32)) | 1 << 30;
    }
}
