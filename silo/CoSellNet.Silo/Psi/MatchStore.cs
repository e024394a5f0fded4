using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>One cell of the match count matrix: populations of the low-id and high-id sides.</summary>
[GenerateSerializer, Alias("cosellnet.match-cell.v1")]
public sealed record MatchCount(string LowPopulation, string HighPopulation, long Count);

/// <summary>
/// One side's records (lower-case hex ids) that started (found) or stopped (gone) overlapping with a
/// counterpart population the side may see; at most <see cref="MatchStore.MaxNoticeRecords"/> ids each, with full counts.
/// </summary>
public sealed record MatchChanges(IReadOnlyList<string> Found, long FoundCount, IReadOnlyList<string> Gone, long GoneCount);

/// <summary>A match as one side sees it: its own record and population, the other side's population.</summary>
public sealed record SideMatch(byte[] RecordId, string MyPopulation, List<string> TheirPopulations, List<SealedFor> Fields);

/// <summary>The counterpart's sealed fields for its record that matched.</summary>
public sealed record SealedFor(byte[] TheirRecordId, string TheirPopulation, byte[] Sealed);

/// <summary>Intersections: the join of both sides' tags, stored as the released match set.</summary>
public sealed partial class MatchStore(NpgsqlDataSource db)
{
    /// <summary>Most record ids a release notice lists per side; beyond that it gives counts only.</summary>
    public const int MaxNoticeRecords = 1000;

    /// <summary>
    /// An intersection, read by the node: the pairs of tags of ($1 partnership, $2 epoch)'s low side
    /// $3 and high side $4 that are equal, with both sides' records and populations, which each tag
    /// carries (stored with it, see <see cref="ReblindStore.StoreTags"/>). One hash join of the two
    /// lists, run by two processes (both cores are idle at release time), and nothing per match: no
    /// record is looked up by seq. A tag is deleted when its record leaves or gets a new seq
    /// (<see cref="PsiStore.Commit"/>), so a changed or removed record's old tag joins nothing.
    /// Public for the benchmark's EXPLAIN.
    /// </summary>
    public const string Matched = """
        SELECT lt.record_id AS low_record, lt.population AS low_population, ht.record_id AS high_record, ht.population AS high_population
          FROM psi_tags lt JOIN psi_tags ht ON ht.tag = lt.tag
         WHERE lt.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
           AND ht.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $4)
        """;

    /// <summary>
    /// The settings the intersection's statements run under. The planner has no statistics on
    /// tags stored seconds before (autoanalyze has not run), so it thinks the lists hold a few rows;
    /// these settings make the plan the same whatever the statistics say.
    /// </summary>
    public static readonly string[] Settings =
    [
        // A hash join of two 1M-row sides needs ~200 MB to stay in memory: 1M × 1M measured 1.46 s at 16 MB, 0.81 s at 256 MB.
        "SET LOCAL work_mem = '256MB'",
        // Never a nested loop join of tags with tags: with no statistics the planner estimates ~1
        // tagged row per side and would compare every tag with every tag (10k × 10k: over 30 s;
        // 100k × 100k: hours). No merge joins either: they sort both million-row lists of tags.
        "SET LOCAL enable_nestloop = off",
        "SET LOCAL enable_mergejoin = off",
        // Compiling the join costs more (~100 ms) than it saves on a hash join of two lists.
        "SET LOCAL jit = off",
        // The tag join in two processes (a parallel hash join): planned as parallel whatever size
        // the planner believes the lists have. One worker: with the leader that is both cores.
        "SET LOCAL max_parallel_workers_per_gather = 1",
        "SET LOCAL parallel_setup_cost = 0",
        "SET LOCAL parallel_tuple_cost = 0",
        "SET LOCAL min_parallel_table_scan_size = 0",
        "SET LOCAL min_parallel_index_scan_size = 0",
    ];

    /// <summary>
    /// Replaces the epoch's match set with the join of both sides' tags. Returns the count matrix
    /// and, per side, which of its records started or stopped matching a counterpart population
    /// that side may see (<paramref name="lowSees"/>, <paramref name="highSees"/>).
    /// </summary>
    public async Task<(IReadOnlyList<MatchCount> Matrix, MatchChanges Low, MatchChanges High)> Intersect(
        string partnership, int epoch, string low, string high, string[] lowSees, string[] highSees, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The set released before, locked: what the notices compare with, replaced at the end.
        var old = await CurrentSet(connection, tx, partnership, epoch, forUpdate: true, ct);
        var rows = new List<(byte[], string, byte[], string)>();
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            foreach (var setting in Settings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            batch.BatchCommands.Add(Sql.Command(Matched, partnership, epoch, low, high));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            do
                while (await reader.ReadAsync(ct))
                    rows.Add((reader.GetFieldValue<byte[]>(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3)));
            while (await reader.NextResultAsync(ct));
        }
        var set = Indexed(rows);
        rows.Clear();
        // The notices and the count matrix are made here from the old and new sets (200k matches
        // at 1M × 1M), not by queries over a table of matches: the set is written only as blocks.
        var lowChanges = await Changes(connection, tx, old, lowSide: true, set, lowSees, ct);
        var highChanges = await Changes(connection, tx, old, lowSide: false, set, highSees, ct);
        var counts = new long[set.Populations.Length, set.Populations.Length];
        foreach (var m in set.ByLow) counts[m.LowPopulation, m.HighPopulation]++;
        var matrix = new List<MatchCount>();
        for (var l = 0; l < set.Populations.Length; l++)
            for (var h = 0; h < set.Populations.Length; h++)
                if (counts[l, h] > 0) matrix.Add(new MatchCount(set.Populations[l], set.Populations[h], counts[l, h]));
        // The whole set is written again, as ~100 block rows a side (200k matches): cheaper than finding
        // the difference, and a release after a few changed records costs the same.
        await WriteSet(connection, tx, partnership, epoch, old?.SetId, set, ct);
        await tx.CommitAsync(ct);
        return (matrix, lowChanges, highChanges);
    }

    /// <summary>
    /// One side's records that now match a visible population (in <paramref name="matches"/>) and
    /// did not in the set released before (<paramref name="old"/>), and the reverse (gone), in
    /// record id order as the notices list them.
    /// </summary>
    private static async Task<MatchChanges> Changes(NpgsqlConnection connection, NpgsqlTransaction tx, (int SetId, string[] Populations)? old,
        bool lowSide, MatchSet matches, string[] visible, CancellationToken ct)
    {
        if (visible.Length == 0) return new MatchChanges([], 0, [], 0);
        var sees = matches.Populations.Select(visible.Contains).ToArray();
        var now = new List<byte[]>();
        foreach (var m in lowSide ? matches.ByLow : matches.ByHigh)
        {
            var (mine, theirPopulation) = lowSide ? (m.Low, m.HighPopulation) : (m.High, m.LowPopulation);
            if (sees[theirPopulation] && (now.Count == 0 || !now[^1].AsSpan().SequenceEqual(mine))) now.Add(mine);
        }
        var before = old is { } set
            ? await VisibleRecords(connection, tx, set.SetId, lowSide, [.. set.Populations.Select(visible.Contains)], ct)
            : [];
        // Both lists are sorted and distinct: one merge gives both differences.
        List<string> found = [], gone = [];
        long foundCount = 0, goneCount = 0;
        for (int i = 0, j = 0; i < now.Count || j < before.Count;)
        {
            var c = i == now.Count ? 1 : j == before.Count ? -1 : now[i].AsSpan().SequenceCompareTo(before[j]);
            if (c < 0 && foundCount++ < MaxNoticeRecords) found.Add(Convert.ToHexStringLower(now[i]));
            if (c > 0 && goneCount++ < MaxNoticeRecords) gone.Add(Convert.ToHexStringLower(before[j]));
            if (c <= 0) i++;
            if (c >= 0) j++;
        }
        return new MatchChanges(found, foundCount, gone, goneCount);
    }
}
