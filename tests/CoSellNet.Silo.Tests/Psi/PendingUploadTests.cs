using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>
/// An add's chunks go into the list's table as they come, pending until the commit: what readers
/// see before it, and what ids already in the list, two uploads at once and abandoned uploads do.
/// </summary>
public sealed class PendingUploadTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const int RecordSize = PsiFormat.RecordIdSize + PsiFormat.PointSize;
    private readonly PsiStore _store = new(database.DataSource);
    private readonly ReblindStore _reblind = new(database.DataSource);

    /// <summary>Records i in <paramref name="indexes"/>: id from i, point from (i, salt).</summary>
    private static byte[] Records(IEnumerable<int> indexes, byte salt = 0)
    {
        var list = indexes.ToList();
        var bytes = new byte[list.Count * RecordSize];
        for (var n = 0; n < list.Count; n++)
        {
            SHA256.HashData(BitConverter.GetBytes(list[n]))[..PsiFormat.RecordIdSize].CopyTo(bytes, n * RecordSize);
            CoSellNet.Crypto.Ristretto255.HashToGroup([.. BitConverter.GetBytes(list[n]), salt], "CoSellNet-test"u8,
                bytes.AsSpan(n * RecordSize + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        }
        return bytes;
    }

    private async Task<PsiUpload> Start(string partnership, int count, UploadKind kind = UploadKind.Add) =>
        await _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", "customers", kind, count, 0, 0, null));

    private async Task Send(PsiUpload upload, int chunk, byte[] body) =>
        Assert.Equal(ChunkOutcome.Accepted, (await _store.AddChunk(upload.UploadId, chunk, body, ChunkItems.Parse(upload.Kind, body))).Outcome);

    private async Task<PsiUpload> Committed(string partnership, byte[] body)
    {
        var upload = await Start(partnership, body.Length / RecordSize);
        await Send(upload, 0, body);
        return await _store.Commit(upload.UploadId);
    }

    /// <summary>Tags every untagged committed record (as tasks do); returns how many.</summary>
    private async Task<int> TagAll(string partnership)
    {
        var tagged = 0;
        while (await _reblind.NextRange(partnership, 1, "a", PsiFormat.MaxChunkRecords) is { } range)
        {
            using var points = new MemoryStream();
            var count = await _reblind.WritePoints(partnership, 1, range, points);
            Assert.Equal(range.Count, count);
            var body = new byte[count * PsiFormat.TaskTagSize];
            for (var i = 0; i < count; i++)
                points.GetBuffer().AsSpan(i * PsiFormat.TaskPointSize, PsiFormat.SeqSize).CopyTo(body.AsSpan(i * PsiFormat.TaskTagSize));
            await _reblind.StoreTags(partnership, 1, range, body);
            tagged += count;
        }
        return tagged;
    }

    private async Task<long> Visible(string partnership) => (await _store.Counts(partnership, 1, "a")).GetValueOrDefault("customers");

    private async Task<byte[]?> PointOf(string partnership, byte[] records, int n)
    {
        await using var cmd = database.DataSource.CreateCommand("SELECT point FROM psi_records WHERE partnership = $1 AND record_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = partnership });
        cmd.Parameters.Add(new NpgsqlParameter { Value = records.AsSpan(n * RecordSize, PsiFormat.RecordIdSize).ToArray() });
        return (byte[]?)await cmd.ExecuteScalarAsync();
    }

    private static byte[] Point(byte[] records, int n) => records.AsSpan(n * RecordSize + PsiFormat.RecordIdSize, PsiFormat.PointSize).ToArray();

    [Fact]
    public async Task Chunks_of_an_uncommitted_upload_are_seen_by_no_reader_until_the_commit()
    {
        var partnership = "pending|" + Guid.NewGuid();
        await Committed(partnership, Records(Enumerable.Range(0, 10)));
        var upload = await Start(partnership, 8);
        await Send(upload, 0, Records(Enumerable.Range(10, 5)));

        Assert.Equal(10L, await Visible(partnership));
        Assert.Equal(10L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(10L, await _reblind.Untagged(partnership, 1, "a"));
        Assert.Equal(10, await TagAll(partnership));
        Assert.False(await _reblind.AnyUntagged(partnership, 1, "a"));

        await Send(upload, 1, Records(Enumerable.Range(15, 3)));
        await _store.Commit(upload.UploadId);
        Assert.Equal(18L, await Visible(partnership));
        Assert.Equal(18L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(8, await TagAll(partnership));
    }

    [Fact]
    public async Task Ids_already_in_the_list_are_applied_at_commit_changed_ones_under_new_seqs()
    {
        var partnership = "known|" + Guid.NewGuid();
        await Committed(partnership, Records(Enumerable.Range(0, 10)));
        Assert.Equal(10, await TagAll(partnership));

        // 5-7 changed (new points), 8-9 unchanged, 10-14 new, and 14 twice (its later point wins).
        var body = Records(Enumerable.Range(5, 3), salt: 7).Concat(Records(Enumerable.Range(8, 7))).Concat(Records([14], salt: 3)).ToArray();
        var upload = await Start(partnership, 11);
        await Send(upload, 0, body);
        Assert.Equal(ChunkOutcome.Replayed, (await _store.AddChunk(upload.UploadId, 0, body, ChunkItems.Parse(UploadKind.Add, body))).Outcome);
        Assert.Equal(10L, await Visible(partnership));
        await _store.Commit(upload.UploadId);

        Assert.Equal(15L, await Visible(partnership));
        Assert.Equal(15L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(Point(Records([6], salt: 7), 0), await PointOf(partnership, Records([6]), 0));
        Assert.Equal(Point(Records([14], salt: 3), 0), await PointOf(partnership, Records([14]), 0));
        // The three changed and the five new need the counterpart's tags; the unchanged keep theirs,
        // and the changed ones' tags left with their old seqs.
        Assert.Equal(7L, await Tags(partnership));
        Assert.Equal(8, await TagAll(partnership));
        Assert.Equal(15L, await Tags(partnership));
    }

    [Fact]
    public async Task An_upload_overtaken_by_a_later_one_gets_fresh_seqs_and_is_re_blinded()
    {
        var partnership = "overtaken|" + Guid.NewGuid();
        var first = await Start(partnership, 5);
        var second = await Start(partnership, 5);
        await Send(first, 0, Records(Enumerable.Range(0, 5)));
        await Send(second, 0, Records(Enumerable.Range(5, 5)));
        await _store.Commit(second.UploadId);
        Assert.Equal(5, await TagAll(partnership));

        await _store.Commit(first.UploadId);
        Assert.Equal(10L, await Visible(partnership));
        Assert.Equal(10L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(5L, await _reblind.Untagged(partnership, 1, "a"));
        Assert.Equal(5, await TagAll(partnership));
        Assert.Equal(10L, await Scalar("SELECT count(DISTINCT seq) FROM psi_records WHERE partnership = $1", partnership));
    }

    [Fact]
    public async Task Of_two_uploads_of_one_record_the_later_commit_wins()
    {
        var partnership = "both|" + Guid.NewGuid();
        var early = await Start(partnership, 1);
        var late = await Start(partnership, 1);
        // The early upload's chunk comes first (straight in, pending); the late one's is staged.
        await Send(early, 0, Records([1], salt: 1));
        await Send(late, 0, Records([1], salt: 2));

        await _store.Commit(late.UploadId);
        Assert.Equal(Point(Records([1], salt: 2), 0), await PointOf(partnership, Records([1]), 0));
        Assert.Equal(1L, await _store.Count(partnership, 1, "a"));
        await _store.Commit(early.UploadId);
        Assert.Equal(Point(Records([1], salt: 1), 0), await PointOf(partnership, Records([1]), 0));
        Assert.Equal(1L, await Visible(partnership));
        Assert.Equal(1L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(1, await TagAll(partnership));
    }

    [Fact]
    public async Task An_abandoned_uploads_rows_stay_invisible_and_a_removal_leaves_them_alone()
    {
        var partnership = "abandoned|" + Guid.NewGuid();
        var abandoned = await Start(partnership, 10);
        await Send(abandoned, 0, Records(Enumerable.Range(0, 6)));
        // A new upload of some of the same ids and others: staged where the abandoned one has them.
        await Committed(partnership, Records(Enumerable.Range(4, 4), salt: 5));
        Assert.Equal(4L, await Visible(partnership));
        Assert.Equal(4L, await _store.Count(partnership, 1, "a"));
        Assert.Equal(Point(Records([5], salt: 5), 0), await PointOf(partnership, Records([5]), 0));
        Assert.Equal(4, await TagAll(partnership));

        // Removing ids 0 and 4: 4 is committed and goes; 0 is only the abandoned upload's, and stays its own.
        var remove = await Start(partnership, 2, UploadKind.Remove);
        var ids = Records([0, 4]).Chunk(RecordSize).SelectMany(r => r[..PsiFormat.RecordIdSize]).ToArray();
        await Send(remove, 0, ids);
        await _store.Commit(remove.UploadId);
        Assert.Equal(3L, await Visible(partnership));
        Assert.Equal(3L, await _store.Count(partnership, 1, "a"));
        // Stored: the abandoned upload's 0-3 (its 4 and 5 were taken over), the committed 4-7 less 4.
        Assert.Equal(7L, await Scalar("SELECT count(*) FROM psi_points p JOIN psi_lists l USING (list_id) WHERE l.partnership = $1", partnership));
        // The removed record's tag left with it.
        Assert.Equal(3L, await Tags(partnership));
        Assert.Equal(0, await TagAll(partnership));
    }

    private Task<long> Tags(string partnership) =>
        Scalar("SELECT count(*) FROM psi_tags t JOIN psi_lists l USING (list_id) WHERE l.partnership = $1", partnership);

    private async Task<long> Scalar(string sql, object parameter)
    {
        await using var cmd = database.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
