using System.Buffers.Binary;
using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>A range of one side's untagged records handed to the other side to re-blind.</summary>
[GenerateSerializer, Alias("cosellnet.reblind-range.v1")]
public sealed record ReblindRange(Guid TaskId, string Owner, long FromSeq, long ToSeq, int Count);

/// <summary>
/// Re-blind work in PostgreSQL. Tasks hand a side's records out in seq order, so a watermark per
/// list (<c>psi_lists.tagged_through</c>) says which records still lack the counterpart's tag: those
/// after it. Points stream out in seq order; tags come back as one block row of <c>psi_tag_blocks</c>
/// per task, each tag with its record's id and population, and the watermark moves in the same transaction.
/// </summary>
public sealed partial class ReblindStore(NpgsqlDataSource db)
{
    /// <summary>
    /// The next at most <paramref name="limit"/> untagged records of one side, as a range; null when
    /// all are tagged. Pending rows (of uploads not committed) are never handed out, and a range
    /// ends before the next pending seq range: a range holds committed records only, so the tags
    /// stored for it (any seqs in it) can only ever be committed records' tags. With
    /// <paramref name="afterSeq"/> (the end of a range still out), the range after that one.
    /// </summary>
    /// <remarks>
    /// The seq index is a BRIN index (migration 0013): it finds the rows of a seq window cheaply but
    /// gives no order, so the range is looked for in a window of <paramref name="limit"/> seqs after
    /// the watermark: when it holds that many records (no seq missing, as after an upload) they are
    /// the range, counted without a sort. Where seqs are missing (records changed or removed,
    /// re-added unchanged, uploads never committed) windows twice as wide follow, cut to their first
    /// <paramref name="limit"/> records. Every committed record's seq is at most the list's
    /// <c>committed_seq</c> (migration 0009), so the windows stop there. All in one snapshot, as
    /// one statement would be.
    /// </remarks>
    public async Task<ReblindRange?> NextRange(string partnership, int epoch, string owner, int limit, long afterSeq = 0, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        int list;
        long lo, committed;
        long[] pendingFirst, pendingLast;
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            foreach (var setting in TaskSettings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            // The list's pending seq ranges in order (reserved ranges never overlap).
            batch.BatchCommands.Add(Sql.Command("""
                SELECT l.list_id, greatest(l.tagged_through, $4) + 1, l.committed_seq,
                       ARRAY(SELECT u.first_seq FROM psi_uploads u
                              WHERE u.list_id = l.list_id AND u.committed_at IS NULL AND u.first_seq IS NOT NULL AND u.declared_count > 0 ORDER BY u.first_seq),
                       ARRAY(SELECT u.first_seq + u.declared_count - 1 FROM psi_uploads u
                              WHERE u.list_id = l.list_id AND u.committed_at IS NULL AND u.first_seq IS NOT NULL AND u.declared_count > 0 ORDER BY u.first_seq)
                  FROM psi_lists l WHERE l.partnership = $1 AND l.epoch = $2 AND l.owner = $3
                """, partnership, epoch, owner, afterSeq));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            (list, lo, committed) = (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
            (pendingFirst, pendingLast) = (reader.GetFieldValue<long[]>(3), reader.GetFieldValue<long[]>(4));
        }
        for (long width = limit; ; width = Math.Min(width * 2, 1L << 40))
        {
            // Past the pending ranges that hold lo; the first one after it ends the range.
            var bound = long.MaxValue;
            for (var i = 0; i < pendingFirst.Length; i++)
            {
                if (pendingLast[i] < lo) continue;
                if (pendingFirst[i] <= lo) lo = pendingLast[i] + 1;
                else
                {
                    bound = pendingFirst[i];
                    break;
                }
            }
            if (lo > committed) break;
            var end = Math.Min(committed, bound - 1);
            var hi = Math.Min(end, lo + width - 1);
            await using var cmd = new NpgsqlCommand(hi - lo < limit
                ? $"SELECT min(seq), max(seq), count(*)::int FROM psi_points WHERE {PsiStore.InList("$1")} AND seq BETWEEN $2 AND $3"
                : $"SELECT min(seq), max(seq), count(*)::int FROM (SELECT seq FROM psi_points WHERE {PsiStore.InList("$1")} AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT $4) p",
                connection, tx);
            cmd.Parameters.Add(new() { Value = list });
            cmd.Parameters.Add(new() { Value = lo });
            cmd.Parameters.Add(new() { Value = hi });
            cmd.Parameters.Add(new() { Value = limit });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var count = reader.GetInt32(2);
            // The first limit records after the watermark, or all before the end: the range.
            if (count == limit || (count > 0 && hi == end))
                return new ReblindRange(Guid.NewGuid(), owner, reader.GetInt64(0), reader.GetInt64(1), count);
            // Too few: the same start, a window twice as wide; none: after this window.
            if (count == 0) lo = hi + 1;
        }
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>
    /// Untagged committed records of one side: those after the watermark. Asked at every status
    /// request, so the two ends come from the list's row: before any task (watermark 0) all of its
    /// records (<c>records</c>, kept by each commit; every seq is at least 1), and after the last
    /// commit's seqs none (<c>committed_seq</c> bounds the seq of every committed record, see
    /// migration 0009). Only a list partly tagged is counted, by an index range after the watermark.
    /// </summary>
    public async Task<long> Untagged(string partnership, int epoch, string owner, CancellationToken ct = default) =>
        (long?)await SeqRangeScalar($"""
            SELECT CASE WHEN l.tagged_through = 0 THEN l.records
                        WHEN l.tagged_through >= l.committed_seq THEN 0
                        ELSE (SELECT count(*) FROM psi_points p
                               WHERE {PsiStore.InList("l.list_id", "p.")} AND p.seq > l.tagged_through AND {PsiStore.NotPending("p.seq", "l.list_id")}) END
              FROM psi_lists l WHERE l.partnership = $1 AND l.epoch = $2 AND l.owner = $3
            """, ct, partnership, epoch, owner) ?? 0;

    /// <summary>
    /// Whether any committed record of one side lacks the counterpart's tag: none when the watermark
    /// reached the list's <c>committed_seq</c> (as when a release asks), else a look after the watermark.
    /// </summary>
    public async Task<bool> AnyUntagged(string partnership, int epoch, string owner, CancellationToken ct = default) =>
        (bool?)await SeqRangeScalar($"""
            SELECT l.tagged_through < l.committed_seq
                   AND EXISTS (SELECT 1 FROM psi_points p
                                WHERE {PsiStore.InList("l.list_id", "p.")} AND p.seq > l.tagged_through AND {PsiStore.NotPending("p.seq", "l.list_id")})
              FROM psi_lists l WHERE l.partnership = $1 AND l.epoch = $2 AND l.owner = $3
            """, ct, partnership, epoch, owner) ?? false;

    /// <summary>Records of the range's side still stored under one of the range's seqs: fewer than its count when records changed since it was issued.</summary>
    public async Task<int> InRange(string partnership, int epoch, ReblindRange range, CancellationToken ct = default) =>
        (int)(await SeqRangeScalar($"SELECT count(*)::int FROM psi_points WHERE {PsiStore.InList(PsiStore.ListOf)} AND seq BETWEEN $4 AND $5",
            ct, partnership, epoch, range.Owner, range.FromSeq, range.ToSeq))!;

    /// <summary>A one-value read of seq ranges of <c>psi_points</c>, under <see cref="TaskSettings"/>; null when it gives no row.</summary>
    private async Task<object?> SeqRangeScalar(string sql, CancellationToken ct, params object[] values)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var setting in TaskSettings)
            await using (var set = new NpgsqlCommand(setting, connection, tx))
                await set.ExecuteNonQueryAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var value in values) cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        var result = await cmd.ExecuteScalarAsync(ct);
        await tx.CommitAsync(ct);
        return result is DBNull ? null : result;
    }

    /// <summary>
    /// A task's records of ($1 partnership, $2 epoch, $3 owner) from seq $4 to $5, in heap order:
    /// seq order unless records moved (<see cref="WritePoints"/> orders them then). Public for the benchmark's EXPLAIN.
    /// </summary>
    public static readonly string TaskPoints = $"""
        SELECT seq, point, record_id, population FROM psi_points
         WHERE {PsiStore.InList(PsiStore.ListOf)} AND seq BETWEEN $4 AND $5
        """;

    /// <summary>
    /// The settings that reads of a seq range run under: the BRIN seq index (migration 0013) as a
    /// bitmap of the range's pages. Without statistics on points stored seconds before, the planner
    /// may take the range for most of the table and scan all of it.
    /// </summary>
    public static readonly string[] TaskSettings = ["SET LOCAL enable_seqscan = off"];

    /// <summary>
    /// Writes the range's points, seq ‖ point each, in sequence order, to <paramref name="output"/>;
    /// returns how many. The same read brings each record's id and population, held for the
    /// task's tags (<see cref="StoreTags"/>) once the whole range was read.
    /// </summary>
    /// <remarks>
    /// Rows come in heap order. While each is the seq after the one before, starting at the range's
    /// first (as an upload's rows lie), none still to come can be lower, so they are written as they
    /// come, in blocks. From the first that is not, the rest is gathered and ordered here before it
    /// is written (a record that changed lies where its new version went).
    /// </remarks>
    public async Task<int> WritePoints(string partnership, int epoch, ReblindRange range, Stream output, CancellationToken ct = default)
    {
        // The list and its commit count first, then the points: a commit between the two statements
        // (each reads its own snapshot) shows in the count under the lock at StoreTags, never the
        // other way round, so held records are used only if no commit came after they were read.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var setting in TaskSettings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
        batch.BatchCommands.Add(Sql.Command($"SELECT list_id, ({Commits}) FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3",
            partnership, epoch, range.Owner));
        batch.BatchCommands.Add(Sql.Command(TaskPoints, partnership, epoch, range.Owner, range.FromSeq, range.ToSeq));
        await using var reader = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        int? list = null;
        long commits = 0;
        if (await reader.ReadAsync(ct)) (list, commits) = (reader.GetInt32(0), reader.GetInt64(1));
        await reader.NextResultAsync(ct);
        // Items are gathered into one buffer (no allocation per point) and written in blocks.
        const int block = 1024;
        var items = GC.AllocateUninitializedArray<byte>(Math.Max(range.Count, 1) * PsiFormat.TaskPointSize);
        var entries = GC.AllocateUninitializedArray<byte>(range.Count * TagEntrySize);
        var recordId = new byte[256];
        var populations = new List<string>();
        string? population = null;
        int count = 0, written = 0, index = 0;
        var inOrder = true;
        var next = range.FromSeq;
        var holdable = list is not null;
        while (await reader.ReadAsync(ct))
        {
            if (count == items.Length / PsiFormat.TaskPointSize) Array.Resize(ref items, items.Length * 2); // records added to the range since it was issued
            var at = count * PsiFormat.TaskPointSize;
            var seq = reader.GetInt64(0);
            inOrder = inOrder && seq == next++;
            BinaryPrimitives.WriteInt64BigEndian(items.AsSpan(at), seq);
            reader.GetBytes(1, 0, items, at + PsiFormat.SeqSize, PsiFormat.PointSize);
            // Record ids are 16 bytes from the API; a range with another cannot be held (and StoreTags then refuses it when it reads it).
            holdable = holdable && count < range.Count && reader.GetBytes(2, 0, recordId, 0, recordId.Length) == PsiFormat.RecordIdSize;
            if (holdable)
            {
                var entry = entries.AsSpan(count * TagEntrySize, TagEntrySize);
                BinaryPrimitives.WriteInt64BigEndian(entry, seq);
                recordId.AsSpan(0, PsiFormat.RecordIdSize).CopyTo(entry[PsiFormat.TaskTagSize..]);
                var name = reader.GetString(3);
                // Populations are few, in runs: look one up only when it changes.
                if (!string.Equals(name, population, StringComparison.Ordinal))
                {
                    population = name;
                    index = populations.IndexOf(name);
                    if (index < 0)
                    {
                        index = populations.Count;
                        populations.Add(name);
                    }
                }
                BinaryPrimitives.WriteUInt16BigEndian(entry[(PsiFormat.TaskTagSize + PsiFormat.RecordIdSize)..], checked((ushort)index));
            }
            count++;
            if (inOrder && count - written == block)
            {
                await output.WriteAsync(items.AsMemory(written * PsiFormat.TaskPointSize, block * PsiFormat.TaskPointSize), ct);
                written = count;
            }
        }
        await reader.DisposeAsync();
        await tx.CommitAsync(ct);
        if (!inOrder) InSeqOrder(items, written, count, holdable ? entries : null);
        await output.WriteAsync(items.AsMemory(written * PsiFormat.TaskPointSize, (count - written) * PsiFormat.TaskPointSize), ct);
        if (holdable) Hold(new HeldRecords(partnership, epoch, range, list!.Value, commits, entries, count, [.. populations]));
        return count;
    }

    /// <summary>
    /// Orders items <paramref name="from"/> to <paramref name="to"/> (seq ‖ point each) by seq, and
    /// the held entries at the same positions (seq first too) with them. Those before
    /// <paramref name="from"/> were written already, all below any after them.
    /// </summary>
    private static void InSeqOrder(byte[] items, int from, int to, byte[]? entries)
    {
        var n = to - from;
        var seqs = new long[n];
        var order = new int[n];
        for (var i = 0; i < n; i++) (seqs[i], order[i]) = (BinaryPrimitives.ReadInt64BigEndian(items.AsSpan((from + i) * PsiFormat.TaskPointSize)), from + i);
        Array.Sort(seqs, order);
        Permute(items, PsiFormat.TaskPointSize, from, order);
        if (entries is not null) Permute(entries, TagEntrySize, from, order);
    }

    /// <summary>Puts record <c>order[i]</c> of <paramref name="size"/> bytes at position <paramref name="from"/> + i.</summary>
    private static void Permute(byte[] records, int size, int from, int[] order)
    {
        var moved = new byte[order.Length * size];
        for (var i = 0; i < order.Length; i++) records.AsSpan(order[i] * size, size).CopyTo(moved.AsSpan(i * size));
        moved.CopyTo(records.AsSpan(from * size));
    }

    /// <summary>
    /// Stores tags for a range: <paramref name="tags"/> holds seq ‖ tag items, seqs increasing.
    /// Stores those after the list's watermark as one block row of <c>psi_tag_blocks</c> and moves
    /// the watermark to the end of the range, so a range stored twice (a retry, or a superseded
    /// task racing its successor) adds nothing twice. Each tag is stored with the record id and
    /// population of the record under its seq now, so the intersection joins tags alone (<see
    /// cref="MatchStore.Intersect"/>): those the task's point read held on this node when no
    /// commit came to the list since (<see cref="WritePoints"/>), else read again. A tag whose seq
    /// is no committed record's any more (the record changed or left since the task was issued)
    /// is not stored: the changed record is re-blinded in a later task under its new seq. A stored
    /// tag leaves with its record's seq (<see cref="PsiStore.Commit"/> rewrites the block without
    /// it), under the list's row lock that this transaction holds too.
    /// </summary>
    public async Task StoreTags(string partnership, int epoch, ReblindRange range, ReadOnlyMemory<byte> tags, CancellationToken ct = default)
    {
        // Taken out whatever happens: on a failure below, a retry reads the records again.
        var held = Take(partnership, epoch, range);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int list;
        long through;
        await using (var lockList = new NpgsqlCommand($"SELECT list_id, tagged_through FROM psi_lists WHERE list_id = {PsiStore.ListOf} FOR UPDATE", connection, tx))
        {
            lockList.Parameters.Add(new() { Value = partnership });
            lockList.Parameters.Add(new() { Value = epoch });
            lockList.Parameters.Add(new() { Value = range.Owner });
            await using var reader = await lockList.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return; // the list is gone (a new epoch, an ended partnership)
            (list, through) = (reader.GetInt32(0), reader.GetInt64(1));
        }
        if (through >= range.ToSeq) return;
        var after = Math.Max(through, range.FromSeq - 1);
        TagBlockRow? block;
        // Held records are the range's records now if no commit came since they were read. The count
        // is read after the lock, which commits take too, so none can come before this one commits;
        // in a statement of its own: the lock's statement reads in the snapshot it started with,
        // from before a commit it waited for.
        if (held is not null && held.List == list && held.Commits == await CommitCount(connection, tx, partnership, epoch, range.Owner, ct))
        {
            block = TagBlock(held, after, tags);
            Interlocked.Increment(ref _storedFromHeld);
        }
        else
        {
            block = await TagBlock(connection, tx, list, after, range.ToSeq, tags, ct);
            Interlocked.Increment(ref _storedFromRead);
        }
        await using var batch = new NpgsqlBatch(connection, tx);
        if (block is { } b)
            batch.BatchCommands.Add(Sql.Command("INSERT INTO psi_tag_blocks (list_id, first_seq, last_seq, populations, entries) VALUES ($1, $2, $3, $4, $5)",
                list, b.FirstSeq, b.LastSeq, b.Populations, b.Entries));
        batch.BatchCommands.Add(Sql.Command("UPDATE psi_lists SET tagged_through = $2 WHERE list_id = $1", list, range.ToSeq));
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static async Task<long> CommitCount(NpgsqlConnection connection, NpgsqlTransaction tx, string partnership, int epoch, string owner, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(Commits, connection, tx);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Size of a block entry: seq ‖ tag ‖ record id ‖ population index (see migration 0012).</summary>
    public const int TagEntrySize = PsiFormat.SeqSize + PsiFormat.TagSize + PsiFormat.RecordIdSize + sizeof(ushort);

    /// <summary>A block of tags as stored: its first and last seq, the populations its entries name by index, the entries.</summary>
    private readonly record struct TagBlockRow(long FirstSeq, long LastSeq, string[] Populations, ArraySegment<byte> Entries);

    /// <summary>
    /// The block of a range's tags: the list's committed records with seqs in (<paramref name="after"/>,
    /// <paramref name="through"/>], read in seq order (the range's pages from the seq index, sorted: the
    /// exception, as the point read's records are held, see <see cref="TagStores"/>), merged
    /// with the tags (seqs increasing too); a record without a tag or a tag without a record gives
    /// no entry. Null when no entry is left.
    /// </summary>
    private static async Task<TagBlockRow?> TagBlock(NpgsqlConnection connection, NpgsqlTransaction tx, int list, long after, long through,
        ReadOnlyMemory<byte> tags, CancellationToken ct)
    {
        foreach (var setting in TaskSettings)
            await using (var set = new NpgsqlCommand(setting, connection, tx))
                await set.ExecuteNonQueryAsync(ct);
        // Pending rows are excluded although no range holds one (NextRange): a tag can then never
        // belong to an uncommitted upload's row, whose seq that upload's commit may still move.
        await using var cmd = new NpgsqlCommand($"""
            SELECT seq, record_id, population FROM psi_points
             WHERE {PsiStore.InList("$1")} AND seq > $2 AND seq <= $3 AND {PsiStore.NotPending("seq", "$1")}
             ORDER BY seq
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = list });
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = through });
        var count = tags.Length / PsiFormat.TaskTagSize;
        var entries = new byte[count * TagEntrySize];
        var populations = new List<string>();
        long first = 0, last = 0;
        var stored = 0;
        await using (var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
        {
            var recordId = new byte[256];
            string? population = null;
            var index = 0;
            var i = 0;
            while (await reader.ReadAsync(ct))
            {
                var seq = reader.GetInt64(0);
                var items = tags.Span; // not held across an await
                while (i < count && BinaryPrimitives.ReadInt64BigEndian(items.Slice(i * PsiFormat.TaskTagSize, PsiFormat.SeqSize)) < seq) i++;
                if (i == count) break;
                var item = items.Slice(i * PsiFormat.TaskTagSize, PsiFormat.TaskTagSize);
                if (BinaryPrimitives.ReadInt64BigEndian(item) != seq) continue;
                var entry = entries.AsSpan(stored * TagEntrySize, TagEntrySize);
                item.CopyTo(entry); // seq ‖ tag, as the entry starts
                // Record ids are 16 bytes from the API; anything else could not be packed.
                if (reader.GetBytes(1, 0, recordId, 0, recordId.Length) != PsiFormat.RecordIdSize)
                    throw new InvalidOperationException($"The record at seq {seq} of list {list} has an id that is not {PsiFormat.RecordIdSize} bytes.");
                recordId.AsSpan(0, PsiFormat.RecordIdSize).CopyTo(entry[PsiFormat.TaskTagSize..]);
                var name = reader.GetString(2);
                // Populations are few, in runs: look one up only when it changes.
                if (!string.Equals(name, population, StringComparison.Ordinal))
                {
                    population = name;
                    index = populations.IndexOf(name);
                    if (index < 0)
                    {
                        index = populations.Count;
                        populations.Add(name);
                    }
                }
                BinaryPrimitives.WriteUInt16BigEndian(entry[(PsiFormat.TaskTagSize + PsiFormat.RecordIdSize)..], checked((ushort)index));
                if (stored++ == 0) first = seq;
                last = seq;
                i++;
            }
        }
        return stored == 0 ? null : new TagBlockRow(first, last, [.. populations], new ArraySegment<byte>(entries, 0, stored * TagEntrySize));
    }
}
