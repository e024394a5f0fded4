using System.Buffers;
using System.Buffers.Binary;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Psi;

/// <summary>A released match: a record of the low-id side and one of the high-id side, with their populations.</summary>
public sealed record ReleasedMatch(byte[] LowRecord, string LowPopulation, byte[] HighRecord, string HighPopulation);

/// <summary>
/// A release's match set as stored (migration 0010): one row in <c>psi_match_sets</c> and, per side,
/// blocks of entries sorted by that side's record id in <c>psi_match_blocks</c>, written by one
/// binary COPY. Populations are indexes into the set's <c>populations</c>, which are kept in
/// ordinal order, so that comparing indexes compares names.
/// </summary>
public sealed partial class MatchStore
{
    /// <summary>Most records of a side per block (a record's matches are never split over blocks).</summary>
    public const int BlockRecords = 2048;

    /// <summary>A match in a side's terms: its record and population, the counterpart's record and population (indexes).</summary>
    internal readonly record struct Entry(byte[] Mine, int MyPopulation, byte[] Theirs, int TheirPopulation);

    /// <summary>The entries of one block, in order.</summary>
    internal static List<Entry> Decode(ReadOnlySpan<byte> block)
    {
        var entries = new List<Entry>(block.Length / 38);
        var o = 0;
        while (o < block.Length)
        {
            var (mine, myPopulation) = Read(block, ref o);
            var (theirs, theirPopulation) = Read(block, ref o);
            entries.Add(new Entry(mine, myPopulation, theirs, theirPopulation));
        }
        return entries;

        static (byte[] Record, int Population) Read(ReadOnlySpan<byte> block, ref int o)
        {
            var length = block[o];
            var record = block.Slice(o + 1, length).ToArray();
            var population = BinaryPrimitives.ReadUInt16BigEndian(block[(o + 1 + length)..]);
            o += 3 + length;
            return (record, population);
        }
    }

    private static void Encode(ArrayBufferWriter<byte> into, byte[] record, int population)
    {
        // Record ids are 16 bytes from the API; the length byte keeps any id up to 255 bytes readable.
        var span = into.GetSpan(3 + record.Length);
        span[0] = checked((byte)record.Length);
        record.CopyTo(span[1..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[(1 + record.Length)..], checked((ushort)population));
        into.Advance(3 + record.Length);
    }

    /// <summary>Orders a side's matches as its blocks hold them: by its record, then the counterpart's population and record.</summary>
    private static int Compare(byte[] mine, int theirPopulation, byte[] theirs, byte[] otherMine, int otherTheirPopulation, byte[] otherTheirs)
    {
        var c = mine.AsSpan().SequenceCompareTo(otherMine);
        if (c != 0) return c;
        c = theirPopulation.CompareTo(otherTheirPopulation);
        return c != 0 ? c : theirs.AsSpan().SequenceCompareTo(otherTheirs);
    }

    /// <summary>The set's row (locked for the release's update when <paramref name="forUpdate"/>): its id and populations; null if none.</summary>
    private static async Task<(int SetId, string[] Populations)?> CurrentSet(NpgsqlConnection connection, NpgsqlTransaction tx,
        string partnership, int epoch, bool forUpdate, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT set_id, populations FROM psi_match_sets WHERE partnership = $1 AND epoch = $2{(forUpdate ? " FOR UPDATE" : "")}", connection, tx);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt32(0), reader.GetFieldValue<string[]>(1)) : null;
    }

    /// <summary>
    /// One side's records in a set that matched a population <paramref name="sees"/> marks, in
    /// order, each once: decoded straight from the blocks (only those records are copied out).
    /// </summary>
    private static async Task<List<byte[]>> VisibleRecords(NpgsqlConnection connection, NpgsqlTransaction tx, int setId, bool lowSide, bool[] sees, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT entries FROM psi_match_blocks WHERE set_id = $1 AND low_side = $2 ORDER BY last_record", connection, tx);
        cmd.Parameters.Add(new() { Value = setId });
        cmd.Parameters.Add(new() { Value = lowSide });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var records = new List<byte[]>();
        while (await reader.ReadAsync(ct)) Visible(reader.GetFieldValue<byte[]>(0), sees, records);
        return records;

        static void Visible(ReadOnlySpan<byte> block, bool[] sees, List<byte[]> into)
        {
            var o = 0;
            while (o < block.Length)
            {
                var mine = block.Slice(o + 1, block[o]);
                o += 3 + block[o];
                var theirs = block[o];
                var theirPopulation = BinaryPrimitives.ReadUInt16BigEndian(block[(o + 1 + theirs)..]);
                o += 3 + theirs;
                if (sees[theirPopulation] && (into.Count == 0 || !into[^1].AsSpan().SequenceEqual(mine))) into.Add(mine.ToArray());
            }
        }
    }

    /// <summary>
    /// Replaces the epoch's match set with <paramref name="matches"/> (each side's order is made
    /// here), in the caller's transaction: readers see the old set until it commits, then the new.
    /// </summary>
    private static async Task WriteSet(NpgsqlConnection connection, NpgsqlTransaction tx, string partnership, int epoch, int? oldSetId,
        MatchSet set, CancellationToken ct)
    {
        if (oldSetId is int old)
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_match_blocks WHERE set_id = $1", old));
            batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_match_sets WHERE set_id = $1", old));
            await batch.ExecuteNonQueryAsync(ct);
        }
        int setId;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO psi_match_sets (partnership, epoch, populations, matches) VALUES ($1, $2, $3, $4) RETURNING set_id", connection, tx))
        {
            foreach (var value in new object[] { partnership, epoch, set.Populations, (long)set.ByLow.Length })
                insert.Parameters.Add(new() { Value = value });
            setId = (int)(await insert.ExecuteScalarAsync(ct))!;
        }
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY psi_match_blocks (set_id, low_side, first_record, last_record, entries) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var lowSide in new[] { true, false })
        {
            var block = new ArrayBufferWriter<byte>(BlockRecords * 40);
            byte[]? first = null, last = null;
            var records = 0;
            foreach (var m in lowSide ? set.ByLow : set.ByHigh)
            {
                var (mine, myPopulation, theirs, theirPopulation) = lowSide
                    ? (m.Low, m.LowPopulation, m.High, m.HighPopulation)
                    : (m.High, m.HighPopulation, m.Low, m.LowPopulation);
                if (last is null || !last.AsSpan().SequenceEqual(mine))
                {
                    if (records == BlockRecords)
                    {
                        await WriteBlock(importer, setId, lowSide, first!, last!, block, ct);
                        (first, records) = (null, 0);
                    }
                    first ??= mine;
                    last = mine;
                    records++;
                }
                Encode(block, mine, myPopulation);
                Encode(block, theirs, theirPopulation);
            }
            if (records > 0) await WriteBlock(importer, setId, lowSide, first!, last!, block, ct);
        }
        await importer.CompleteAsync(ct);
    }

    private static async Task WriteBlock(NpgsqlBinaryImporter importer, int setId, bool lowSide, byte[] first, byte[] last, ArrayBufferWriter<byte> block, CancellationToken ct)
    {
        await importer.StartRowAsync(ct);
        await importer.WriteAsync(setId, NpgsqlDbType.Integer, ct);
        await importer.WriteAsync(lowSide, NpgsqlDbType.Boolean, ct);
        await importer.WriteAsync(first, NpgsqlDbType.Bytea, ct);
        await importer.WriteAsync(last, NpgsqlDbType.Bytea, ct);
        await importer.WriteAsync(block.WrittenSpan.ToArray(), NpgsqlDbType.Bytea, ct);
        block.ResetWrittenCount();
    }

    /// <summary>A match of the new set: both records, populations as indexes into the set's (ordinal-ordered) populations.</summary>
    internal readonly record struct Match(byte[] Low, int LowPopulation, byte[] High, int HighPopulation);

    private static readonly Comparison<Match> CompareLow = (a, b) => Compare(a.Low, a.HighPopulation, a.High, b.Low, b.HighPopulation, b.High);
    private static readonly Comparison<Match> CompareHigh = (a, b) => Compare(a.High, a.LowPopulation, a.Low, b.High, b.LowPopulation, b.Low);

    /// <summary>A release's distinct matches, in each side's order, with the populations their indexes name.</summary>
    internal sealed record MatchSet(string[] Populations, Match[] ByLow, Match[] ByHigh);

    /// <summary>
    /// <paramref name="matches"/> in one side's order. Sorting the structs with the full comparison
    /// took ~0.2 s CPU per sort of 200k matches; sorting by the record's first 16 bytes as one
    /// 128-bit key (bytewise order, as ids are compared) is several times cheaper, and the full
    /// comparison is left to orders the keys tie (a record's several matches, ids longer than 16 bytes).
    /// </summary>
    private static Match[] Sorted(Match[] matches, bool lowSide)
    {
        var keys = new UInt128[matches.Length];
        var sorted = (Match[])matches.Clone();
        Span<byte> key = stackalloc byte[16];
        for (var i = 0; i < sorted.Length; i++)
        {
            var record = lowSide ? sorted[i].Low : sorted[i].High;
            key.Clear();
            record.AsSpan(0, Math.Min(16, record.Length)).CopyTo(key);
            keys[i] = BinaryPrimitives.ReadUInt128BigEndian(key);
        }
        Array.Sort(keys, sorted);
        var compare = lowSide ? CompareLow : CompareHigh;
        for (int i = 0, j; i < sorted.Length; i = j)
        {
            for (j = i + 1; j < sorted.Length && keys[j] == keys[i]; j++) { }
            if (j - i > 1) sorted.AsSpan(i, j - i).Sort(compare);
        }
        return sorted;
    }

    /// <summary>
    /// Stores <paramref name="matches"/> as the epoch's released set, replacing any before, without
    /// notices (a release's are made by <see cref="Intersect"/>). For tests and tools that need a
    /// given result to exist.
    /// </summary>
    public async Task Store(string partnership, int epoch, IReadOnlyCollection<ReleasedMatch> matches, CancellationToken ct = default)
    {
        var set = Indexed(matches.Select(m => (m.LowRecord, m.LowPopulation, m.HighRecord, m.HighPopulation)));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var current = await CurrentSet(connection, tx, partnership, epoch, forUpdate: true, ct);
        await WriteSet(connection, tx, partnership, epoch, current?.SetId, set, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Distinct matches with their populations as indexes into the distinct populations in ordinal order.</summary>
    private static MatchSet Indexed(IEnumerable<(byte[] Low, string LowPopulation, byte[] High, string HighPopulation)> rows)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var raw = new List<Match>();
        int Index(string population)
        {
            if (!names.TryGetValue(population, out var i)) names.Add(population, i = names.Count);
            return i;
        }
        foreach (var (low, lowPopulation, high, highPopulation) in rows)
            raw.Add(new Match(low, Index(lowPopulation), high, Index(highPopulation)));
        if (names.Count > ushort.MaxValue + 1) throw new InvalidOperationException($"A release's matches are in {names.Count} populations; at most {ushort.MaxValue + 1} fit its entries.");
        var populations = names.Keys.Order(StringComparer.Ordinal).ToArray();
        var rank = new int[names.Count];
        for (var i = 0; i < populations.Length; i++) rank[names[populations[i]]] = i;
        var matches = Sorted([.. raw.Select(m => m with { LowPopulation = rank[m.LowPopulation], HighPopulation = rank[m.HighPopulation] })], lowSide: true);
        // Unique per pair of records and populations, as the rows of psi_matches were.
        var distinct = 0;
        for (var i = 0; i < matches.Length; i++)
            if (distinct == 0 || CompareLow(matches[distinct - 1], matches[i]) != 0 || matches[distinct - 1].LowPopulation != matches[i].LowPopulation)
                matches[distinct++] = matches[i];
        var byLow = matches[..distinct];
        return new MatchSet(populations, byLow, Sorted(byLow, lowSide: false));
    }
}
