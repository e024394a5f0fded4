using System.Buffers.Binary;
using System.Numerics;
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
    /// is this file's own rather than <c>Span.Sort(keys, items)</c>: the runtime's generic sort over
    /// these two types cannot be compiled ahead of time (ReadyToRun), so a first import ran it as
    /// unoptimized code for a while.
    /// </remarks>
    public static void Sort(Span<AccountUpsert> rows) => Sort(rows, 2 * (BitOperations.Log2((uint)Math.Max(rows.Length, 1)) + 1));

    /// <summary><see cref="Sort(Span{AccountUpsert})"/>, by heapsort past <paramref name="depth"/> levels of quicksort (tests give 0).</summary>
    // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Sort(Span<AccountUpsert> rows, int depth)
    {
        var prefixes = new Prefix[rows.Length];
        for (var i = 0; i < rows.Length; i++) prefixes[i] = Prefix.Of(rows[i].Account.Key);
        IntroSort(prefixes, rows, depth);
        for (var start = 0; start < rows.Length;)
        {
            var end = start + 1;
            while (end < rows.Length && prefixes[end] == prefixes[start]) end++;
            if (end - start > 1) rows[start..end].Sort(static (x, y) => Compare(x.Account.Key, y.Account.Key));
            start = end;
        }
    }

    /// <summary>Quicksort (median of three), insertion sort for short ranges, heapsort past <paramref name="depth"/> levels: as the runtime's introsort.</summary>
    // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IntroSort(Span<Prefix> keys, Span<AccountUpsert> rows, int depth)
    {
        while (keys.Length > 16)
        {
            if (depth-- == 0)
            {
                HeapSort(keys, rows);
                return;
            }
            var pivot = Partition(keys, rows);
            // The shorter side by recursion, the longer one in this loop: the stack stays logarithmic.
            if (pivot < keys.Length - pivot)
            {
                IntroSort(keys[..pivot], rows[..pivot], depth);
                keys = keys[(pivot + 1)..];
                rows = rows[(pivot + 1)..];
            }
            else
            {
                IntroSort(keys[(pivot + 1)..], rows[(pivot + 1)..], depth);
                keys = keys[..pivot];
                rows = rows[..pivot];
            }
        }
        InsertionSort(keys, rows);
    }

    /// <summary>Puts a pivot (the median of the first, middle and last key) in its place and returns that place; at least 3 keys.</summary>
    // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Partition(Span<Prefix> keys, Span<AccountUpsert> rows)
    {
        var hi = keys.Length - 1;
        var middle = hi >> 1;
        SwapIfGreater(keys, rows, 0, middle);
        SwapIfGreater(keys, rows, 0, hi);
        SwapIfGreater(keys, rows, middle, hi);
        var pivot = keys[middle];
        Swap(keys, rows, middle, hi - 1);
        int left = 0, right = hi - 1;
        while (left < right)
        {
            while (Less(keys[++left], pivot)) { }
            while (Less(pivot, keys[--right])) { }
            if (left >= right) break;
            Swap(keys, rows, left, right);
        }
        if (left != hi - 1) Swap(keys, rows, left, hi - 1);
        return left;
    }

    // Per key: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InsertionSort(Span<Prefix> keys, Span<AccountUpsert> rows)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var row = rows[i];
            var j = i - 1;
            for (; j >= 0 && Less(key, keys[j]); j--)
            {
                keys[j + 1] = keys[j];
                rows[j + 1] = rows[j];
            }
            keys[j + 1] = key;
            rows[j + 1] = row;
        }
    }

    private static void HeapSort(Span<Prefix> keys, Span<AccountUpsert> rows)
    {
        var n = keys.Length;
        for (var i = n / 2 - 1; i >= 0; i--) SiftDown(keys, rows, i, n);
        for (var end = n - 1; end > 0; end--)
        {
            Swap(keys, rows, 0, end);
            SiftDown(keys, rows, 0, end);
        }
    }

    private static void SiftDown(Span<Prefix> keys, Span<AccountUpsert> rows, int at, int n)
    {
        while (2 * at + 1 < n)
        {
            var child = 2 * at + 1;
            if (child + 1 < n && Less(keys[child], keys[child + 1])) child++;
            if (!Less(keys[at], keys[child])) return;
            Swap(keys, rows, at, child);
            at = child;
        }
    }

    private static void SwapIfGreater(Span<Prefix> keys, Span<AccountUpsert> rows, int i, int j)
    {
        if (Less(keys[j], keys[i])) Swap(keys, rows, i, j);
    }

    private static void Swap(Span<Prefix> keys, Span<AccountUpsert> rows, int i, int j)
    {
        (keys[i], keys[j]) = (keys[j], keys[i]);
        (rows[i], rows[j]) = (rows[j], rows[i]);
    }

    private static bool Less(in Prefix x, in Prefix y) =>
        x.A != y.A ? x.A < y.A : x.B != y.B ? x.B < y.B : x.C != y.C ? x.C < y.C : x.D < y.D;

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
