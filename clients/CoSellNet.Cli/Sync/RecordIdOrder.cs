using System.Runtime.CompilerServices;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Sorts an add's record ids, and their match keys with them, into record id order (the upload
/// order, see <see cref="SyncEngine.InUploadOrder"/>), with <see cref="IntroSort"/>.
/// </summary>
/// <remarks>
/// <c>Array.Sort(ids, keys)</c> ran the runtime's generic sort for UInt128 and MatchKey, which no
/// ReadyToRun image holds: it started unoptimized (UInt128.CompareTo a call per comparison) and was
/// compiled again only late, and it moved each MatchKey (a reference) with every swap, a GC write
/// barrier each. Here the ids move with their index (no references) and each key moves once at the
/// end. 1,000,000 records: ~0.3-0.45 CPU-s at the first call before, a few times less now.
/// </remarks>
internal static class RecordIdOrder
{
    // Per record: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(UInt128[] ids, MatchKey[] keys)
    {
        if (ids.Length != keys.Length) throw new ArgumentException($"{ids.Length} record ids for {keys.Length} keys.", nameof(keys));
        var from = new int[ids.Length];
        for (var i = 0; i < from.Length; i++) from[i] = i;
        IntroSort.Sort<UInt128, int, IdLess>(ids, from, IntroSort.Depth(ids.Length));
        var original = (MatchKey[])keys.Clone();
        for (var i = 0; i < keys.Length; i++) keys[i] = original[from[i]];
    }

    private readonly struct IdLess : IKeyLess<UInt128>
    {
        public static bool Less(in UInt128 x, in UInt128 y) => x < y;
    }
}
