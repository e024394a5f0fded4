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
    /// Step 1 of an intersection, into temporary <c>low_matched</c>: the pairs of tags of ($1
    /// partnership, $2 epoch)'s low side $3 and high side $4 that are equal, as the high side's seq
    /// and the low side's record. The tags are joined by a hash join of the two lists, run by two
    /// processes (both cores are idle at release time); the low side's record of each match is then
    /// looked up by its seq (one index probe per match, not a scan of the list), in the order the
    /// low side's tags were scanned, which is about seq order (the lookup runs in the leader: a
    /// LATERAL subquery is not run by parallel workers). A tag joins only under its record's
    /// current seq, so the tag of a record changed (new seq) or removed since it was made finds no
    /// record. 1M × 1M (200k matches), CPU: ~1.0 s in the leader, ~0.5 s in the worker (the join
    /// alone in one process was ~1.1 s, and the records of the matches by merge joins ~1.2 s more).
    /// Public for the benchmark's EXPLAIN.
    /// </summary>
    public const string LowMatched = """
        CREATE TEMP TABLE low_matched ON COMMIT DROP AS
        SELECT ht.seq AS high_seq, l.record_id AS low_record, l.population AS low_population
          FROM (psi_tags lt JOIN psi_tags ht ON ht.tag = lt.tag)
          JOIN LATERAL (SELECT p.record_id, p.population FROM psi_points p WHERE p.list_id = lt.list_id AND p.seq = lt.seq OFFSET 0) l ON true
         WHERE lt.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
           AND ht.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $4)
        """;

    /// <summary>
    /// Step 2, into temporary <c>released</c>: the matches with the high side's records, looked up
    /// by seq in seq order (each index and heap page of the list read once, not at random: in
    /// random order the 32 MB of shared buffers of a small node thrash). 1M × 1M: ~0.5 s CPU.
    /// </summary>
    public const string Released = """
        CREATE TEMP TABLE released ON COMMIT DROP AS
        SELECT m.low_record, m.low_population, h.record_id AS high_record, h.population AS high_population
          FROM (SELECT * FROM low_matched ORDER BY high_seq) m
          JOIN LATERAL (SELECT p.record_id, p.population FROM psi_points p
                         WHERE p.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
                           AND p.seq = m.high_seq OFFSET 0) h ON true
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
        // 100k × 100k: hours). The record lookups are LATERAL subqueries, which can only run as
        // nested loops (one index probe per match) and still do. No merge joins either: they sort
        // both million-row lists of tags.
        "SET LOCAL enable_nestloop = off",
        "SET LOCAL enable_mergejoin = off",
        // The joins in the order written: tags with tags first, records of the matches after.
        "SET LOCAL join_collapse_limit = 1",
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
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            foreach (var setting in Settings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            batch.BatchCommands.Add(Sql.Command(LowMatched, partnership, epoch, low, high));
            batch.BatchCommands.Add(Sql.Command(Released, partnership, epoch, high));
            await batch.ExecuteNonQueryAsync(ct);
        }
        // The new set against the one released before (still in psi_matches): what each side's notice lists.
        var lowChanges = await Changes(connection, tx, partnership, epoch, "low_record", "high_population", lowSees, ct);
        var highChanges = await Changes(connection, tx, partnership, epoch, "high_record", "low_population", highSees, ct);
        var matrix = new List<MatchCount>();
        await using (var cmd = new NpgsqlCommand("SELECT low_population, high_population, count(*) FROM released GROUP BY 1, 2 ORDER BY 1, 2", connection, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) matrix.Add(new MatchCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        // Only the difference is written: a release after a few changed records deletes and inserts
        // a few rows, not the whole set (and the first release of an epoch inserts all of it).
        // Matches are unique per pair of records, and a record's population comes with it. This
        // insert is the largest part of a first release: 200k rows at 1M × 1M, ~1.5 s CPU, nearly
        // all of it the two indexes' inserts (their keys lead with the 65-character partnership).
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            const string same = "r.low_record = m.low_record AND r.high_record = m.high_record AND r.low_population = m.low_population AND r.high_population = m.high_population";
            batch.BatchCommands.Add(Sql.Command($"""
                DELETE FROM psi_matches m WHERE m.partnership = $1 AND m.epoch = $2
                   AND NOT EXISTS (SELECT 1 FROM released r WHERE {same})
                """, partnership, epoch));
            batch.BatchCommands.Add(Sql.Command($"""
                INSERT INTO psi_matches (partnership, epoch, low_record, low_population, high_record, high_population)
                SELECT $1, $2, r.low_record, r.low_population, r.high_record, r.high_population FROM released r
                 WHERE NOT EXISTS (SELECT 1 FROM psi_matches m WHERE m.partnership = $1 AND m.epoch = $2 AND {same})
                """, partnership, epoch));
            // Statistics now, in the release's transaction, not when autoanalyze gets to it: both
            // indexes lead with (partnership, epoch), and believing the new matches are ~1 row the
            // planner served one side's overlaps pages from the other side's index, reading all of
            // the partnership's matches twice per page (1M × 1M: 41 pages, 7.3 s for that side;
            // seen with auto_explain). ANALYZE samples a bounded number of rows: ~0.1 s here. Its lock
            // (held to the commit, just after) makes concurrent releases take turns for that moment.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("ANALYZE psi_matches"));
            await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (matrix, lowChanges, highChanges);
    }

    /// <summary>
    /// One side's records that now match a visible population (in the new set, <c>released</c>) and
    /// did not before (in <c>psi_matches</c>, still the last release's), and the reverse (gone).
    /// </summary>
    private static async Task<MatchChanges> Changes(NpgsqlConnection connection, NpgsqlTransaction tx, string partnership, int epoch,
        string record, string theirPopulation, string[] visible, CancellationToken ct)
    {
        async Task<(List<string> Ids, long Count)> Query(string from, string to)
        {
            await using var cmd = new NpgsqlCommand($"""
                WITH changed AS (
                  SELECT DISTINCT a.{record} AS record FROM {from} a
                   WHERE {(from == "psi_matches" ? "a.partnership = $1 AND a.epoch = $2 AND " : "")}a.{theirPopulation} = ANY($3)
                     AND NOT EXISTS (SELECT 1 FROM {to} b WHERE {(to == "psi_matches" ? "b.partnership = $1 AND b.epoch = $2 AND " : "")}b.{record} = a.{record} AND b.{theirPopulation} = ANY($3)))
                SELECT record, count(*) OVER () FROM changed ORDER BY record LIMIT $4
                """, connection, tx);
            cmd.Parameters.Add(new() { Value = partnership });
            cmd.Parameters.Add(new() { Value = epoch });
            cmd.Parameters.Add(new() { Value = visible });
            cmd.Parameters.Add(new() { Value = MaxNoticeRecords });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var ids = new List<string>();
            long count = 0;
            while (await reader.ReadAsync(ct))
            {
                ids.Add(Convert.ToHexStringLower((byte[])reader[0]));
                count = reader.GetInt64(1);
            }
            return (ids, count);
        }
        if (visible.Length == 0) return new MatchChanges([], 0, [], 0);
        var (found, foundCount) = await Query("released", "psi_matches");
        var (gone, goneCount) = await Query("psi_matches", "released");
        return new MatchChanges(found, foundCount, gone, goneCount);
    }
}
