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

/// <summary>Intersections: the join of both sides' tags (made in the node, MatchStore.Tags.cs), stored as the released match set.</summary>
public sealed partial class MatchStore(NpgsqlDataSource db)
{
    /// <summary>Most record ids a release notice lists per side; beyond that it gives counts only.</summary>
    public const int MaxNoticeRecords = 1000;

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
        var rows = await Matched(connection, tx, partnership, epoch, low, high, ct);
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
