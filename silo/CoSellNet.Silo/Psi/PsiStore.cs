using System.Security.Cryptography;
using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

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
/// Blinded points in PostgreSQL: upload sessions, staged chunks (binary COPY) and committed
/// records. Every write that must be all-or-nothing is one transaction that locks the upload's
/// row, so concurrent retries of one chunk or commit cannot interleave.
/// </summary>
public sealed class PsiStore(NpgsqlDataSource db)
{
    public async Task<PsiUpload?> FindUpload(Guid uploadId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {UploadColumns} FROM psi_uploads WHERE upload_id = $1");
        cmd.Parameters.Add(new() { Value = uploadId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadUpload(reader) : null;
    }

    /// <summary>Creates the session unless one with this id exists; returns what is stored under the id.</summary>
    public async Task<PsiUpload> CreateUpload(PsiUpload upload, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO psi_uploads (upload_id, partnership, epoch, owner, population, kind, declared_count)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (upload_id) DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = upload.UploadId });
        cmd.Parameters.Add(new() { Value = upload.Partnership });
        cmd.Parameters.Add(new() { Value = upload.Epoch });
        cmd.Parameters.Add(new() { Value = upload.Owner });
        cmd.Parameters.Add(new() { Value = upload.Population });
        cmd.Parameters.Add(new() { Value = KindName(upload.Kind) });
        cmd.Parameters.Add(new() { Value = upload.DeclaredCount });
        await cmd.ExecuteNonQueryAsync(ct);
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
        var upload = await LockUpload(connection, uploadId, ct);
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

        // One synchronous call per field: the importer only copies into its buffer, and an async
        // call per field costs a state machine each (65,536 rows × 3 fields per chunk).
        await using (var writer = await connection.BeginBinaryImportAsync("COPY psi_staged (upload_id, record_id, payload) FROM STDIN (FORMAT BINARY)", ct))
        {
            var bytes = MemoryMarshalArray(body);
            foreach (var item in items)
            {
                writer.StartRow();
                writer.Write(uploadId, NpgsqlDbType.Uuid);
                writer.Write(new ArraySegment<byte>(bytes.Array!, bytes.Offset + item.RecordIdOffset, PsiFormat.RecordIdSize), NpgsqlDbType.Bytea);
                if (item.PayloadLength > 0)
                    writer.Write(new ArraySegment<byte>(bytes.Array!, bytes.Offset + item.PayloadOffset, item.PayloadLength), NpgsqlDbType.Bytea);
                else
                    writer.WriteNull();
            }
            await writer.CompleteAsync(ct);
        }
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(Sql.Command("INSERT INTO psi_upload_chunks (upload_id, chunk, sha256, count) VALUES ($1, $2, $3, $4)", uploadId, chunk, sha, count));
            batch.BatchCommands.Add(Sql.Command("UPDATE psi_uploads SET chunks = chunks + 1, received_count = received_count + $2 WHERE upload_id = $1", uploadId, count));
            await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (ChunkOutcome.Accepted, upload with { Chunks = upload.Chunks + 1, ReceivedCount = upload.ReceivedCount + count });
    }

    /// <summary>
    /// Commits a complete upload: added records join the side's list (a record id already there
    /// with the same population and point is left alone; one that changed gets a new sequence
    /// number, so the counterpart re-blinds it and its old tag joins nothing), removed ones leave
    /// it. Idempotent. Returns the upload as committed.
    /// </summary>
    public async Task<PsiUpload> Commit(Guid uploadId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var upload = await LockUpload(connection, uploadId, ct);
        if (upload.CommittedAt is not null) return upload;
        if (upload.ReceivedCount != upload.DeclaredCount)
            throw new InvalidOperationException($"Upload {uploadId} is incomplete: {upload.ReceivedCount} of {upload.DeclaredCount} records.");
        var list = await EnsureList(connection, tx, upload.Partnership, upload.Epoch, upload.Owner, ct);

        // The list's row lock serializes its commits (and its tag stores, see ReblindStore): seqs
        // come from last_seq, which only grows, so no seq is ever used twice in a list, not even
        // after its record is removed, and a stored tag belongs to one record only.
        long lastSeq;
        await using (var lockList = new NpgsqlCommand("SELECT last_seq FROM psi_lists WHERE list_id = $1 FOR UPDATE", connection, tx))
        {
            lockList.Parameters.Add(new() { Value = list });
            lastSeq = (long)(await lockList.ExecuteScalarAsync(ct))!;
        }
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            // DISTINCT ON sorts the upload by record id: in memory at 1M records (~100 MB), and the
            // sorted ids then go into the primary key in order, not scattered over its pages.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL work_mem = '256MB'"));
            batch.BatchCommands.Add(upload.Kind switch
            {
                // The list's record count moves with each commit (xmax = 0: a row inserted, not
                // updated), so a status request never counts a million rows.
                UploadKind.Add => Sql.Command("""
                  WITH added AS (
                    INSERT INTO psi_points AS r (list_id, record_id, seq, population, point)
                    SELECT $1, s.record_id, $4 + row_number() OVER (ORDER BY s.record_id), $3, s.payload
                      FROM (SELECT DISTINCT ON (record_id) record_id, payload FROM psi_staged WHERE upload_id = $2 ORDER BY record_id) s
                    ON CONFLICT (list_id, record_id) DO UPDATE
                       SET seq = EXCLUDED.seq, population = EXCLUDED.population, point = EXCLUDED.point
                     WHERE r.population <> EXCLUDED.population OR r.point <> EXCLUDED.point
                    RETURNING xmax = 0 AS inserted)
                  UPDATE psi_lists SET last_seq = $5, records = records + (SELECT count(*) FROM added WHERE inserted) WHERE list_id = $1
                  """, list, uploadId, upload.Population, lastSeq, lastSeq + upload.DeclaredCount),
                UploadKind.Remove => Sql.Command("""
                  WITH gone AS (
                    DELETE FROM psi_points
                     WHERE list_id = $1 AND record_id IN (SELECT record_id FROM psi_staged WHERE upload_id = $2)
                    RETURNING record_id),
                  fields AS (DELETE FROM psi_list_fields f USING gone WHERE f.list_id = $1 AND f.record_id = gone.record_id)
                  UPDATE psi_lists SET records = records - (SELECT count(*) FROM gone) WHERE list_id = $1
                  """, list, uploadId),
                _ => Sql.Command("""
                  INSERT INTO psi_list_fields (list_id, record_id, sealed)
                  SELECT DISTINCT ON (record_id) $1, record_id, payload FROM psi_staged WHERE upload_id = $2 ORDER BY record_id
                  ON CONFLICT (list_id, record_id) DO UPDATE SET sealed = EXCLUDED.sealed
                  """, list, uploadId),
            });
            batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_staged WHERE upload_id = $1", uploadId));
            batch.BatchCommands.Add(Sql.Command("UPDATE psi_uploads SET committed_at = now() WHERE upload_id = $1", uploadId));
            await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (await FindUpload(uploadId, ct))!;
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

    /// <summary>Record counts of one side's committed list, by population.</summary>
    public async Task<IReadOnlyDictionary<string, long>> Counts(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT population, count(*) FROM psi_points WHERE list_id = {ListOf} GROUP BY population");
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
                 tags AS (DELETE FROM psi_tags WHERE list_id IN (SELECT list_id FROM gone))
            DELETE FROM psi_list_fields WHERE list_id IN (SELECT list_id FROM gone)
            """, partnership, keepFrom));
        batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_matches WHERE partnership = $1 AND epoch < $2", partnership, keepFrom));
        batch.BatchCommands.Add(Sql.Command("""
            WITH gone AS (DELETE FROM psi_uploads WHERE partnership = $1 AND epoch < $2 RETURNING upload_id)
            DELETE FROM psi_staged WHERE upload_id IN (SELECT upload_id FROM gone)
            """, partnership, keepFrom));
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private const string UploadColumns =
        "upload_id, partnership, epoch, owner, population, kind, declared_count, received_count, chunks, committed_at";

    private static async Task<PsiUpload> LockUpload(NpgsqlConnection connection, Guid uploadId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {UploadColumns} FROM psi_uploads WHERE upload_id = $1 FOR UPDATE", connection);
        cmd.Parameters.Add(new() { Value = uploadId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadUpload(reader) : throw new KeyNotFoundException($"No upload {uploadId}.");
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
