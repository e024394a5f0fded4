using System.Numerics;
using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// The accounts of an import so far, one per population and key, in the order of their first rows;
/// and, per key, the last file that had it, so one set of keys serves both the fold and each file's
/// hygiene report (a key new to a file is one the report counts as made). Not thread-safe.
/// </summary>
/// <remarks>
/// The keys are in a table of its own rather than a dictionary: a million keys that are new, one
/// after the other, each cost a cache miss or two on a table tens of megabytes large (~0.3 CPU-s at
/// 1,000,000 rows). Here a batch's slots are read first in a tight loop, which has many of those
/// misses under way at once, and the batch is then folded from the cache. Open addressing with
/// linear probing, at most three quarters full, and slots of 8 bytes: a slot's hash and its entry.
/// </remarks>
internal sealed class AccountList
{
    private Slot[] slots = new Slot[16];
    private Entry[] entries = new Entry[8];
    private int count;
    private int[] hashes = [];

    /// <summary>Keeps the reads ahead from being left out as unused.</summary>
    private int touched;

    /// <summary>The accounts of a key in populations after its first: rare (one company in two populations).</summary>
    private readonly Dictionary<(string Population, MatchKey Key), LocalAccount> others = [];

    public List<LocalAccount> Accounts { get; } = [];

    /// <summary>Makes room for <paramref name="more"/> keys and accounts at once, rather than growing through every power of two.</summary>
    public void EnsureCapacity(int more)
    {
        Room(more);
        Accounts.EnsureCapacity(Accounts.Count + more);
    }

    /// <summary>
    /// Rows as they come, in file order: the hygiene report counts each, and the first row of a key
    /// wins (a later duplicate costs a lookup, not an account).
    /// </summary>
    // Per row: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fold(AccountRow[] rows, MatchKeyResult[] keys, int file, string fileName, HygieneReport hygiene)
    {
        Room(rows.Length);
        if (hashes.Length < rows.Length) hashes = new int[rows.Length];
        var mask = slots.Length - 1;
        for (var i = 0; i < rows.Length; i++)
        {
            if (keys[i].Key is not { } key) continue;
            var hash = key.GetHashCode();
            hashes[i] = hash;
            touched += slots[hash & mask].Entry;
        }
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var result = keys[i];
            if (result.Key is not { } key)
            {
                hygiene.Add(row.Line, result, newKey: false);
                continue;
            }
            ref var entry = ref FindOrAdd(key, hashes[i], out var exists);
            if (!exists)
            {
                entry.First = Add(row, key, fileName);
                entry.File = file;
                hygiene.Add(row.Line, result, newKey: true);
                continue;
            }
            hygiene.Add(row.Line, result, newKey: entry.File != file);
            entry.File = file;
            if (!string.Equals(entry.First.Population, row.Population, StringComparison.Ordinal))
            {
                if (!others.ContainsKey((row.Population, key))) others[(row.Population, key)] = Add(row, key, fileName);
            }
        }
    }

    private LocalAccount Add(AccountRow row, MatchKey key, string fileName)
    {
        var account = new LocalAccount(row.Population, key, row.Name, row.Website, fileName, row.Line, row.Fields);
        Accounts.Add(account);
        return account;
    }

    /// <summary>The key's entry; a new one (the caller sets its account, whose key it is) when the key is not in the table. Needs <see cref="Room"/> for it.</summary>
    // Per row: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ref Entry FindOrAdd(MatchKey key, int hash, out bool exists)
    {
        var mask = slots.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            ref var slot = ref slots[i];
            if (slot.Entry == 0)
            {
                slot = new Slot(hash, count + 1);
                exists = false;
                return ref entries[count++];
            }
            // The key is its first account's (an entry holds no key of its own: 16 bytes less a key, ~19 MB at 1,000,000).
            if (slot.Hash == hash && entries[slot.Entry - 1].First.Key == key)
            {
                exists = true;
                return ref entries[slot.Entry - 1];
            }
        }
    }

    /// <summary>Room for <paramref name="more"/> keys: entries for them, and a table that stays at most three quarters full.</summary>
    private void Room(int more)
    {
        var needed = count + more;
        if (entries.Length < needed) Array.Resize(ref entries, Math.Max(needed, entries.Length * 2));
        if ((long)needed * 4 <= (long)slots.Length * 3) return;
        var grown = new Slot[BitOperations.RoundUpToPowerOf2((uint)((long)needed * 4 / 3 + 1))];
        var mask = grown.Length - 1;
        foreach (var slot in slots)
        {
            if (slot.Entry == 0) continue;
            var i = slot.Hash & mask;
            while (grown[i].Entry != 0) i = (i + 1) & mask;
            grown[i] = slot;
        }
        slots = grown;
    }

    /// <param name="Hash">The key's hash code.</param>
    /// <param name="Entry">Its entry's index plus one; 0 for a free slot.</param>
    private readonly record struct Slot(int Hash, int Entry);

    private struct Entry
    {
        /// <summary>The account of the first population the key came in.</summary>
        public LocalAccount First;
        /// <summary>The last file the key came in.</summary>
        public int File;
    }
}
