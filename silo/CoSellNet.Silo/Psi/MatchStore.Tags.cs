using System.Buffers.Binary;
using System.Numerics;
using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>
/// The intersection's join, in the node: both sides' tag blocks (migration 0012) are read in one
/// statement (one snapshot), the smaller side's first. Its entries are kept and hashed by tag; the
/// other side's blocks stream past and are looked up one by one, so only one side's entries (42
/// bytes each) and one block of the other are held at a time.
/// </summary>
public sealed partial class MatchStore
{
    private const int EntrySize = ReblindStore.TagEntrySize;
    private const int TagAt = Protocol.PsiFormat.SeqSize;
    private const int RecordAt = TagAt + Protocol.PsiFormat.TagSize;
    private const int PopulationAt = RecordAt + Protocol.PsiFormat.RecordIdSize;

    /// <summary>Bytes of tag entries of ($1 partnership, $2 epoch)'s sides $3 and $4, by owner: sizes from the TOAST pointers, no entry is read.</summary>
    private const string TagSizes = """
        SELECT l.owner, (SELECT coalesce(sum(length(b.entries)), 0)::bigint FROM psi_tag_blocks b WHERE b.list_id = l.list_id)
          FROM psi_lists l WHERE l.partnership = $1 AND l.epoch = $2 AND l.owner IN ($3, $4)
        """;

    /// <summary>
    /// Both sides' tag blocks of ($1 partnership, $2 epoch): side $3's (the build side) first, then
    /// side $4's. Public for the benchmark's EXPLAIN.
    /// </summary>
    public const string TagBlocks = """
        (SELECT false AS probe, b.populations, b.entries FROM psi_tag_blocks b
          WHERE b.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3))
        UNION ALL
        (SELECT true, b.populations, b.entries FROM psi_tag_blocks b
          WHERE b.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $4))
        """;

    /// <summary>
    /// The settings <see cref="TagBlocks"/> runs under: an Append of the two sides runs its parts in
    /// order unless it is a parallel one, which may interleave them.
    /// </summary>
    public static readonly string[] Settings = ["SET LOCAL max_parallel_workers_per_gather = 0"];

    /// <summary>
    /// The pairs of equal tags of the low side <paramref name="low"/> and the high side
    /// <paramref name="high"/>, with both sides' records and populations, which each tag carries
    /// (stored with it, see <see cref="ReblindStore.StoreTags"/>): nothing is looked up per match.
    /// A tag leaves its block when its record leaves or gets a new seq (<see cref="PsiStore.Commit"/>),
    /// so a changed or removed record's old tag joins nothing.
    /// </summary>
    private static async Task<List<(byte[], string, byte[], string)>> Matched(NpgsqlConnection connection, NpgsqlTransaction tx,
        string partnership, int epoch, string low, string high, CancellationToken ct)
    {
        long lowBytes = -1, highBytes = -1;
        await using (var sizes = new NpgsqlCommand(TagSizes, connection, tx))
        {
            foreach (var value in new object[] { partnership, epoch, low, high }) sizes.Parameters.Add(new() { Value = value });
            await using var reader = await sizes.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                if (reader.GetString(0) == low) lowBytes = reader.GetInt64(1);
                else highBytes = reader.GetInt64(1);
        }
        var matches = new List<(byte[], string, byte[], string)>();
        if (lowBytes <= 0 || highBytes <= 0) return matches;
        // Sizes may have grown by the time the blocks are read (a task stored since): they only choose the build side.
        var buildLow = lowBytes <= highBytes;
        var build = new BuildSide(buildLow ? lowBytes : highBytes);
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var setting in Settings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
        batch.BatchCommands.Add(Sql.Command(TagBlocks, partnership, epoch, buildLow ? low : high, buildLow ? high : low));
        await using (var reader = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
        {
            do
                while (await reader.ReadAsync(ct))
                {
                    var probe = reader.GetBoolean(0);
                    var populations = reader.GetFieldValue<string[]>(1);
                    var entries = reader.GetFieldValue<byte[]>(2);
                    if (!probe) build.Add(populations, entries);
                    else build.Probe(populations, entries, buildLow, matches);
                }
            while (await reader.NextResultAsync(ct));
        }
        return matches;
    }

    /// <summary>
    /// The build side's entries, one after the other, with their populations (indexes into
    /// <see cref="_names"/>), and a chained hash table over their tags, made when the first probe
    /// block comes. The hash is seeded per process (<see cref="HashCode"/>): a partner who
    /// chooses its tags cannot make them collide in the table.
    /// </summary>
    private sealed class BuildSide(long expectedBytes)
    {
        private byte[] _entries = new byte[expectedBytes];
        private int _count;
        private int[] _population = new int[expectedBytes / EntrySize];
        private readonly List<string> _names = [];
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private int[]? _heads; // per slot: 1 + the last entry hashed there, 0 for none
        private int[]? _next; // per entry: 1 + the entry hashed to the same slot before it, 0 for none
        private int _mask;
        private long _probed; // probe side entries seen so far

        public void Add(string[] populations, byte[] block)
        {
            if (_heads is not null) throw new InvalidOperationException("A block of the build side came after the probe side's first.");
            var count = block.Length / EntrySize;
            if ((long)(_count + count) * EntrySize > _entries.Length)
            {
                Array.Resize(ref _entries, Math.Max(2 * _entries.Length, (_count + count) * EntrySize));
                Array.Resize(ref _population, _entries.Length / EntrySize);
            }
            block.AsSpan(0, count * EntrySize).CopyTo(_entries.AsSpan(_count * EntrySize));
            var local = new int[populations.Length];
            for (var p = 0; p < populations.Length; p++)
            {
                if (!_index.TryGetValue(populations[p], out var name))
                {
                    _index.Add(populations[p], name = _names.Count);
                    _names.Add(populations[p]);
                }
                local[p] = name;
            }
            for (var i = 0; i < count; i++)
                _population[_count + i] = local[BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(i * EntrySize + PopulationAt))];
            _count += count;
        }

        private void Hash()
        {
            var slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * _count));
            (_heads, _next, _mask) = (new int[slots], new int[_count], slots - 1);
            for (var i = 0; i < _count; i++)
            {
                var slot = Slot(Tag(_entries, i));
                _next[i] = _heads[slot];
                _heads[slot] = i + 1;
            }
        }

        private static UInt128 Tag(ReadOnlySpan<byte> entries, int i) => BinaryPrimitives.ReadUInt128LittleEndian(entries.Slice(i * EntrySize + TagAt));

        private int Slot(UInt128 tag) => HashCode.Combine((ulong)tag, (ulong)(tag >> 64)) & _mask;

        /// <summary>Adds to <paramref name="into"/> (as low record, low population, high record, high population) each pair of a probe entry and a build entry with equal tags.</summary>
        public void Probe(string[] populations, byte[] block, bool buildLow, List<(byte[], string, byte[], string)> into)
        {
            if (_heads is null) Hash();
            var count = block.Length / EntrySize;
            _probed += count;
            for (var j = 0; j < count; j++)
            {
                var tag = Tag(block, j);
                for (var i = _heads![Slot(tag)] - 1; i >= 0; i = _next![i] - 1)
                {
                    if (Tag(_entries, i) != tag) continue;
                    var mine = _entries.AsSpan(i * EntrySize + RecordAt, Protocol.PsiFormat.RecordIdSize).ToArray();
                    var myPopulation = _names[_population[i]];
                    var theirs = block.AsSpan(j * EntrySize + RecordAt, Protocol.PsiFormat.RecordIdSize).ToArray();
                    var theirPopulation = populations[BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(j * EntrySize + PopulationAt))];
                    into.Add(buildLow ? (mine, myPopulation, theirs, theirPopulation) : (theirs, theirPopulation, mine, myPopulation));
                    if (into.Count > _count + _probed) throw new DuplicateTagsException(_count, _probed);
                }
            }
        }
    }
}

/// <summary>
/// A release refused because equal tags would pair up into more matches than both sides have
/// entries. An honest list holds a tag more than once only for an account in several of one
/// partner's populations: its matches pass the entries only if most accounts overlap and sit in
/// three or more populations on both sides. A partner who uploads one point under many records
/// and answers the other side's tasks with one tag would otherwise make the match set grow with
/// the product of the copies (a million each: 10^12 pairs) and exhaust the node's memory. The
/// release stays due and is tried again on later requests; the set released before stays.
/// </summary>
public sealed class DuplicateTagsException(long buildEntries, long probeEntries)
    : InvalidOperationException($"The intersection would pair more matches than its {buildEntries:N0} + {probeEntries:N0} tag entries (duplicate tags on both sides); refused. " +
        "One partner's list holds a point under many records: its uploads need fixing, or the partnership a new epoch.");
