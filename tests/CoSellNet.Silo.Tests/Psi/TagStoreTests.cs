using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>
/// Tags appended per task and joined under each record's current seq: what a change or removal
/// after tagging does to the intersection, on a real database through the real stores.
/// </summary>
public sealed class TagStoreTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const int RecordSize = PsiFormat.RecordIdSize + PsiFormat.PointSize;
    private readonly PsiStore _store = new(database.DataSource);
    private readonly ReblindStore _reblind = new(database.DataSource);
    private readonly MatchStore _matches = new(database.DataSource);

    /// <summary>Records i in <paramref name="indexes"/>: id from (side, i), point from (i, salt).</summary>
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

    /// <summary>Does every task over <paramref name="owner"/>'s records; the tag of a point is a hash of it (as a key would be the same for both sides).</summary>
    private async Task<int> TagAll(string partnership, string owner)
    {
        var tagged = 0;
        while (await _reblind.NextRange(partnership, 1, owner, PsiFormat.MaxChunkRecords) is { } range)
        {
            var body = await TagsOf(partnership, range);
            await _reblind.StoreTags(partnership, 1, range, body);
            // Storing the same range again (a retried request) adds nothing.
            await _reblind.StoreTags(partnership, 1, range, body);
            tagged += body.Length / PsiFormat.TaskTagSize;
        }
        return tagged;
    }

    /// <summary>A task's answer: seq ‖ tag for each of its points, in order.</summary>
    private async Task<byte[]> TagsOf(string partnership, ReblindRange range)
    {
        using var points = new MemoryStream();
        var count = await _reblind.WritePoints(partnership, 1, range, points);
        var body = new byte[count * PsiFormat.TaskTagSize];
        for (var i = 0; i < count; i++)
        {
            var item = points.GetBuffer().AsSpan(i * PsiFormat.TaskPointSize, PsiFormat.TaskPointSize);
            item[..PsiFormat.SeqSize].CopyTo(body.AsSpan(i * PsiFormat.TaskTagSize));
            SHA256.HashData(item[PsiFormat.SeqSize..])[..PsiFormat.TagSize].CopyTo(body, i * PsiFormat.TaskTagSize + PsiFormat.SeqSize);
        }
        return body;
    }

    /// <summary>Tags of the partnership that are not their record's: no record under their seq now, or another record or population than the one there.</summary>
    private Task<long> StaleTags(string partnership) => Scalar("""
        SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id)
          LEFT JOIN psi_points p ON p.list_id = t.list_id AND p.seq = t.seq AND p.record_id = t.record_id AND p.population = t.population
         WHERE l.partnership = $1 AND p.seq IS NULL
        """, partnership);

    private Task<long> TagCount(string partnership, string owner) =>
        Scalar($"SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 AND l.owner = '{owner}'", partnership);

    private async Task<long> Intersect(string partnership) =>
        (await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers"])).Matrix.Sum(c => c.Count);

    [Fact]
    public async Task A_release_whose_duplicate_tags_would_pair_quadratically_is_refused_and_goes_through_once_they_are_gone()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 5)), 5);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 5)), 5);
        await TagAll(partnership, "a");
        await TagAll(partnership, "b");
        Assert.Equal(5L, await Intersect(partnership));

        // Both sides add 10 records that all carry record 0's point: 11 equal tags a side would be
        // 121 matches from 30 entries.
        byte[] Copies(string side)
        {
            var body = Records(side, Enumerable.Range(100, 10));
            var point = Records(side, [0]).AsSpan(PsiFormat.RecordIdSize, PsiFormat.PointSize);
            for (var i = 0; i < 10; i++) point.CopyTo(body.AsSpan(i * RecordSize + PsiFormat.RecordIdSize));
            return body;
        }
        await Commit(partnership, "a", UploadKind.Add, Copies("a"), 10);
        await Commit(partnership, "b", UploadKind.Add, Copies("b"), 10);
        await TagAll(partnership, "a");
        await TagAll(partnership, "b");
        await Assert.ThrowsAsync<DuplicateTagsException>(() => Intersect(partnership));

        // a removes its copies: b's 11 equal tags meet one of a's (11 matches) and records 1-4 match as before.
        var ids = new byte[10 * PsiFormat.RecordIdSize];
        var copies = Copies("a");
        for (var i = 0; i < 10; i++) copies.AsSpan(i * RecordSize, PsiFormat.RecordIdSize).CopyTo(ids.AsSpan(i * PsiFormat.RecordIdSize));
        await Commit(partnership, "a", UploadKind.Remove, ids, 10);
        Assert.Equal(15L, await Intersect(partnership));
    }

    [Fact]
    public async Task A_repointed_records_old_tag_never_matches_and_its_new_one_does()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 10)), 10);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 10)), 10);
        Assert.Equal(10, await TagAll(partnership, "a"));
        Assert.Equal(10, await TagAll(partnership, "b"));
        Assert.Equal(10L, await Intersect(partnership));

        // a re-points records 0-2 (now no longer the keys b has): same ids, new points, new seqs.
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 3), salt: 9), 3);
        Assert.Equal(3L, await _reblind.Untagged(partnership, 1, "a"));
        // Before they are re-blinded, their old tags (still equal to b's) must not match: the commit deleted them.
        Assert.Equal(7L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(7L, await Intersect(partnership));
        Assert.Equal(3, await TagAll(partnership, "a"));
        Assert.Equal(7L, await Intersect(partnership));

        // Pointed back to the shared keys: matched again through the newest tags.
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 3)), 3);
        Assert.Equal(3, await TagAll(partnership, "a"));
        Assert.Equal(10L, await Intersect(partnership));
        // Only the newest re-blind of the 3 records is stored: each change deleted the tags of the seqs before.
        Assert.Equal(3L, await Scalar("SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 AND l.owner = 'a' AND t.seq > 10", partnership));
        Assert.Equal(10L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
    }

    [Fact]
    public async Task A_removed_records_tag_never_matches_and_its_seq_is_never_given_again()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        var a = Records("a", Enumerable.Range(0, 5));
        await Commit(partnership, "a", UploadKind.Add, a, 5);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 5)), 5);
        await TagAll(partnership, "a");
        await TagAll(partnership, "b");
        Assert.Equal(5L, await Intersect(partnership));

        // Remove a's record with the highest seq: its tag leaves with it.
        var last = (byte[])(await Scalar2("SELECT record_id FROM psi_records WHERE partnership = $1 AND owner = 'a' ORDER BY seq DESC LIMIT 1", partnership))!;
        await Commit(partnership, "a", UploadKind.Remove, last, 1);
        Assert.Equal(4L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(4L, await Intersect(partnership));

        // A new record takes a new seq, never the removed one's, so it does not inherit that tag.
        await Commit(partnership, "a", UploadKind.Add, Records("a", [100]), 1);
        Assert.Equal(1L, await _reblind.Untagged(partnership, 1, "a"));
        Assert.Equal(4L, await Intersect(partnership));
    }

    [Fact]
    public async Task A_record_moved_to_another_population_loses_its_tag_until_re_blinded()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 5)), 5);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 5)), 5);
        await TagAll(partnership, "a");
        await TagAll(partnership, "b");
        Assert.Equal(5L, await Intersect(partnership));

        // The same points under another population: new seqs, so the tags stored with the old population go.
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 2)), 2, population: "prospects");
        Assert.Equal(3L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(3L, await Intersect(partnership));
        Assert.Equal(2, await TagAll(partnership, "a"));
        var (matrix, _, _) = await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers", "prospects"]);
        Assert.Equal([("customers", "customers", 3L), ("prospects", "customers", 2L)], matrix.Select(c => (c.LowPopulation, c.HighPopulation, c.Count)));
    }

    [Fact]
    public async Task Tags_of_a_task_whose_records_changed_since_it_was_issued_are_stored_only_for_the_unchanged()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 5)), 5);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 5)), 5);
        await TagAll(partnership, "b");
        var range = (await _reblind.NextRange(partnership, 1, "a", PsiFormat.MaxChunkRecords))!;
        var body = await TagsOf(partnership, range);

        // Record 0 re-pointed and record 1 removed while the task was out: their seqs in the task are no record's now.
        await Commit(partnership, "a", UploadKind.Add, Records("a", [0], salt: 9), 1);
        await Commit(partnership, "a", UploadKind.Remove, Records("a", [1])[..PsiFormat.RecordIdSize], 1);
        await _reblind.StoreTags(partnership, 1, range, body);
        Assert.Equal(3L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(3L, await Intersect(partnership));
        // Record 0 is re-blinded under its new seq (its new point is none of b's keys).
        Assert.Equal(1, await TagAll(partnership, "a"));
        Assert.Equal(3L, await Intersect(partnership));
    }

    [Fact]
    public async Task A_record_both_uploads_had_takes_the_later_commits_point_and_loses_the_tag_of_the_earlier()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "b", UploadKind.Add, Records("b", [1], salt: 2), 1);
        var early = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", UploadKind.Add, 1, 0, 0, null));
        var late = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", UploadKind.Add, 1, 0, 0, null));
        // The early upload's chunk goes in pending; the late one's is staged (the id is there). The
        // late one commits first and takes the record over ('taken': the early row, pending and
        // so untagged, is staged as moved for the early commit).
        var earlyBody = Records("a", [1], salt: 1);
        var lateBody = Records("a", [1], salt: 2);
        await _store.AddChunk(early.UploadId, 0, earlyBody, ChunkItems.Parse(UploadKind.Add, earlyBody));
        await _store.AddChunk(late.UploadId, 0, lateBody, ChunkItems.Parse(UploadKind.Add, lateBody));
        await _store.Commit(late.UploadId);
        Assert.Equal(1, await TagAll(partnership, "a"));
        await TagAll(partnership, "b");
        Assert.Equal(1L, await Intersect(partnership));

        // The early commit (the later one) replaces the record with its point under a new seq: the late point's tag goes.
        await _store.Commit(early.UploadId);
        Assert.Equal(0L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(0L, await Intersect(partnership));
        Assert.Equal(1, await TagAll(partnership, "a"));
        Assert.Equal(0L, await Intersect(partnership));
    }

    [Fact]
    public async Task An_overtaken_uploads_records_move_to_fresh_seqs_untagged_and_the_tagged_ones_keep_their_tags()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 10)), 10);
        var first = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", UploadKind.Add, 5, 0, 0, null));
        var second = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", UploadKind.Add, 5, 0, 0, null));
        var firstBody = Records("a", Enumerable.Range(0, 5));
        var secondBody = Records("a", Enumerable.Range(5, 5));
        await _store.AddChunk(first.UploadId, 0, firstBody, ChunkItems.Parse(UploadKind.Add, firstBody));
        await _store.AddChunk(second.UploadId, 0, secondBody, ChunkItems.Parse(UploadKind.Add, secondBody));
        await _store.Commit(second.UploadId);
        // The task passes the first upload's pending range ('moved' at its commit) without tagging it.
        Assert.Equal(5, await TagAll(partnership, "a"));
        await TagAll(partnership, "b");
        Assert.Equal(5L, await Intersect(partnership));

        await _store.Commit(first.UploadId);
        Assert.Equal(5L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(5L, await Intersect(partnership));
        Assert.Equal(5, await TagAll(partnership, "a"));
        Assert.Equal(10L, await Intersect(partnership));
    }

    private static string Id(string side, int i) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{side}:{i}"))[..PsiFormat.RecordIdSize]);

    [Fact]
    public async Task Each_release_reports_the_records_found_and_gone_since_the_last_and_stores_exactly_the_new_set()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 10)), 10);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 10)), 10);
        await TagAll(partnership, "a");
        await TagAll(partnership, "b");
        var (matrix, low, high) = await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers"]);
        Assert.Equal(10L, Assert.Single(matrix).Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Id("a", i)).Order(StringComparer.Ordinal), low.Found);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Id("b", i)).Order(StringComparer.Ordinal), high.Found);
        Assert.Equal((10L, 0L, 10L, 0L), (low.FoundCount, low.GoneCount, high.FoundCount, high.GoneCount));

        // The same again: nothing found, nothing gone, the same matches stored.
        (matrix, low, high) = await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers"]);
        Assert.Equal((10L, 0L, 0L, 0L, 0L), (matrix.Single().Count, low.FoundCount, low.GoneCount, high.FoundCount, high.GoneCount));
        Assert.Equal(10L, await Scalar("SELECT count(*) FROM psi_matches WHERE partnership = $1", partnership));

        // a re-points 0-2: they stop matching, on both sides.
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 3), salt: 9), 3);
        await TagAll(partnership, "a");
        (matrix, low, high) = await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers"]);
        Assert.Equal(7L, matrix.Single().Count);
        Assert.Empty(low.Found);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Id("a", i)).Order(StringComparer.Ordinal), low.Gone);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Id("b", i)).Order(StringComparer.Ordinal), high.Gone);
        Assert.Equal((0L, 3L, 0L, 3L), (low.FoundCount, low.GoneCount, high.FoundCount, high.GoneCount));
        Assert.Equal(7L, await Scalar("SELECT count(*) FROM psi_matches WHERE partnership = $1", partnership));

        // b's records 0-2 move to another population: no longer visible to a, which sees only customers.
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 3)), 3);
        await TagAll(partnership, "a");
        var upload = await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "b", "prospects", UploadKind.Add, 3, 0, 0, null));
        var moved = Records("b", Enumerable.Range(0, 3));
        await _store.AddChunk(upload.UploadId, 0, moved, ChunkItems.Parse(UploadKind.Add, moved));
        await _store.Commit(upload.UploadId);
        await TagAll(partnership, "b");
        (matrix, low, high) = await _matches.Intersect(partnership, 1, "a", "b", ["customers"], ["customers", "prospects"]);
        Assert.Equal([("customers", "customers", 7L), ("customers", "prospects", 3L)], matrix.Select(c => (c.LowPopulation, c.HighPopulation, c.Count)));
        Assert.Equal((0L, 0L), (low.FoundCount, low.GoneCount));
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Id("b", i)).Order(StringComparer.Ordinal), high.Found);
        Assert.Equal(0L, high.GoneCount);
        // The stored set is exactly the new one: each match once, with the populations it has now.
        Assert.Equal(3L, await Scalar("SELECT count(*) FROM psi_matches WHERE partnership = $1 AND high_population = 'prospects'", partnership));
        Assert.Equal(10L, await Scalar("SELECT count(DISTINCT (low_record, high_record)) FROM psi_matches WHERE partnership = $1", partnership));
        Assert.Equal(10L, await Scalar("SELECT count(*) FROM psi_matches WHERE partnership = $1", partnership));
        // The high side's blocks hold the same matches (psi_matches reads the low side's).
        Assert.Equal(10L, await Scalar("""
            SELECT count(*) FROM psi_match_sets s JOIN psi_match_blocks b ON b.set_id = s.set_id AND NOT b.low_side
             CROSS JOIN LATERAL psi_match_entries(b.entries, s.populations) e
             JOIN psi_matches m ON m.partnership = s.partnership AND m.high_record = e.my_record AND m.low_record = e.their_record
                               AND m.high_population = e.my_population AND m.low_population = e.their_population
             WHERE s.partnership = $1
            """, partnership));
    }

    /// <summary>Each tag block of one side, as first seq, last seq and the seqs of its entries (from the psi_tags view), in seq order.</summary>
    private async Task<List<string>> Blocks(string partnership, string owner)
    {
        await using var cmd = database.DataSource.CreateCommand("""
            SELECT b.first_seq || '-' || b.last_seq || ':' || coalesce((SELECT string_agg(e.seq::text, ',' ORDER BY e.seq) FROM psi_tag_entries(b.entries, b.populations) e), '')
              FROM psi_tag_blocks b JOIN psi_lists l USING (list_id) WHERE l.partnership = $1 AND l.owner = $2 ORDER BY b.first_seq
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        await using var reader = await cmd.ExecuteReaderAsync();
        var blocks = new List<string>();
        while (await reader.ReadAsync()) blocks.Add(reader.GetString(0));
        return blocks;
    }

    /// <summary>Tags one task of at most <paramref name="limit"/> records.</summary>
    private async Task TagOne(string partnership, string owner, int limit)
    {
        var range = (await _reblind.NextRange(partnership, 1, owner, limit))!;
        await _reblind.StoreTags(partnership, 1, range, await TagsOf(partnership, range));
    }

    [Fact]
    public async Task A_block_partly_invalidated_keeps_its_other_entries_and_the_other_blocks_are_left_alone()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 12)), 12);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 12)), 12);
        for (var i = 0; i < 3; i++) await TagOne(partnership, "a", 4);
        await TagAll(partnership, "b");
        Assert.Equal(["1-4:1,2,3,4", "5-8:5,6,7,8", "9-12:9,10,11,12"], await Blocks(partnership, "a"));
        Assert.Equal(12L, await Intersect(partnership));
        var (first, second) = (await SeqOf(partnership, Id("a", 0)), await SeqOf(partnership, Id("a", 4)));

        // Two records change (one removed, one re-pointed), in one commit each: the blocks that
        // held their seqs lose those entries, the rest stay as they were.
        await Commit(partnership, "a", UploadKind.Remove, Records("a", [0])[..PsiFormat.RecordIdSize], 1);
        await Commit(partnership, "a", UploadKind.Add, Records("a", [4], salt: 9), 1);
        string Block(int from) =>
            $"{from}-{from + 3}:" + string.Join(',', Enumerable.Range(from, 4).Where(s => s != first && s != second));
        Assert.Equal([Block(1), Block(5), Block(9)], await Blocks(partnership, "a"));
        Assert.Equal(10L, await TagCount(partnership, "a"));
        Assert.Equal(0L, await StaleTags(partnership));
        Assert.Equal(10L, await Intersect(partnership));
        // The re-pointed record is tagged again under its new seq, in a block of its own after the others.
        Assert.Equal(1, await TagAll(partnership, "a"));
        var moved = await SeqOf(partnership, Id("a", 4));
        Assert.Equal([Block(1), Block(5), Block(9), $"{moved}-{moved}:{moved}"], await Blocks(partnership, "a"));
        Assert.Equal(10L, await Intersect(partnership));
    }

    private async Task<long> SeqOf(string partnership, string id)
    {
        await using var cmd = database.DataSource.CreateCommand("SELECT seq FROM psi_records WHERE partnership = $1 AND owner = 'a' AND encode(record_id, 'hex') = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_range_stored_again_or_overlapping_a_stored_one_adds_only_the_seqs_after_the_watermark()
    {
        var partnership = "a|b-" + Guid.NewGuid();
        await Commit(partnership, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 8)), 8);
        await Commit(partnership, "b", UploadKind.Add, Records("b", Enumerable.Range(0, 8)), 8);
        await TagAll(partnership, "b");
        // Two tasks issued from the same watermark (a superseded task and its successor): 1-4 and 1-8.
        var small = (await _reblind.NextRange(partnership, 1, "a", 4))!;
        var large = (await _reblind.NextRange(partnership, 1, "a", 8))!;
        Assert.Equal((1L, 4L, 1L, 8L), (small.FromSeq, small.ToSeq, large.FromSeq, large.ToSeq));
        await _reblind.StoreTags(partnership, 1, small, await TagsOf(partnership, small));
        await _reblind.StoreTags(partnership, 1, large, await TagsOf(partnership, large));
        await _reblind.StoreTags(partnership, 1, small, await TagsOf(partnership, small));
        await _reblind.StoreTags(partnership, 1, large, await TagsOf(partnership, large));
        Assert.Equal(["1-4:1,2,3,4", "5-8:5,6,7,8"], await Blocks(partnership, "a"));
        Assert.Equal(0L, await _reblind.Untagged(partnership, 1, "a"));
        Assert.Equal(8L, await Intersect(partnership));
    }

    [Fact]
    public async Task Deleting_a_partnerships_lists_deletes_their_tag_blocks_and_no_other()
    {
        var (partnership, other) = ("a|b-" + Guid.NewGuid(), "a|b-" + Guid.NewGuid());
        foreach (var p in new[] { partnership, other })
        {
            await Commit(p, "a", UploadKind.Add, Records("a", Enumerable.Range(0, 3)), 3);
            await TagAll(p, "a");
        }
        var list = (int)(await Scalar2("SELECT list_id FROM psi_lists WHERE partnership = $1", partnership))!;
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM psi_tag_blocks WHERE list_id = $1", list));
        await _store.DeleteBefore(partnership, int.MaxValue);
        Assert.Equal(0L, await Scalar("SELECT count(*) FROM psi_tag_blocks WHERE list_id = $1", list));
        Assert.Equal(["1-3:1,2,3"], await Blocks(other, "a"));
    }

    private async Task<long> Scalar(string sql, object parameter) => (long)(await Scalar2(sql, parameter))!;

    private async Task<object?> Scalar2(string sql, object parameter)
    {
        await using var cmd = database.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return await cmd.ExecuteScalarAsync();
    }
}
