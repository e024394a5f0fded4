using System.Buffers;
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
    /// <summary>Subquery for the tagged-through watermark of ($1 partnership, $2 epoch, $3 owner).</summary>
    private const string Watermark = "(SELECT tagged_through FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)";

    /// <summary>
    /// The next at most <paramref name="limit"/> untagged records of one side, as a range; null when
    /// all are tagged. Pending rows (of uploads not committed) are never handed out, and a range
    /// ends before the next pending seq range: a range holds committed records only, so the tags
    /// stored for it (any seqs in it) can only ever be committed records' tags. With
    /// <paramref name="afterSeq"/> (the end of a range still out), the range after that one.
    /// </summary>
    public async Task<ReblindRange?> NextRange(string partnership, int epoch, string owner, int limit, long afterSeq = 0, CancellationToken ct = default)
    {
        // The list's id and watermark as scalars, so that each step is one range of the seq index
        // (list_id, seq) read in order and stopped by its LIMIT; as a join, the planner read all of
        // the list's rows and sorted them (0.3-0.6 s per task at 1M). No bitmap scans: with no
        // statistics yet on points stored seconds before, the planner took the range as a few rows
        // and read it as a bitmap of every seq after the start (the rest of the list) to sort and
        // keep the first $4: 1M, at the second task, 230 ms; an ordered index range, 26 ms.
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await WholeRange(connection, partnership, epoch, owner, limit, afterSeq, ct) is { } whole)
            return whole.Count == 0 ? null : whole;
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_bitmapscan = off"));
        batch.BatchCommands.Add(Sql.Command($"""
            WITH start AS (
              SELECT p.seq FROM psi_points p
               WHERE p.list_id = {PsiStore.ListOf} AND p.seq > greatest({Watermark}, $5) AND {PsiStore.NotPending("p.seq", PsiStore.ListOf)}
               ORDER BY p.seq LIMIT 1),
            bound AS (
              SELECT min(u.first_seq) AS seq FROM psi_uploads u
               WHERE u.list_id = {PsiStore.ListOf} AND u.committed_at IS NULL AND u.first_seq > (SELECT seq FROM start))
            SELECT min(p.seq), max(p.seq), count(*)::int FROM (
              SELECT p.seq FROM psi_points p
               WHERE p.list_id = {PsiStore.ListOf} AND p.seq >= (SELECT seq FROM start) AND p.seq < coalesce((SELECT seq FROM bound), 9223372036854775807)
               ORDER BY p.seq LIMIT $4) p
            """, partnership, epoch, owner, limit, afterSeq));
        ReblindRange? range;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            range = reader.GetInt32(2) == 0 ? null : new ReblindRange(Guid.NewGuid(), owner, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2));
        }
        await tx.CommitAsync(ct);
        return range;
    }

    /// <summary>
    /// The next range without reading a point, when the list has no seq missing: its record count
    /// equals its <c>committed_seq</c>. Every committed record's seq lies in 1 to
    /// <c>committed_seq</c> (migration 0009) and seqs are unique (the seq index), so then every seq
    /// up to it is a committed record's, and no pending range lies below it (a pending range's seqs
    /// are no records); the range is the next <paramref name="limit"/> seqs after the watermark, up
    /// to <c>committed_seq</c>, as <see cref="NextRange"/>'s read would find it. So it is for a list
    /// as first uploaded (records changed, removed or re-added unchanged leave seqs missing, and
    /// then the read runs). At 1M × 1M the read was ~0.6 s of PostgreSQL's time over the tasks.
    /// Null when the read is needed; a range of count 0 when nothing is left.
    /// </summary>
    private static async Task<ReblindRange?> WholeRange(NpgsqlConnection connection, string partnership, int epoch, string owner, int limit, long afterSeq, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT greatest(tagged_through, $4) + 1, least(greatest(tagged_through, $4) + $5, committed_seq)
              FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3 AND records = committed_seq
            """, connection);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = afterSeq });
        cmd.Parameters.Add(new() { Value = (long)limit });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var (from, to) = (reader.GetInt64(0), reader.GetInt64(1));
        return from > to ? new ReblindRange(Guid.Empty, owner, 0, 0, 0) : new ReblindRange(Guid.NewGuid(), owner, from, to, checked((int)(to - from + 1)));
    }

    /// <summary>
    /// Untagged committed records of one side: those after the watermark. Asked at every status
    /// request, so the two ends come from the list's row: before any task (watermark 0) all of its
    /// records (<c>records</c>, kept by each commit; every seq is at least 1), and after the last
    /// commit's seqs none (<c>committed_seq</c> bounds the seq of every committed record, see
    /// migration 0009). Only a list partly tagged is counted, by an index range after the watermark.
    /// </summary>
    public async Task<long> Untagged(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT CASE WHEN l.tagged_through = 0 THEN l.records
                        WHEN l.tagged_through >= l.committed_seq THEN 0
                        ELSE (SELECT count(*) FROM psi_points p
                               WHERE p.list_id = l.list_id AND p.seq > l.tagged_through AND {PsiStore.NotPending("p.seq", "l.list_id")}) END
              FROM psi_lists l WHERE l.partnership = $1 AND l.epoch = $2 AND l.owner = $3
            """);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        return (long?)await cmd.ExecuteScalarAsync(ct) ?? 0;
    }

    /// <summary>Whether any committed record of one side lacks the counterpart's tag: one index probe (and one per pending row before it).</summary>
    public async Task<bool> AnyUntagged(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT EXISTS (SELECT 1 FROM psi_points p
                            WHERE p.list_id = {PsiStore.ListOf} AND p.seq > {Watermark} AND {PsiStore.NotPending("p.seq", PsiStore.ListOf)})
            """);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Records of the range's side still stored under one of the range's seqs: fewer than its count when records changed since it was issued.</summary>
    public async Task<int> InRange(string partnership, int epoch, ReblindRange range, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT count(*)::int FROM psi_points WHERE list_id = {PsiStore.ListOf} AND seq BETWEEN $4 AND $5");
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = range.Owner });
        cmd.Parameters.Add(new() { Value = range.FromSeq });
        cmd.Parameters.Add(new() { Value = range.ToSeq });
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A task's records of ($1 partnership, $2 epoch, $3 owner) from seq $4 to $5, in seq order (one range of the seq index). Public for the benchmark's EXPLAIN.</summary>
    public const string TaskPoints = $"""
        SELECT seq, point, record_id, population FROM psi_points
         WHERE list_id = {PsiStore.ListOf} AND seq BETWEEN $4 AND $5
         ORDER BY seq
        """;

    /// <summary>
    /// The settings <see cref="TaskPoints"/> runs under. With statistics, the planner read a task's
    /// range as a bitmap of its heap pages and sorted the rows by seq (at 500k a side: 60 ms a
    /// task, the sort spilling 5 MB to disk); the seq index gives them in order, and its order is
    /// the heap's (an upload's rows go in by seq), so no sort and the same pages.
    /// </summary>
    public static readonly string[] TaskSettings = ["SET LOCAL enable_bitmapscan = off"];

    /// <summary>
    /// Writes the range's points, seq ‖ point each, in sequence order, to <paramref name="output"/>;
    /// returns how many. The same read brings each record's id and population, held for the
    /// task's tags (<see cref="StoreTags"/>) once the whole range was read.
    /// </summary>
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
        // Items are gathered into one buffer and written in blocks: no allocation per point.
        const int block = 1024;
        var buffer = new byte[block * PsiFormat.TaskPointSize];
        // Rented (2.75 MB for a full task, a large object each): StoreTags returns them once held records are taken.
        var entries = ArrayPool<byte>.Shared.Rent(range.Count * TagEntrySize);
        var held = false;
        try
        {
            var recordId = new byte[256];
            var populations = new List<string>();
            string? population = null;
            int filled = 0, count = 0, index = 0;
            var holdable = list is not null;
            while (await reader.ReadAsync(ct))
            {
                var at = filled * PsiFormat.TaskPointSize;
                var seq = reader.GetInt64(0);
                BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at), seq);
                reader.GetBytes(1, 0, buffer, at + PsiFormat.SeqSize, PsiFormat.PointSize);
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
                if (++filled == block)
                {
                    await output.WriteAsync(buffer, ct);
                    filled = 0;
                }
            }
            await output.WriteAsync(buffer.AsMemory(0, filled * PsiFormat.TaskPointSize), ct);
            await reader.DisposeAsync();
            await tx.CommitAsync(ct);
            if (holdable) Hold(new HeldRecords(partnership, epoch, range, list!.Value, commits, entries, count, [.. populations]));
            held = holdable;
            return count;
        }
        finally
        {
            if (!held) ArrayPool<byte>.Shared.Return(entries);
        }
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
        try
        {
            await Store(held, partnership, epoch, range, tags, ct);
        }
        finally
        {
            // Rented by the point read (WritePoints); once taken nothing else refers to them.
            if (held is not null) ArrayPool<byte>.Shared.Return(held.Entries);
        }
    }

    private async Task Store(HeldRecords? held, string partnership, int epoch, ReblindRange range, ReadOnlyMemory<byte> tags, CancellationToken ct)
    {
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
    /// <paramref name="through"/>], read in seq order (one ordered range of the seq index), merged
    /// with the tags (seqs increasing too); a record without a tag or a tag without a record gives
    /// no entry. Null when no entry is left.
    /// </summary>
    private static async Task<TagBlockRow?> TagBlock(NpgsqlConnection connection, NpgsqlTransaction tx, int list, long after, long through,
        ReadOnlyMemory<byte> tags, CancellationToken ct)
    {
        // Pending rows are excluded although no range holds one (NextRange): a tag can then never
        // belong to an uncommitted upload's row, whose seq that upload's commit may still move.
        await using var cmd = new NpgsqlCommand($"""
            SELECT seq, record_id, population FROM psi_points
             WHERE list_id = $1 AND seq > $2 AND seq <= $3 AND {PsiStore.NotPending("seq", "$1")}
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
