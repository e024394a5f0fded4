using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Protocol;
using CoSellNet.Silo.Storage;
using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>Where one record of a chunk lies in the chunk's bytes.</summary>
public readonly record struct ChunkItem(int RecordIdOffset, int PayloadOffset, int PayloadLength);

/// <summary>What became of a chunk.</summary>
public enum ChunkOutcome
{
    /// <summary>Stored.</summary>
    Accepted,
    /// <summary>The same bytes were already stored under this chunk number: nothing to do.</summary>
    Replayed,
    /// <summary>Different bytes were already stored under this chunk number.</summary>
    Conflict,
    /// <summary>Not the next chunk: <see cref="PsiUpload.Chunks"/> is the one expected.</summary>
    OutOfOrder,
    /// <summary>More records than the upload declared.</summary>
    OverCount,
    /// <summary>The upload is already committed.</summary>
    Committed,
}

/// <summary>
/// Blinded points in PostgreSQL: upload sessions, chunks and committed records. An add's chunks go
/// straight into <c>psi_points</c> under the seqs the upload reserved when it started, pending until
/// it commits (readers exclude the seq ranges of uncommitted uploads, see <see cref="NotPending"/>),
/// so the commit after the last chunk has almost nothing left to do. Record ids already in the list
/// are staged and applied at commit. Every write that must be all-or-nothing is one transaction
/// that locks the list's row (shared by chunks, exclusive for commits and seq reservations) and then
/// the upload's row, so concurrent retries of one chunk or commit cannot interleave.
/// </summary>
public sealed partial class PsiStore(NpgsqlDataSource db)
{
    public async Task<PsiUpload?> FindUpload(Guid uploadId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {UploadColumns} FROM psi_uploads WHERE upload_id = $1");
        cmd.Parameters.Add(new() { Value = uploadId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadUpload(reader) : null;
    }

    /// <summary>
    /// Creates the session unless one with this id exists; returns what is stored under the id.
    /// A new add reserves one seq per declared record in its list: its rows take them as they
    /// arrive. Seqs of an upload never committed are never given again.
    /// </summary>
    public async Task<PsiUpload> CreateUpload(PsiUpload upload, CancellationToken ct = default)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var list = await EnsureList(connection, tx, upload.Partnership, upload.Epoch, upload.Owner, ct);
            await using var batch = new NpgsqlBatch(connection, tx);
            batch.BatchCommands.Add(Sql.Command("SELECT 1 FROM psi_lists WHERE list_id = $1 FOR NO KEY UPDATE", list));
            batch.BatchCommands.Add(Sql.Command("""
                WITH made AS (
                  INSERT INTO psi_uploads (upload_id, partnership, epoch, owner, population, kind, declared_count, list_id, first_seq)
                  SELECT $1, $2, $3, $4, $5, $6, $7, list_id, CASE WHEN $6 = 'add' THEN last_seq + 1 END FROM psi_lists WHERE list_id = $8
                  ON CONFLICT (upload_id) DO NOTHING RETURNING first_seq)
                UPDATE psi_lists SET last_seq = last_seq + $7 WHERE list_id = $8 AND EXISTS (SELECT 1 FROM made WHERE first_seq IS NOT NULL)
                """, upload.UploadId, upload.Partnership, upload.Epoch, upload.Owner, upload.Population, KindName(upload.Kind), upload.DeclaredCount, list));
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        return (await FindUpload(upload.UploadId, ct))!;
    }

    /// <summary>
    /// Stores chunk <paramref name="chunk"/> of an upload: <paramref name="items"/> locate each
    /// record's id and payload (point or sealed fields) in <paramref name="body"/>; the caller
    /// checked their form. Returns the outcome and the upload as it now stands.
    /// </summary>
    public async Task<(ChunkOutcome Outcome, PsiUpload Upload)> AddChunk(Guid uploadId, int chunk, ReadOnlyMemory<byte> body, IReadOnlyList<ChunkItem> items, CancellationToken ct = default)
    {
        var sha = SHA256.HashData(body.Span);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var locked = await LockUpload(connection, tx, uploadId, "FOR SHARE", ct);
        var upload = locked.Upload;
        if (upload.CommittedAt is not null) return (ChunkOutcome.Committed, upload);
        if (chunk < upload.Chunks)
        {
            await using var cmd = new NpgsqlCommand("SELECT sha256 FROM psi_upload_chunks WHERE upload_id = $1 AND chunk = $2", connection, tx);
            cmd.Parameters.Add(new() { Value = uploadId });
            cmd.Parameters.Add(new() { Value = chunk });
            var stored = (byte[])(await cmd.ExecuteScalarAsync(ct))!;
            return (stored.AsSpan().SequenceEqual(sha) ? ChunkOutcome.Replayed : ChunkOutcome.Conflict, upload);
        }
        if (chunk > upload.Chunks) return (ChunkOutcome.OutOfOrder, upload);
        var count = items.Count;
        if (upload.ReceivedCount + count > upload.DeclaredCount) return (ChunkOutcome.OverCount, upload);

        var bytes = MemoryMarshalArray(body);
        var inserted = 0;
        if (upload.Kind == UploadKind.Add)
            inserted = await InsertPoints(connection, tx, upload, locked.List!.Value, locked.FirstSeq!.Value + upload.ReceivedCount, bytes, ByRecordId(bytes, items), ct);
        else
            await Stage(connection, uploadId, bytes, items, ct);
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(Sql.Command("INSERT INTO psi_upload_chunks (upload_id, chunk, sha256, count) VALUES ($1, $2, $3, $4)", uploadId, chunk, sha, count));
            batch.BatchCommands.Add(Sql.Command("UPDATE psi_uploads SET chunks = chunks + 1, received_count = received_count + $2, inserted = inserted + $3 WHERE upload_id = $1", uploadId, count, inserted));
            await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (ChunkOutcome.Accepted, upload with { Chunks = upload.Chunks + 1, ReceivedCount = upload.ReceivedCount + count });
    }

    /// <summary>
    /// An add chunk's rows into <c>psi_points</c> by binary COPY, record i under seq
    /// <paramref name="seq"/> + i (pending until the commit). When a record id is already in the
    /// list (re-added, changed, or twice in the upload) the COPY fails on the primary key and the
    /// chunk goes in again row by row: new ids into <c>psi_points</c>, the others staged for the
    /// commit. Returns how many went into <c>psi_points</c>.
    /// </summary>
    private static async Task<int> InsertPoints(NpgsqlConnection connection, NpgsqlTransaction tx, PsiUpload upload, int list, long seq,
        ArraySegment<byte> bytes, IReadOnlyList<ChunkItem> items, CancellationToken ct)
    {
        // Formatted before the COPY starts, so that the statement (and the locks it holds) lasts
        // only as long as PostgreSQL's own work; the same bytes serve the fallback below.
        using var rows = PointRows(list, seq, upload.Population, bytes, items);
        await tx.SaveAsync("chunk", ct);
        try
        {
            await rows.CopyTo(connection, "COPY psi_points (list_id, record_id, seq, population, point) FROM STDIN (FORMAT BINARY)", ct);
            return items.Count;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await tx.RollbackAsync("chunk", ct);
        }
        await using (var table = new NpgsqlCommand("CREATE TEMP TABLE psi_chunk (list_id int, record_id bytea, seq bigint, population text, point bytea) ON COMMIT DROP", connection, tx))
            await table.ExecuteNonQueryAsync(ct);
        await rows.CopyTo(connection, "COPY psi_chunk (list_id, record_id, seq, population, point) FROM STDIN (FORMAT BINARY)", ct);
        await using var split = new NpgsqlCommand("""
            WITH added AS (
              INSERT INTO psi_points (list_id, record_id, seq, population, point)
              SELECT list_id, record_id, seq, population, point FROM psi_chunk ORDER BY seq
              ON CONFLICT (list_id, record_id) DO NOTHING RETURNING seq),
            staged AS (
              INSERT INTO psi_staged (upload_id, record_id, payload, seq)
              SELECT $1, c.record_id, c.point, c.seq FROM psi_chunk c WHERE c.seq NOT IN (SELECT seq FROM added))
            SELECT count(*)::int FROM added
            """, connection, tx);
        split.Parameters.Add(new() { Value = upload.UploadId });
        return (int)(await split.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A chunk's records in record id order: the primary key takes them in order (measured: random
    /// order cost PostgreSQL more per row, and left the index larger), and within a chunk the seqs
    /// follow the opaque record ids rather than the order the client sent. A chunk already in
    /// order (as clients send them) is taken as it is.
    /// </summary>
    private static IReadOnlyList<ChunkItem> ByRecordId(ArraySegment<byte> bytes, IReadOnlyList<ChunkItem> items)
    {
        // Checked in place first: a chunk in order (as clients send them) costs no key array.
        var span = bytes.AsSpan();
        var sorted = true;
        for (var i = 1; i < items.Count && sorted; i++)
            sorted = span.Slice(items[i - 1].RecordIdOffset, PsiFormat.RecordIdSize).SequenceCompareTo(span.Slice(items[i].RecordIdOffset, PsiFormat.RecordIdSize)) <= 0;
        if (sorted) return items;
        var keys = new UInt128[items.Count];
        for (var i = 0; i < keys.Length; i++)
            keys[i] = BinaryPrimitives.ReadUInt128BigEndian(span.Slice(items[i].RecordIdOffset, PsiFormat.RecordIdSize));
        var ordered = items.ToArray();
        Array.Sort(keys, ordered);
        return ordered;
    }

    /// <summary>The COPY rows of an add chunk: list, record id, seq (one more each row), population, point.</summary>
    private static BinaryCopyBuffer PointRows(int list, long seq, string population, ArraySegment<byte> bytes, IReadOnlyList<ChunkItem> items)
    {
        const int fixedRow = sizeof(short) + (4 + sizeof(int)) + (4 + PsiFormat.RecordIdSize) + (4 + sizeof(long)) + 4 + (4 + PsiFormat.PointSize);
        var populationBytes = Encoding.UTF8.GetBytes(population);
        var rows = new BinaryCopyBuffer(items.Count * (fixedRow + populationBytes.Length));
        var span = bytes.AsSpan();
        foreach (var item in items)
        {
            rows.StartRow(5);
            rows.WriteInt32(list);
            rows.WriteBytes(span.Slice(item.RecordIdOffset, PsiFormat.RecordIdSize));
            rows.WriteInt64(seq++);
            rows.WriteBytes(populationBytes); // text's binary form is its UTF-8 bytes, as bytea's is its bytes
            rows.WriteBytes(span.Slice(item.PayloadOffset, item.PayloadLength));
        }
        return rows;
    }

    /// <summary>A remove's or fields chunk into <c>psi_staged</c>, applied at commit.</summary>
    private static async Task Stage(NpgsqlConnection connection, Guid uploadId, ArraySegment<byte> bytes, IReadOnlyList<ChunkItem> items, CancellationToken ct)
    {
        var span = bytes.AsSpan();
        using var rows = new BinaryCopyBuffer(items.Count * (sizeof(short) + 4 + 16 + 4 + PsiFormat.RecordIdSize + 4) + span.Length);
        foreach (var item in items)
        {
            rows.StartRow(3);
            rows.WriteUuid(uploadId);
            rows.WriteBytes(span.Slice(item.RecordIdOffset, PsiFormat.RecordIdSize));
            if (item.PayloadLength > 0) rows.WriteBytes(span.Slice(item.PayloadOffset, item.PayloadLength));
            else rows.WriteNull();
        }
        await rows.CopyTo(connection, "COPY psi_staged (upload_id, record_id, payload) FROM STDIN (FORMAT BINARY)", ct);
    }

    /// <summary>The id of one side's list in a partnership and epoch, made on first use.</summary>
    internal static async Task<int> EnsureList(NpgsqlConnection connection, NpgsqlTransaction tx, string partnership, int epoch, string owner, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH made AS (
              INSERT INTO psi_lists (partnership, epoch, owner) VALUES ($1, $2, $3)
              ON CONFLICT (partnership, epoch, owner) DO NOTHING RETURNING list_id)
            SELECT list_id FROM made UNION ALL
            SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        // Null only when another transaction made the row after this statement's snapshot: read it again.
        return (int?)await cmd.ExecuteScalarAsync(ct) ?? (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Subquery for the list id of ($1 partnership, $2 epoch, $3 owner); null when the side has none yet.</summary>
    internal const string ListOf = "(SELECT list_id FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3)";

    /// <summary>
    /// Condition on a row of <c>psi_points</c> of list <paramref name="list"/> (an expression that
    /// does not depend on the row, so the ranges are read once per statement): its seq is not in the
    /// reserved range of an uncommitted upload, i.e. the row is committed.
    /// </summary>
    internal static string NotPending(string seq, string list) =>
        $"NOT ({seq} <@ ANY (ARRAY(SELECT int8range(u.first_seq, u.first_seq + u.declared_count) FROM psi_uploads u " +
        $"WHERE u.list_id = {list} AND u.committed_at IS NULL AND u.first_seq IS NOT NULL)))";

    /// <summary>Record counts of one side's committed list, by population.</summary>
    public async Task<IReadOnlyDictionary<string, long>> Counts(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT population, count(*) FROM psi_points WHERE list_id = {ListOf} AND {NotPending("seq", ListOf)} GROUP BY population");
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>Records in one side's committed list (kept by each commit).</summary>
    public async Task<long> Count(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(sum(records), 0)::bigint FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3");
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Deletes a partnership's blinded data, tags, sealed fields and matches of every epoch before <paramref name="keepFrom"/> (all of it for int.MaxValue).</summary>
    public async Task DeleteBefore(string partnership, int keepFrom, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        // The bulk tables have no foreign keys (a check per row costs more than the row): their rows go by list here.
        batch.BatchCommands.Add(Sql.Command("""
            WITH gone AS (DELETE FROM psi_lists WHERE partnership = $1 AND epoch < $2 RETURNING list_id),
                 points AS (DELETE FROM psi_points WHERE list_id IN (SELECT list_id FROM gone)),
                 tags AS (DELETE FROM psi_tag_blocks WHERE list_id IN (SELECT list_id FROM gone))
            DELETE FROM psi_list_fields WHERE list_id IN (SELECT list_id FROM gone)
            """, partnership, keepFrom));
        batch.BatchCommands.Add(Sql.Command("""
            WITH gone AS (DELETE FROM psi_match_sets WHERE partnership = $1 AND epoch < $2 RETURNING set_id)
            DELETE FROM psi_match_blocks WHERE set_id IN (SELECT set_id FROM gone)
            """, partnership, keepFrom));
        batch.BatchCommands.Add(Sql.Command("""
            WITH gone AS (DELETE FROM psi_uploads WHERE partnership = $1 AND epoch < $2 RETURNING upload_id)
            DELETE FROM psi_staged WHERE upload_id IN (SELECT upload_id FROM gone)
            """, partnership, keepFrom));
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private const string UploadColumns =
        "upload_id, partnership, epoch, owner, population, kind, declared_count, received_count, chunks, committed_at";

    /// <summary>An upload under lock, with its list (null only for uploads committed before lists were known at start) and the list's seq counters.</summary>
    private readonly record struct Locked(PsiUpload Upload, int? List, long? FirstSeq, int Inserted, long LastSeq, long CommittedSeq);

    /// <summary>
    /// Locks the upload's list row (<paramref name="listLock"/>: FOR SHARE for chunks, FOR NO KEY
    /// UPDATE for commits), then the upload's row. Always in this order, so a commit that moves
    /// another upload's rows never waits for a chunk that waits for it.
    /// </summary>
    private static async Task<Locked> LockUpload(NpgsqlConnection connection, NpgsqlTransaction tx, Guid uploadId, string listLock, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(Sql.Command($"SELECT last_seq, committed_seq FROM psi_lists WHERE list_id = (SELECT list_id FROM psi_uploads WHERE upload_id = $1) {listLock}", uploadId));
        batch.BatchCommands.Add(Sql.Command($"SELECT {UploadColumns}, list_id, first_seq, inserted FROM psi_uploads WHERE upload_id = $1 FOR UPDATE", uploadId));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var (lastSeq, committedSeq) = await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0L, 0L);
        await reader.NextResultAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new KeyNotFoundException($"No upload {uploadId}.");
        return new Locked(ReadUpload(reader), reader.IsDBNull(10) ? null : reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetInt64(11),
            reader.GetInt32(12), lastSeq, committedSeq);
    }

    private static PsiUpload ReadUpload(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4),
        Enum.Parse<UploadKind>(r.GetString(5), ignoreCase: true),
        r.GetInt32(6), r.GetInt32(7), r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9));


    private static string KindName(UploadKind kind) => kind.ToString().ToLowerInvariant();

    private static ArraySegment<byte> MemoryMarshalArray(ReadOnlyMemory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment)
            ? segment
            : new ArraySegment<byte>(memory.ToArray());
}
