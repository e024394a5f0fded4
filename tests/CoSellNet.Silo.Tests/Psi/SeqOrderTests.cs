using System.Buffers.Binary;
using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>
/// Seq order whatever the table's order: tasks hand out the first records after the watermark
/// across missing seqs, and a task's points come in seq order when its rows lie in the table in
/// another order (two uploads to one list at once). Properties any other index or layout of the
/// points (a BRIN seq index, packed blocks) must keep.
/// </summary>
public sealed class SeqOrderTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const int RecordSize = PsiFormat.RecordIdSize + PsiFormat.PointSize;
    private readonly PsiStore _store = new(database.DataSource);

    private static byte[] Records(string side, IEnumerable<int> indexes)
    {
        var list = indexes.ToList();
        var bytes = new byte[list.Count * RecordSize];
        for (var n = 0; n < list.Count; n++)
        {
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{side}:{list[n]}"))[..PsiFormat.RecordIdSize].CopyTo(bytes, n * RecordSize);
            CoSellNet.Crypto.Ristretto255.HashToGroup(BitConverter.GetBytes(list[n]), "CoSellNet-test"u8,
                bytes.AsSpan(n * RecordSize + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        }
        return bytes;
    }

    private Task<PsiUpload> Upload(string partnership, UploadKind kind, int count) =>
        _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", kind, count, 0, 0, null));

    private async Task Chunk(PsiUpload upload, int chunk, byte[] body) =>
        Assert.Equal(ChunkOutcome.Accepted, (await _store.AddChunk(upload.UploadId, chunk, body, ChunkItems.Parse(upload.Kind, body))).Outcome);

    private static async Task<(long[] Seqs, byte[] Points)> Points(ReblindStore store, string partnership, ReblindRange range)
    {
        using var output = new MemoryStream();
        var count = await store.WritePoints(partnership, 1, range, output);
        var body = output.ToArray();
        Assert.Equal(count * PsiFormat.TaskPointSize, body.Length);
        var seqs = new long[count];
        var points = new byte[count * PsiFormat.PointSize];
        for (var i = 0; i < count; i++)
        {
            seqs[i] = BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(i * PsiFormat.TaskPointSize));
            body.AsSpan(i * PsiFormat.TaskPointSize + PsiFormat.SeqSize, PsiFormat.PointSize).CopyTo(points.AsSpan(i * PsiFormat.PointSize));
        }
        return (seqs, points);
    }

    private async Task<List<long>> Query(string sql, string partnership)
    {
        await using var cmd = database.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync()) values.Add(reader.GetInt64(0));
        return values;
    }

    [Fact]
    public async Task A_task_whose_rows_lie_out_of_seq_order_serves_its_points_in_seq_order_and_stores_the_same_tags_as_a_read()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        // Two uploads at once: the first reserves seqs 1-1500, the second 1501-1510. The first one's
        // first chunk, then the second's, then the first one's last chunk: in the table, seqs 1-1200,
        // 1501-1510, 1201-1500 (after more than one block of 1024 points in order).
        var first = await Upload(partnership, UploadKind.Add, 1500);
        var second = await Upload(partnership, UploadKind.Add, 10);
        await Chunk(first, 0, Records("a", Enumerable.Range(0, 1200)));
        await Chunk(second, 0, Records("a", Enumerable.Range(1500, 10)));
        await Chunk(first, 1, Records("a", Enumerable.Range(1200, 300)));
        await _store.Commit(first.UploadId);
        await _store.Commit(second.UploadId);
        var stored = await Query("""
            SELECT p.seq FROM psi_points p JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 ORDER BY p.ctid
            """, partnership);
        Assert.NotEqual(stored.Order(), stored); // the case under test: rows not in seq order in the table

        var server = new ReblindStore(database.DataSource);
        var range = (await server.NextRange(partnership, 1, "a", PsiFormat.MaxChunkRecords))!;
        Assert.Equal((1L, 1510L, 1510), (range.FromSeq, range.ToSeq, range.Count));
        var (seqs, points) = await Points(server, partnership, range);
        Assert.Equal(Enumerable.Range(1, 1510).Select(s => (long)s), seqs);
        var expected = await PointsBySeq(partnership);
        Assert.Equal(expected, points);

        // Tags from the records the read held (in the same order as the points), and from a read.
        var tags = new byte[seqs.Length * PsiFormat.TaskTagSize];
        for (var i = 0; i < seqs.Length; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(tags.AsSpan(i * PsiFormat.TaskTagSize), seqs[i]);
            SHA256.HashData(points.AsSpan(i * PsiFormat.PointSize, PsiFormat.PointSize))[..PsiFormat.TagSize].CopyTo(tags.AsSpan(i * PsiFormat.TaskTagSize + PsiFormat.SeqSize));
        }
        await server.StoreTags(partnership, 1, range, tags);
        Assert.Equal((1L, 0L), server.TagStores);
        Assert.Equal(0L, await server.Untagged(partnership, 1, "a"));
        var held = await Query("""
            SELECT t.seq FROM psi_tags t JOIN psi_lists l USING (list_id)
              JOIN psi_points p ON p.list_id = t.list_id AND p.seq = t.seq AND p.record_id = t.record_id
             WHERE l.partnership = $1 AND t.tag = substring(sha256(p.point) FROM 1 FOR 16) ORDER BY t.seq
            """, partnership);
        Assert.Equal(seqs, held);
    }

    private async Task<byte[]> PointsBySeq(string partnership)
    {
        await using var cmd = database.DataSource.CreateCommand("""
            SELECT string_agg(p.point, ''::bytea ORDER BY p.seq) FROM psi_points p JOIN psi_lists l USING (list_id) WHERE l.partnership = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Ranges_are_the_first_records_after_the_watermark_across_missing_seqs()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        var add = await Upload(partnership, UploadKind.Add, 10);
        await Chunk(add, 0, Records("a", Enumerable.Range(0, 10)));
        await _store.Commit(add.UploadId);
        // Seqs 2-8 leave: records at seqs 1, 9 and 10 remain.
        var removed = (await Query("""
            SELECT p.seq FROM psi_points p JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 ORDER BY p.seq
            """, partnership)).Skip(1).Take(7).ToHashSet();
        Assert.Equal(7, removed.Count);
        var ids = await RecordIds(partnership, removed);
        var remove = await Upload(partnership, UploadKind.Remove, ids.Length / PsiFormat.RecordIdSize);
        await Chunk(remove, 0, ids);
        await _store.Commit(remove.UploadId);

        var store = new ReblindStore(database.DataSource);
        var range = (await store.NextRange(partnership, 1, "a", 2))!;
        Assert.Equal((1L, 9L, 2), (range.FromSeq, range.ToSeq, range.Count));
        var next = (await store.NextRange(partnership, 1, "a", 2, afterSeq: range.ToSeq))!;
        Assert.Equal((10L, 10L, 1), (next.FromSeq, next.ToSeq, next.Count));
        Assert.Null(await store.NextRange(partnership, 1, "a", 2, afterSeq: next.ToSeq));
        var (seqs, _) = await Points(store, partnership, range);
        Assert.Equal([1L, 9L], seqs);
    }

    [Fact]
    public async Task A_list_with_no_seq_missing_hands_out_ranges_up_to_its_last_commit_and_never_a_pending_upload()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        var add = await Upload(partnership, UploadKind.Add, 5);
        await Chunk(add, 0, Records("a", Enumerable.Range(0, 5)));
        await _store.Commit(add.UploadId);
        var pending = await Upload(partnership, UploadKind.Add, 2);
        await Chunk(pending, 0, Records("a", Enumerable.Range(5, 2)));

        var store = new ReblindStore(database.DataSource);
        var first = (await store.NextRange(partnership, 1, "a", 3))!;
        Assert.Equal((1L, 3L, 3), (first.FromSeq, first.ToSeq, first.Count));
        var second = (await store.NextRange(partnership, 1, "a", 3, afterSeq: first.ToSeq))!;
        Assert.Equal((4L, 5L, 2), (second.FromSeq, second.ToSeq, second.Count));
        Assert.Null(await store.NextRange(partnership, 1, "a", 3, afterSeq: second.ToSeq));
        Assert.Equal(new long[] { 4, 5 }, (await Points(store, partnership, second)).Seqs);

        await _store.Commit(pending.UploadId);
        var third = (await store.NextRange(partnership, 1, "a", 3, afterSeq: second.ToSeq))!;
        Assert.Equal((6L, 7L, 2), (third.FromSeq, third.ToSeq, third.Count));
        Assert.Equal(new long[] { 6, 7 }, (await Points(store, partnership, third)).Seqs);
    }

    private async Task<byte[]> RecordIds(string partnership, IReadOnlySet<long> seqs)
    {
        await using var cmd = database.DataSource.CreateCommand("""
            SELECT string_agg(p.record_id, ''::bytea ORDER BY p.seq) FROM psi_points p JOIN psi_lists l USING (list_id)
             WHERE l.partnership = $1 AND p.seq = ANY($2)
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        cmd.Parameters.Add(new NpgsqlParameter { Value = seqs.ToArray() });
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }
}
