using System.Numerics;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Local;

/// <summary>
/// How <see cref="IntroSort"/> orders keys. A struct type argument rather than a comparer or delegate:
/// each sort is compiled for its key type with the comparison inlined.
/// </summary>
internal interface IKeyLess<TKey>
{
    static abstract bool Less(in TKey x, in TKey y);
}

/// <summary>
/// Sorts keys and the items at the same positions together: quicksort (median of three), insertion
/// sort for short ranges, heapsort past a depth of quicksort, as the runtime's introsort.
/// </summary>
/// <remarks>
/// Ours rather than <c>Span.Sort(keys, items)</c>: the runtime's generic sort over our types is in no
/// ReadyToRun image, so the portable build ran it unoptimized at its first (and in a cosell run, only)
/// call, with a comparer call per comparison. The sorts here run once per import or add over up to
/// millions of keys, so they are compiled optimized at their first call.
/// </remarks>
internal static class IntroSort
{
    /// <summary>The quicksort depth past which a range is heapsorted, as the runtime's: 2 (log2 n + 1).</summary>
    public static int Depth(int length) => 2 * (BitOperations.Log2((uint)Math.Max(length, 1)) + 1);

    /// <summary>Sorts <paramref name="keys"/>, moving <paramref name="items"/> with them; heapsort past <paramref name="depth"/> levels of quicksort.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items, int depth) where TLess : IKeyLess<TKey>
    {
        if (keys.Length != items.Length) throw new ArgumentException($"{keys.Length} keys for {items.Length} items.", nameof(items));
        while (keys.Length > 16)
        {
            if (depth-- == 0)
            {
                HeapSort<TKey, TItem, TLess>(keys, items);
                return;
            }
            var pivot = Partition<TKey, TItem, TLess>(keys, items);
            // The shorter side by recursion, the longer one in this loop: the stack stays logarithmic.
            if (pivot < keys.Length - pivot)
            {
                Sort<TKey, TItem, TLess>(keys[..pivot], items[..pivot], depth);
                keys = keys[(pivot + 1)..];
                items = items[(pivot + 1)..];
            }
            else
            {
                Sort<TKey, TItem, TLess>(keys[(pivot + 1)..], items[(pivot + 1)..], depth);
                keys = keys[..pivot];
                items = items[..pivot];
            }
        }
        InsertionSort<TKey, TItem, TLess>(keys, items);
    }

    /// <summary>Puts a pivot (the median of the first, middle and last key) in its place and returns that place; at least 3 keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Partition<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items) where TLess : IKeyLess<TKey>
    {
        var hi = keys.Length - 1;
        var middle = hi >> 1;
        SwapIfGreater<TKey, TItem, TLess>(keys, items, 0, middle);
        SwapIfGreater<TKey, TItem, TLess>(keys, items, 0, hi);
        SwapIfGreater<TKey, TItem, TLess>(keys, items, middle, hi);
        var pivot = keys[middle];
        Swap(keys, items, middle, hi - 1);
        int left = 0, right = hi - 1;
        while (left < right)
        {
            while (TLess.Less(keys[++left], pivot)) { }
            while (TLess.Less(pivot, keys[--right])) { }
            if (left >= right) break;
            Swap(keys, items, left, right);
        }
        if (left != hi - 1) Swap(keys, items, left, hi - 1);
        return left;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InsertionSort<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items) where TLess : IKeyLess<TKey>
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var item = items[i];
            var j = i - 1;
            for (; j >= 0 && TLess.Less(key, keys[j]); j--)
            {
                keys[j + 1] = keys[j];
                items[j + 1] = items[j];
            }
            keys[j + 1] = key;
            items[j + 1] = item;
        }
    }

    private static void HeapSort<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items) where TLess : IKeyLess<TKey>
    {
        var n = keys.Length;
        for (var i = n / 2 - 1; i >= 0; i--) SiftDown<TKey, TItem, TLess>(keys, items, i, n);
        for (var end = n - 1; end > 0; end--)
        {
            Swap(keys, items, 0, end);
            SiftDown<TKey, TItem, TLess>(keys, items, 0, end);
        }
    }

    private static void SiftDown<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items, int at, int n) where TLess : IKeyLess<TKey>
    {
        while (2 * at + 1 < n)
        {
            var child = 2 * at + 1;
            if (child + 1 < n && TLess.Less(keys[child], keys[child + 1])) child++;
            if (!TLess.Less(keys[at], keys[child])) return;
            Swap(keys, items, at, child);
            at = child;
        }
    }

    private static void SwapIfGreater<TKey, TItem, TLess>(Span<TKey> keys, Span<TItem> items, int i, int j) where TLess : IKeyLess<TKey>
    {
        if (TLess.Less(keys[j], keys[i])) Swap(keys, items, i, j);
    }

    private static void Swap<TKey, TItem>(Span<TKey> keys, Span<TItem> items, int i, int j)
    {
        (keys[i], keys[j]) = (keys[j], keys[i]);
        (items[i], items[j]) = (items[j], items[i]);
    }
}
