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
    /// Step 1 of an intersection: the pairs of seqs of ($1 partnership, $2 epoch)'s low side $3 and
    /// high side $4 whose tags are equal, into temporary <c>tag_matches</c>. Run as a hash join of
    /// the two lists' tags (merge join off: it sorts both million-row sides). Public for the benchmark's EXPLAIN.
    /// </summary>
    public const string TagMatches = """
        CREATE TEMP TABLE tag_matches ON COMMIT DROP AS
        SELECT lt.seq AS low_seq, ht.seq AS high_seq
          FROM psi_tags lt JOIN psi_tags ht ON ht.tag = lt.tag
         WHERE lt.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
           AND ht.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $4)
        """;

    /// <summary>
    /// Step 2: the matches' records. A tag joins only under its record's current seq, so the tag
    /// of a record changed (new seq) or removed since it was made joins nothing.
    /// </summary>
    public const string CurrentMatches = """
        SELECT $1, $2, l.record_id, l.population, h.record_id, h.population
          FROM tag_matches m
          JOIN psi_points l ON l.seq = m.low_seq
          JOIN psi_points h ON h.seq = m.high_seq
         WHERE l.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
           AND h.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $4)
        """;

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
            // A hash join of two 1M-row sides needs ~200 MB to stay in memory: 1M × 1M measured 1.46 s at 16 MB, 0.81 s at 256 MB.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL work_mem = '256MB'"));
            // Never a nested loop: a release follows the bulk writes of tags within seconds, before autoanalyze
            // has run, so the planner still estimates ~1 tagged row per side and picks a nested loop that
            // compares every tag with every tag (10k × 10k: over 30 s, the command timeout; 100k × 100k: hours).
            // A hash or merge join over the tag index is linear whatever the statistics say.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_nestloop = off"));
            // Compiling the join costs more (~100 ms) than it saves on a hash join of two lists.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL jit = off"));
            batch.BatchCommands.Add(Sql.Command("""
                CREATE TEMP TABLE previous_matches ON COMMIT DROP AS
                SELECT low_record, low_population, high_record, high_population FROM psi_matches WHERE partnership = $1 AND epoch = $2
                """, partnership, epoch));
            batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_matches WHERE partnership = $1 AND epoch = $2", partnership, epoch));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_mergejoin = off"));
            batch.BatchCommands.Add(Sql.Command(TagMatches, partnership, epoch, low, high));
            // The matches are a fraction of the lists: with their real count known, their records
            // are fetched by a join that reads only the matches' seqs from each list in order.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_mergejoin = on"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("ANALYZE tag_matches"));
            batch.BatchCommands.Add(Sql.Command($"INSERT INTO psi_matches (partnership, epoch, low_record, low_population, high_record, high_population) {CurrentMatches}",
                partnership, epoch, low, high));
            await batch.ExecuteNonQueryAsync(ct);
        }
        var matrix = new List<MatchCount>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT low_population, high_population, count(*) FROM psi_matches
             WHERE partnership = $1 AND epoch = $2 GROUP BY 1, 2 ORDER BY 1, 2
            """, connection, tx))
        {
            cmd.Parameters.Add(new() { Value = partnership });
            cmd.Parameters.Add(new() { Value = epoch });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) matrix.Add(new MatchCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }
        var lowChanges = await Changes(connection, tx, partnership, epoch, "low_record", "high_population", lowSees, ct);
        var highChanges = await Changes(connection, tx, partnership, epoch, "high_record", "low_population", highSees, ct);
        await tx.CommitAsync(ct);
        return (matrix, lowChanges, highChanges);
    }

    /// <summary>One side's records that now match a visible population and did not before (found), and the reverse (gone).</summary>
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
        var (found, foundCount) = await Query("psi_matches", "previous_matches");
        var (gone, goneCount) = await Query("previous_matches", "psi_matches");
        return new MatchChanges(found, foundCount, gone, goneCount);
    }
}
