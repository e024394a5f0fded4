using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>Released matches read back one page at a time, as each side may see them.</summary>
public sealed partial class MatchStore
{
    /// <summary>
    /// One side's matched records after <paramref name="after"/> in record id order, each with the
    /// counterpart's populations it matched in (only <paramref name="theirPopulations"/>) and the
    /// counterpart's sealed fields for those in <paramref name="fieldPopulations"/>.
    /// </summary>
    public async Task<IReadOnlyList<SideMatch>> Matches(string partnership, int epoch, bool lowSide, string counterpart,
        IReadOnlyCollection<string> theirPopulations, IReadOnlyCollection<string> fieldPopulations, byte[]? after, int limit, CancellationToken ct = default)
    {
        var (mine, myPopulation, theirs, theirPopulation) = lowSide
            ? ("low_record", "low_population", "high_record", "high_population")
            : ("high_record", "high_population", "low_record", "low_population");
        // A page is one index range of psi_matches (on the side's record id, from the cursor to the
        // page's last record), with each counterpart record's fields looked up by key: no join, so
        // its cost is the page's, not the partnership's (a join over all matches per page made
        // reading every page quadratic: 400 pages × 200k matches at 1M × 1M). Read right after a
        // release, before autoanalyze has seen the new matches, the planner would still pick scans
        // of every match (it estimates ~1 row); the index is forced here, the transaction only
        // scopes the settings. JIT compilation is off too: a page costs milliseconds, but with no
        // cursor the planner's estimate passed jit_above_cost, and compiling took ~0.5 s of the
        // first page of every listing. The cursor's bound is written as one comparison (an empty
        // bytea sorts before every id): as "$4 IS NULL OR id > $4" it is no index condition under a
        // generic plan, and every page would scan the side's matches from the first one up to its
        // own last (78 ms instead of 0.6 ms a page at 200k matches).
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var plan = new NpgsqlCommand("SET LOCAL enable_nestloop = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL jit = off", connection, tx))
            await plan.ExecuteNonQueryAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            WITH page AS (
              SELECT DISTINCT {mine} AS record FROM psi_matches
               WHERE partnership = $1 AND epoch = $2 AND {theirPopulation} = ANY($3) AND {mine} > coalesce($4::bytea, ''::bytea)
               ORDER BY 1 LIMIT $5)
            SELECT m.{mine}, m.{myPopulation}, m.{theirs}, m.{theirPopulation},
                   CASE WHEN m.{theirPopulation} = ANY($7) THEN
                     (SELECT f.sealed FROM psi_list_fields f
                       WHERE f.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $6)
                         AND f.record_id = m.{theirs}) END
              FROM psi_matches m
             WHERE m.partnership = $1 AND m.epoch = $2 AND m.{theirPopulation} = ANY($3)
               AND m.{mine} > coalesce($4::bytea, ''::bytea) AND m.{mine} <= (SELECT record FROM page ORDER BY record DESC LIMIT 1)
             ORDER BY m.{mine}, m.{theirPopulation}, m.{theirs}
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = theirPopulations.ToArray() });
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = counterpart });
        cmd.Parameters.Add(new() { Value = fieldPopulations.ToArray() });
        var result = new List<SideMatch>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var record = (byte[])reader[0];
            if (result.Count == 0 || !result[^1].RecordId.AsSpan().SequenceEqual(record))
                result.Add(new SideMatch(record, reader.GetString(1), [], []));
            var match = result[^1];
            var theirPopulationValue = reader.GetString(3);
            if (!match.TheirPopulations.Contains(theirPopulationValue)) match.TheirPopulations.Add(theirPopulationValue);
            if (!reader.IsDBNull(4)) match.Fields.Add(new SealedFor((byte[])reader[2], theirPopulationValue, (byte[])reader[4]));
        }
        return result;
    }
}
