using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>
/// Tags stored from the records the task's point read held (no second read of the range), and the
/// read they fall back to: the two give the same blocks, and held records are never used once a
/// commit may have changed the list.
/// </summary>
public sealed class HeldTagStoreTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const int RecordSize = PsiFormat.RecordIdSize + PsiFormat.PointSize;
    private readonly PsiStore _store = new(database.DataSource);

    private static byte[] Records(string side, IEnumerable<int> indexes, byte salt = 0)
    {
        var list = indexes.ToList();
        var bytes = new byte[list.Count * RecordSize];
        for (var n = 0; n < list.Count; n++)
        {
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{side}:{list[n]}"))[..PsiFormat.RecordIdSize].CopyTo(bytes, n * RecordSize);
            CoSellNet.Crypto.Ristretto255.HashToGroup([.. BitConverter.GetBytes(list[n]), salt], "CoSellNet-test"u8,
                bytes.AsSpan(n * RecordSize + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        }
        return bytes;
    }

    private async Task Commit(string partnership, string owner, UploadKind kind, byte[] body, int count, string population = "customers")
    {
        var upload = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, owner, population, kind, count, 0, 0, null));
        Assert.Equal(ChunkOutcome.Accepted, (await _store.AddChunk(upload.UploadId, 0, body, ChunkItems.Parse(kind, body))).Outcome);
        await _store.Commit(upload.UploadId);
    }

    /// <summary>The same list in any partnership: records 0-19 of a in three populations, in runs, then a gap (a removed record), b's 0-4.</summary>
    private async Task Lists(string partnership)
    {
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 8)), 8);
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(8, 6)), 6, population: "prospects");
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(14, 6)), 6, population: "partners");
        await Commit(partnership, "a", UploadKind.Remove, Records("a", [3])[..PsiFormat.RecordIdSize], 1);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 5)), 5);
    }

    /// <summary>Serves the task's points from <paramref name="server"/>; the answer: seq ‖ hash of the point, for every point but those whose index <paramref name="skip"/> names.</summary>
    private static async Task<byte[]> Serve(ReblindStore server, string partnership, ReblindRange range, Func<int, bool>? skip = null)
    {
        using var points = new MemoryStream();
        var count = await server.WritePoints(partnership, 1, range, points);
        using var body = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            if (skip?.Invoke(i) == true) continue;
            var item = points.GetBuffer().AsSpan(i * PsiFormat.TaskPointSize, PsiFormat.TaskPointSize);
            body.Write(item[..PsiFormat.SeqSize]);
            body.Write(SHA256.HashData(item[PsiFormat.SeqSize..])[..PsiFormat.TagSize]);
        }
        return body.ToArray();
    }

    /// <summary>One side's tag blocks as stored, in seq order: first and last seq, populations, entries (hex).</summary>
    private async Task<List<string>> Blocks(string partnership, string owner)
    {
        await using var cmd = database.DataSource.CreateCommand("""
            SELECT b.first_seq || '-' || b.last_seq || ' ' || array_to_string(b.populations, ',') || ' ' || encode(b.entries, 'hex')
              FROM psi_tag_blocks b JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 AND l.owner = $2 ORDER BY b.first_seq
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        await using var reader = await cmd.ExecuteReaderAsync();
        var blocks = new List<string>();
        while (await reader.ReadAsync()) blocks.Add(reader.GetString(0));
        return blocks;
    }

    /// <summary>
    /// a's records in tasks (ranges over populations and the removed seq), some tags left
    /// out, and one range stored over a part already tagged (after the watermark only): tags
    /// stored by <paramref name="receiver"/> from points served by <paramref name="server"/>.
    /// </summary>
    private static async Task TagInTasks(ReblindStore server, ReblindStore receiver, string partnership)
    {
        // The second range's first population (customers) is all at or before the first one's end:
        // its block names only the populations after.
        var small = (await server.NextRange(partnership, 1, "a", 9))!;
        var large = (await server.NextRange(partnership, 1, "a", 15))!;
        await receiver.StoreTags(partnership, 1, small, await Serve(server, partnership, small));
        await receiver.StoreTags(partnership, 1, large, await Serve(server, partnership, large, skip: i => i == 5));
        while (await server.NextRange(partnership, 1, "a", 6) is { } range)
            await receiver.StoreTags(partnership, 1, range, await Serve(server, partnership, range, skip: i => i % 4 == 1));
    }

    [Fact]
    public async Task Tags_stored_from_held_records_make_the_same_blocks_as_tags_stored_by_another_node_that_reads_them()
    {
        var (held, read) = ("a|b-" + Guid.NewGuid(), "a|b-" + Guid.NewGuid());
        await Lists(held);
        await Lists(read);
        var node = new ReblindStore(database.DataSource);
        await TagInTasks(node, node, held);
        var (server, other) = (new ReblindStore(database.DataSource), new ReblindStore(database.DataSource));
        await TagInTasks(server, other, read);

        Assert.Equal((3L, 0L), node.TagStores);
        Assert.Equal((0L, 3L), other.TagStores);
        var blocks = await Blocks(held, "a");
        Assert.Equal(3, blocks.Count);
        Assert.StartsWith("11-16 prospects,partners ", blocks[1]);
        Assert.Equal(blocks, await Blocks(read, "a"));
        Assert.Equal(0L, await node.Untagged(held, 1, "a"));
    }

    [Fact]
    public async Task Held_records_are_not_used_once_a_commit_came_to_their_list_and_a_commit_to_the_other_list_does_not_matter()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Lists(partnership);
        var node = new ReblindStore(database.DataSource);
        var first = (await node.NextRange(partnership, 1, "a", 6))!;
        var second = (await node.NextRange(partnership, 1, "a", 6, afterSeq: first.ToSeq))!;
        var firstTags = await Serve(node, partnership, first);
        var secondTags = await Serve(node, partnership, second);

        // b's commit leaves a's records alone: the first task's held records are used.
        await Commit(partnership, "b", UploadKind.Add, Records("b", [7]), 1);
        await node.StoreTags(partnership, 1, first, firstTags);
        Assert.Equal((1L, 0L), node.TagStores);

        // a removes a record of the second task and re-points another: its tags are stored from a
        // read of the records there now, without those two.
        await Commit(partnership, "a", UploadKind.Remove, Records("a", [7])[..PsiFormat.RecordIdSize], 1);
        await Commit(partnership, "a", UploadKind.Add, Records("a", [9], salt: 9), 1, population: "prospects");
        await node.StoreTags(partnership, 1, second, secondTags);
        Assert.Equal((1L, 1L), node.TagStores);
        Assert.Equal(10L, await Scalar("""
            SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id)
              JOIN psi_points p ON p.list_id = t.list_id AND p.seq = t.seq AND p.record_id = t.record_id AND p.population = t.population
             WHERE l.partnership = $1 AND l.owner = 'a'
            """, partnership));
        Assert.Equal(0L, await Scalar("""
            SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id)
              LEFT JOIN psi_points p ON p.list_id = t.list_id AND p.seq = t.seq AND p.record_id = t.record_id AND p.population = t.population
             WHERE l.partnership = $1 AND p.seq IS NULL
            """, partnership));
    }

    [Fact]
    public async Task A_node_holds_the_records_of_a_bounded_number_of_tasks_the_latest_ones()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, ReblindStore.HeldTasks + 2)), ReblindStore.HeldTasks + 2);
        var node = new ReblindStore(database.DataSource);
        var ranges = new List<(ReblindRange, byte[])>();
        long after = 0;
        for (var i = 0; i < ReblindStore.HeldTasks + 2; i++)
        {
            var range = (await node.NextRange(partnership, 1, "a", 1, afterSeq: after))!;
            ranges.Add((range, await Serve(node, partnership, range)));
            after = range.ToSeq;
        }
        // Tags in order: the first two tasks' records went when the last two were held.
        foreach (var (range, tags) in ranges) await node.StoreTags(partnership, 1, range, tags);
        Assert.Equal(((long)ReblindStore.HeldTasks, 2L), node.TagStores);
        Assert.Equal(0L, await node.Untagged(partnership, 1, "a"));
        Assert.Equal(ReblindStore.HeldTasks + 2L, await Scalar("SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id) WHERE l.partnership = $1", partnership));
    }

    [Fact]
    public async Task Untagged_counts_all_records_before_any_task_none_after_the_last_and_those_after_the_watermark_between()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        var node = new ReblindStore(database.DataSource);
        Assert.Equal(0L, await node.Untagged(partnership, 1, "a"));
        await Lists(partnership);
        // A pending upload's rows are not records yet.
        var pending = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", UploadKind.Add, 2, 0, 0, null));
        var body = Records("a", [50, 51]);
        await _store.AddChunk(pending.UploadId, 0, body, ChunkItems.Parse(UploadKind.Add, body));
        Assert.Equal(19L, await node.Untagged(partnership, 1, "a"));
        var range = (await node.NextRange(partnership, 1, "a", 6))!;
        await node.StoreTags(partnership, 1, range, await Serve(node, partnership, range));
        Assert.Equal(13L, await node.Untagged(partnership, 1, "a"));
        while (await node.NextRange(partnership, 1, "a", 6) is { } next) await node.StoreTags(partnership, 1, next, await Serve(node, partnership, next));
        Assert.Equal(0L, await node.Untagged(partnership, 1, "a"));
        await _store.Commit(pending.UploadId);
        Assert.Equal(2L, await node.Untagged(partnership, 1, "a"));
    }

    private async Task<long> Scalar(string sql, object parameter)
    {
        await using var cmd = database.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
