using System.Data;
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
    /// <remarks>
    /// A page is the side's blocks whose last record is after the cursor (an index range), decoded
    /// here, so its cost is the page's, not the partnership's. The page is read in one snapshot
    /// (repeatable read), so it comes from one release whole. The cursor is a record id: a listing
    /// that spans a new release goes on after that id in the new release, never repeating a record;
    /// what the new release added before the cursor or removed is what its release notice (feed
    /// event overlaps-released: found, gone) lists, so nothing changes unannounced.
    /// </remarks>
    public async Task<IReadOnlyList<SideMatch>> Matches(string partnership, int epoch, bool lowSide, string counterpart,
        IReadOnlyCollection<string> theirPopulations, IReadOnlyCollection<string> fieldPopulations, byte[]? after, int limit, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var result = new List<SideMatch>();
        if (await CurrentSet(connection, tx, partnership, epoch, forUpdate: false, ct) is not { } set) return result;
        var sees = set.Populations.Select(theirPopulations.Contains).ToArray();
        var withFields = set.Populations.Select(fieldPopulations.Contains).ToArray();
        var wanted = new List<(SideMatch Match, byte[] Theirs, string Population)>();
        var cursor = after ?? [];
        // Blocks per query: a page's worth if every record is visible; more queries if not.
        var blocks = limit / BlockRecords + 2;
        var full = false;
        while (!full)
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT last_record, entries FROM psi_match_blocks
                 WHERE set_id = $1 AND low_side = $2 AND last_record > $3 ORDER BY last_record LIMIT $4
                """, connection, tx);
            foreach (var value in new object[] { set.SetId, lowSide, cursor, blocks }) cmd.Parameters.Add(new() { Value = value });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var read = 0;
            while (!full && await reader.ReadAsync(ct))
            {
                read++;
                cursor = reader.GetFieldValue<byte[]>(0);
                foreach (var e in Decode(reader.GetFieldValue<byte[]>(1)))
                {
                    // The first block may start at or before the page's cursor.
                    if (!sees[e.TheirPopulation] || (after is not null && e.Mine.AsSpan().SequenceCompareTo(after) <= 0)) continue;
                    if (result.Count == 0 || !result[^1].RecordId.AsSpan().SequenceEqual(e.Mine))
                    {
                        if (result.Count == limit) { full = true; break; }
                        result.Add(new SideMatch(e.Mine, set.Populations[e.MyPopulation], [], []));
                    }
                    var match = result[^1];
                    var population = set.Populations[e.TheirPopulation];
                    if (!match.TheirPopulations.Contains(population)) match.TheirPopulations.Add(population);
                    if (withFields[e.TheirPopulation]) wanted.Add((match, e.Theirs, population));
                }
            }
            if (read < blocks) break;
        }
        if (wanted.Count > 0) await AddFields(connection, tx, partnership, epoch, counterpart, wanted, ct);
        return result;
    }

    /// <summary>The counterpart's sealed fields of the page's matches that have them, looked up by key.</summary>
    private static async Task AddFields(NpgsqlConnection connection, NpgsqlTransaction tx, string partnership, int epoch, string counterpart,
        List<(SideMatch Match, byte[] Theirs, string Population)> wanted, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT f.record_id, f.sealed FROM psi_list_fields f
             WHERE f.list_id = (SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)
               AND f.record_id = ANY($4)
            """, connection, tx);
        foreach (var value in new object[] { partnership, epoch, counterpart, wanted.Select(w => w.Theirs).ToArray() })
            cmd.Parameters.Add(new() { Value = value });
        var sealedFor = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) sealedFor[Convert.ToHexString(reader.GetFieldValue<byte[]>(0))] = reader.GetFieldValue<byte[]>(1);
        foreach (var (match, theirs, population) in wanted)
            if (sealedFor.TryGetValue(Convert.ToHexString(theirs), out var sealedFields))
                match.Fields.Add(new SealedFor(theirs, population, sealedFields));
    }

    /// <summary>
    /// Whether <paramref name="record"/> of the low or high side matched, in the released set of
    /// that epoch, a counterpart record in one of <paramref name="theirPopulations"/>: the one
    /// block whose range holds the record, decoded.
    /// </summary>
    public async Task<bool> IsVisibleMatch(string partnership, int epoch, bool lowSide, byte[] record, string[] theirPopulations, CancellationToken ct = default)
    {
        if (theirPopulations.Length == 0) return false;
        await using var cmd = db.CreateCommand("""
            SELECT s.populations, b.entries FROM psi_match_sets s
              JOIN psi_match_blocks b ON b.set_id = s.set_id AND b.low_side = $3 AND b.last_record >= $4 AND b.first_record <= $4
             WHERE s.partnership = $1 AND s.epoch = $2
             ORDER BY b.last_record LIMIT 1
            """);
        foreach (var value in new object[] { partnership, epoch, lowSide, record }) cmd.Parameters.Add(new() { Value = value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return false;
        var populations = reader.GetFieldValue<string[]>(0);
        return Decode(reader.GetFieldValue<byte[]>(1)).Any(e => e.Mine.AsSpan().SequenceEqual(record) && theirPopulations.Contains(populations[e.TheirPopulation]));
    }
}
