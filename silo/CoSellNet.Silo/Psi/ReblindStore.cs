using System.Buffers.Binary;
using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Psi;

/// <summary>A range of one side's untagged records handed to the other side to re-blind.</summary>
[GenerateSerializer, Alias("cosellnet.reblind-range.v1")]
public sealed record ReblindRange(Guid TaskId, string Owner, long FromSeq, long ToSeq, int Count);

/// <summary>
/// Re-blind work in PostgreSQL: which of a side's records still lack the counterpart's tag, their
/// points streamed out in sequence order, and the tags that come back, written by binary COPY.
/// </summary>
public sealed class ReblindStore(NpgsqlDataSource db)
{
    /// <summary>The next at most <paramref name="limit"/> untagged records of one side, as a range; null when all are tagged.</summary>
    public async Task<ReblindRange?> NextRange(string partnership, int epoch, string owner, int limit, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT min(seq), max(seq), count(*)::int FROM (
              SELECT seq FROM psi_records
               WHERE partnership = $1 AND epoch = $2 AND owner = $3 AND tag IS NULL
               ORDER BY seq LIMIT $4) next
            """);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt32(2) == 0 ? null : new ReblindRange(Guid.NewGuid(), owner, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2));
    }

    /// <summary>Untagged records of one side.</summary>
    public async Task<long> Untagged(string partnership, int epoch, string owner, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT count(*) FROM psi_records WHERE partnership = $1 AND epoch = $2 AND owner = $3 AND tag IS NULL");
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = owner });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Writes the range's points, seq ‖ point each, in sequence order, to <paramref name="output"/>; returns how many.</summary>
    public async Task<int> WritePoints(string partnership, int epoch, ReblindRange range, Stream output, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT seq, point FROM psi_records
             WHERE partnership = $1 AND epoch = $2 AND owner = $3 AND tag IS NULL AND seq BETWEEN $4 AND $5
             ORDER BY seq
            """);
        cmd.Parameters.Add(new() { Value = partnership });
        cmd.Parameters.Add(new() { Value = epoch });
        cmd.Parameters.Add(new() { Value = range.Owner });
        cmd.Parameters.Add(new() { Value = range.FromSeq });
        cmd.Parameters.Add(new() { Value = range.ToSeq });
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        // Items are gathered into one buffer and written in blocks: no allocation per point.
        const int block = 1024;
        var buffer = new byte[block * PsiFormat.TaskPointSize];
        int filled = 0, count = 0;
        while (await reader.ReadAsync(ct))
        {
            var at = filled * PsiFormat.TaskPointSize;
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at), reader.GetInt64(0));
            reader.GetBytes(1, 0, buffer, at + PsiFormat.SeqSize, PsiFormat.PointSize);
            count++;
            if (++filled == block)
            {
                await output.WriteAsync(buffer, ct);
                filled = 0;
            }
        }
        await output.WriteAsync(buffer.AsMemory(0, filled * PsiFormat.TaskPointSize), ct);
        return count;
    }

    /// <summary>
    /// Stores tags for a range: <paramref name="tags"/> holds seq ‖ tag items. Records changed or
    /// removed since the task was issued are skipped (they are re-blinded in a later task).
    /// </summary>
    public async Task StoreTags(string partnership, int epoch, ReblindRange range, ReadOnlyMemory<byte> tags, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE incoming_tags (seq bigint, tag bytea) ON COMMIT DROP", connection, tx))
            await create.ExecuteNonQueryAsync(ct);
        await using (var writer = await connection.BeginBinaryImportAsync("COPY incoming_tags (seq, tag) FROM STDIN (FORMAT BINARY)", ct))
        {
            var array = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(tags, out var segment) ? segment : new ArraySegment<byte>(tags.ToArray());
            for (var offset = 0; offset < tags.Length; offset += PsiFormat.TaskTagSize)
            {
                await writer.StartRowAsync(ct);
                var seq = BinaryPrimitives.ReadInt64BigEndian(array.AsSpan(offset, PsiFormat.SeqSize));
                await writer.WriteAsync(seq, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(new ArraySegment<byte>(array.Array!, array.Offset + offset + PsiFormat.SeqSize, PsiFormat.TagSize), NpgsqlDbType.Bytea, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await using (var update = new NpgsqlCommand("""
            UPDATE psi_records r SET tag = t.tag FROM incoming_tags t
             WHERE r.partnership = $1 AND r.epoch = $2 AND r.owner = $3 AND r.seq = t.seq AND r.tag IS NULL
            """, connection, tx))
        {
            update.Parameters.Add(new() { Value = partnership });
            update.Parameters.Add(new() { Value = epoch });
            update.Parameters.Add(new() { Value = range.Owner });
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }
}
