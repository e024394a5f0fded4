using System.Buffers.Binary;
using CoSellNet.Crypto;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Local;

/// <summary>
/// The order of match keys as the accounts table keeps them: the ordinal order of their stored text
/// (<see cref="MatchKey.ToString"/>: d:acme.com, n:acme), so that a bulk write appends to the B-tree.
/// </summary>
/// <remarks>
/// Sorting a million key strings with an ordinal comparer reads two strings scattered over the heap at
/// every comparison: in a profile of a 1,000,000-row first import most of that sort's ~1.5 CPU-s were
/// cache misses on the strings' lengths. Here each key is read once, into a 32-byte prefix (its kind,
/// then its first 31 characters as bytes, zeros after the end) that sorts as a value. A character
/// above 0xFE becomes 0xFF and ends the prefix (the characters after it would decide where the
/// ordinal order does not), so the prefix order never contradicts the ordinal order, and only keys
/// with equal prefixes (alike in over 31 characters, or up to a character above 0xFE) are then
/// compared as strings.
/// </remarks>
internal static class KeyOrder
{
    /// <summary>Sorts <paramref name="rows"/> in the order of their keys' stored text.</summary>
    /// <remarks>
    /// The rows themselves are sorted along with their prefixes (rather than an order of indexes into
    /// them), so the write then reads them one after the other: an index order would cost a cache miss
    /// a row on the list before the ones on each account's strings. (Sorting in buckets of the first
    /// character, each within the core's cache, saved nothing measurable at 1,000,000 rows.) The sort
    /// is <see cref="IntroSort"/>, not the runtime's (see there why).
    /// </remarks>
    public static void Sort(Span<AccountUpsert> rows) => Sort(rows, IntroSort.Depth(rows.Length));

    /// <summary><see cref="Sort(Span{AccountUpsert})"/>, by heapsort past <paramref name="depth"/> levels of quicksort (tests give 0).</summary>
    // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Sort(Span<AccountUpsert> rows, int depth)
    {
        var prefixes = new Prefix[rows.Length];
        for (var i = 0; i < rows.Length; i++) prefixes[i] = Prefix.Of(rows[i].Account.Key);
        IntroSort.Sort<Prefix, AccountUpsert, PrefixLess>(prefixes, rows, depth);
        for (var start = 0; start < rows.Length;)
        {
            var end = start + 1;
            while (end < rows.Length && prefixes[end] == prefixes[start]) end++;
            if (end - start > 1) rows[start..end].Sort(static (x, y) => Compare(x.Account.Key, y.Account.Key));
            start = end;
        }
    }

    private readonly struct PrefixLess : IKeyLess<Prefix>
    {
        public static bool Less(in Prefix x, in Prefix y) =>
            x.A != y.A ? x.A < y.A : x.B != y.B ? x.B < y.B : x.C != y.C ? x.C < y.C : x.D < y.D;
    }

    /// <summary>The ordinal comparison of two keys' stored text: 'd:' (domains) before 'n:' (names), then the values.</summary>
    internal static int Compare(MatchKey x, MatchKey y) =>
        x.Kind != y.Kind ? (x.Kind == MatchKeyKind.Domain ? -1 : 1) : string.CompareOrdinal(x.Value, y.Value);

    /// <summary>A key's kind and first 31 characters (a byte each, up to and with the first one above 0xFE as 0xFF), most significant first.</summary>
    private readonly record struct Prefix(ulong A, ulong B, ulong C, ulong D)
    {
        // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static Prefix Of(MatchKey key)
        {
            var value = key.Value.AsSpan(0, Math.Min(key.Value.Length, 31));
            Span<byte> bytes = stackalloc byte[32];
            // The kind's byte: 'd:' sorts before 'n:'.
            bytes[0] = key.Kind == MatchKeyKind.Domain ? (byte)0 : (byte)1;
            // Characters up to 0xFE are their Latin-1 bytes; the first one above ends the prefix as 0xFF.
            // A loop of its own: Encoding.Latin1.GetBytes made ~90 bytes of garbage a call (90 MB at 1,000,000 keys).
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c > 0xFE)
                {
                    bytes[1 + i] = 0xFF;
                    break;
                }
                bytes[1 + i] = (byte)c;
            }
            return new Prefix(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
                BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
        }
    }
}
