using CoSellNet.Crypto;

namespace CoSellNet.Cli.Local;

/// <summary>
/// The order of match keys as the accounts table keeps them: the ordinal order of their stored text
/// (<see cref="MatchKey.ToString"/>: d:acme.com, n:acme), so that a bulk write appends to the B-tree.
/// </summary>
/// <remarks>
/// Sorting a million key strings with an ordinal comparer reads two strings scattered over the heap at
/// every comparison: in a profile of a 1,000,000-row first import most of that sort's ~1.5 CPU-s were
/// cache misses on the strings' lengths. Here each key is read once, into a 32-byte prefix (its kind,
/// then its first 31 characters, each capped at 0xFF, zeros after the end) that sorts as a value;
/// the prefix order never contradicts the ordinal order, so only keys with equal prefixes (longer
/// than 31 characters and alike, or with characters above 0xFF) are compared as strings afterwards.
/// </remarks>
internal static class KeyOrder
{
    /// <summary>The indexes of <paramref name="rows"/> in the order of their keys' stored text.</summary>
    public static int[] Of(List<AccountUpsert> rows)
    {
        var prefixes = new Prefix[rows.Count];
        var order = new int[rows.Count];
        for (var i = 0; i < order.Length; i++)
        {
            prefixes[i] = Prefix.Of(rows[i].Account.Key);
            order[i] = i;
        }
        Array.Sort(prefixes, order);
        IComparer<int>? byText = null;
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && prefixes[end] == prefixes[start]) end++;
            if (end - start > 1)
                Array.Sort(order, start, end - start, byText ??= Comparer<int>.Create((x, y) => Compare(rows[x].Account.Key, rows[y].Account.Key)));
            start = end;
        }
        return order;
    }

    /// <summary>The ordinal comparison of two keys' stored text: 'd:' (domains) before 'n:' (names), then the values.</summary>
    internal static int Compare(MatchKey x, MatchKey y) =>
        x.Kind != y.Kind ? (x.Kind == MatchKeyKind.Domain ? -1 : 1) : string.CompareOrdinal(x.Value, y.Value);

    /// <summary>A key's kind and first 31 characters (a byte each, capped at 0xFF), most significant first.</summary>
    private readonly record struct Prefix(ulong A, ulong B, ulong C, ulong D) : IComparable<Prefix>
    {
        public static Prefix Of(MatchKey key)
        {
            var value = key.Value;
            // The kind's byte: 'd:' sorts before 'n:'.
            ulong a = key.Kind == MatchKeyKind.Domain ? 0UL : 1UL;
            for (var i = 0; i < 7; i++) a = (a << 8) | Byte(value, i);
            return new Prefix(a, Word(value, 7), Word(value, 15), Word(value, 23));
        }

        private static ulong Word(string value, int from)
        {
            ulong word = 0;
            for (var i = from; i < from + 8; i++) word = (word << 8) | Byte(value, i);
            return word;
        }

        private static ulong Byte(string value, int index) => index < value.Length ? Math.Min(value[index], (char)0xFF) : 0UL;

        public int CompareTo(Prefix other) =>
            A != other.A ? A.CompareTo(other.A)
            : B != other.B ? B.CompareTo(other.B)
            : C != other.C ? C.CompareTo(other.C)
            : D.CompareTo(other.D);
    }
}
