using System.Buffers.Binary;
using CoSellNet.Protocol;

namespace CoSellNet.Silo.Psi;

/// <summary>
/// The records of tasks this node served, held until their tags come, so that storing the tags
/// needs no second read of the range (<see cref="ReblindStore.StoreTags"/>): one read of the
/// range per task instead of two.
/// </summary>
public sealed partial class ReblindStore
{
    /// <summary>Tasks whose records are held at most: each holds up to <see cref="PsiFormat.MaxChunkRecords"/> entries of <see cref="TagEntrySize"/> bytes (2.75 MB).</summary>
    public const int HeldTasks = 8;

    private readonly Dictionary<Guid, HeldRecords> _held = [];
    private readonly Queue<Guid> _heldOrder = new();
    private long _storedFromHeld, _storedFromRead;

    /// <summary>
    /// How many tag stores took their records from what the task's point read held, and how many
    /// read them again (nothing held: another node served the task, a restart, held tasks evicted;
    /// or the list changed since). For tests and the benchmark.
    /// </summary>
    public (long Held, long Read) TagStores => (Interlocked.Read(ref _storedFromHeld), Interlocked.Read(ref _storedFromRead));

    /// <summary>
    /// The records of a task's range as its point read found them, each a block entry without its
    /// tag yet (seq ‖ 16 zero bytes ‖ record id ‖ population index), in seq order; with the list's
    /// id and its commit count (<see cref="Commits"/>) read before the points, in an earlier or the
    /// same snapshot. The entries array is rented from the shared pool (and may be longer than
    /// <c>Count</c> entries): the store that takes it returns it; one evicted is left to the GC.
    /// </summary>
    private sealed record HeldRecords(string Partnership, int Epoch, ReblindRange Range, int List, long Commits,
        byte[] Entries, int Count, string[] Populations);

    /// <summary>Holds a task's records (replacing those of an earlier read of the same task); the oldest held task goes beyond <see cref="HeldTasks"/>.</summary>
    private void Hold(HeldRecords records)
    {
        lock (_held)
        {
            if (_held.TryAdd(records.Range.TaskId, records)) _heldOrder.Enqueue(records.Range.TaskId);
            else _held[records.Range.TaskId] = records;
            while (_held.Count > HeldTasks) _held.Remove(_heldOrder.Dequeue());
            // Ids of tasks already taken stay queued until their turn: bound the queue too.
            while (_heldOrder.Count > 4 * HeldTasks && !_held.ContainsKey(_heldOrder.Peek())) _heldOrder.Dequeue();
        }
    }

    /// <summary>Takes a task's held records out (they are used once: the entries are packed in place); null when none are held for exactly this range.</summary>
    private HeldRecords? Take(string partnership, int epoch, ReblindRange range)
    {
        lock (_held)
            return _held.Remove(range.TaskId, out var held) && held.Partnership == partnership && held.Epoch == epoch && held.Range == range ? held : null;
    }

    /// <summary>
    /// Commits to one side's list that could move or remove its committed records (adds and
    /// removes; a fields commit touches no record) of ($1 partnership, $2 epoch, $3 owner). Every
    /// commit sets its upload's committed_at once, under the list's row lock, and upload rows only
    /// go with their list (<see cref="PsiStore.DeleteBefore"/>): the count only grows while the
    /// list exists. Records at the seqs of a range only ever change by such a commit: a task's range
    /// holds no pending seq, and new rows get seqs after every seq given.
    /// </summary>
    private const string Commits = """
        SELECT count(*) FROM psi_uploads
         WHERE partnership = $1 AND epoch = $2 AND owner = $3 AND committed_at IS NOT NULL AND kind <> 'fields'
        """;

    /// <summary>
    /// The block of a range's tags from held records (the list unchanged since they were read, so
    /// they are the records the range's seqs hold now): the entries after <paramref name="after"/>
    /// that have a tag, packed in place with their tags, with populations numbered in the order
    /// they first appear, as <see cref="TagBlock"/> makes them from a read.
    /// </summary>
    private static TagBlockRow? TagBlock(HeldRecords held, long after, ReadOnlyMemory<byte> tags)
    {
        var items = tags.Span;
        var entries = held.Entries;
        var count = items.Length / PsiFormat.TaskTagSize;
        var used = new int[held.Populations.Length];
        var populations = new List<string>();
        int i = 0, stored = 0;
        for (var e = 0; e < held.Count; e++)
        {
            var seq = BinaryPrimitives.ReadInt64BigEndian(entries.AsSpan(e * TagEntrySize));
            if (seq <= after) continue;
            while (i < count && BinaryPrimitives.ReadInt64BigEndian(items.Slice(i * PsiFormat.TaskTagSize, PsiFormat.SeqSize)) < seq) i++;
            if (i == count) break;
            var item = items.Slice(i * PsiFormat.TaskTagSize, PsiFormat.TaskTagSize);
            if (BinaryPrimitives.ReadInt64BigEndian(item) != seq) continue;
            // Earlier entries only ever move down: stored <= e.
            var entry = entries.AsSpan(stored * TagEntrySize, TagEntrySize);
            if (stored != e) entries.AsSpan(e * TagEntrySize, TagEntrySize).CopyTo(entry);
            item.CopyTo(entry); // seq ‖ tag, as the entry starts
            var population = entry[(PsiFormat.TaskTagSize + PsiFormat.RecordIdSize)..];
            var index = BinaryPrimitives.ReadUInt16BigEndian(population);
            if (used[index] == 0)
            {
                populations.Add(held.Populations[index]);
                used[index] = populations.Count;
            }
            BinaryPrimitives.WriteUInt16BigEndian(population, checked((ushort)(used[index] - 1)));
            stored++;
            i++;
        }
        if (stored == 0) return null;
        return new TagBlockRow(BinaryPrimitives.ReadInt64BigEndian(entries), BinaryPrimitives.ReadInt64BigEndian(entries.AsSpan((stored - 1) * TagEntrySize)),
            [.. populations], new ArraySegment<byte>(entries, 0, stored * TagEntrySize));
    }
}
