using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

public sealed class PsiStoreTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PsiStore _store = new(database.DataSource);

    private static byte[] Records(int count, string population = "p", byte salt = 0)
    {
        var bytes = new byte[count * (PsiFormat.RecordIdSize + PsiFormat.PointSize)];
        for (var i = 0; i < count; i++)
        {
            var id = SHA256.HashData(BitConverter.GetBytes(i))[..PsiFormat.RecordIdSize];
            id.CopyTo(bytes, i * (PsiFormat.RecordIdSize + PsiFormat.PointSize));
            var point = bytes.AsSpan(i * (PsiFormat.RecordIdSize + PsiFormat.PointSize) + PsiFormat.RecordIdSize, PsiFormat.PointSize);
            CoSellNet.Crypto.Ristretto255.HashToGroup([.. BitConverter.GetBytes(i), salt, .. System.Text.Encoding.UTF8.GetBytes(population)], "CoSellNet-test"u8, point);
        }
        return bytes;
    }

    private Task<PsiUpload> Upload(string partnership, string population, int count, UploadKind kind = UploadKind.Add) =>
        _store.CreateUpload(new PsiUpload(Guid.NewGuid(), partnership, 1, "a", population, kind, count, 0, 0, null));

    [Fact]
    public async Task Chunks_must_come_in_order_and_replays_of_the_same_bytes_are_harmless()
    {
        var partnership = "chunks|" + Guid.NewGuid();
        var upload = await Upload(partnership, "customers", 20);
        var all = Records(20);
        var first = all.AsMemory(0, 10 * (PsiFormat.RecordIdSize + PsiFormat.PointSize));
        var second = all.AsMemory(10 * (PsiFormat.RecordIdSize + PsiFormat.PointSize));

        Assert.Equal(ChunkOutcome.OutOfOrder, (await Add(upload, 1, second)).Outcome);
        Assert.Equal(ChunkOutcome.Accepted, (await Add(upload, 0, first)).Outcome);
        Assert.Equal(ChunkOutcome.Replayed, (await Add(upload, 0, first)).Outcome);
        Assert.Equal(ChunkOutcome.Conflict, (await Add(upload, 0, second)).Outcome);
        var (outcome, after) = await Add(upload, 1, second);
        Assert.Equal(ChunkOutcome.Accepted, outcome);
        Assert.Equal(20, after.ReceivedCount);
        Assert.Equal(ChunkOutcome.OverCount, (await Add(upload, 2, first)).Outcome);

        var committed = await _store.Commit(upload.UploadId);
        Assert.NotNull(committed.CommittedAt);
        Assert.Equal(committed, await _store.Commit(upload.UploadId));
        Assert.Equal(ChunkOutcome.Committed, (await Add(upload, 2, first)).Outcome);
        Assert.Equal(20, (await _store.Counts(partnership, 1, "a"))["customers"]);
        Assert.Equal(0L, await Scalar("SELECT count(*) FROM psi_staged WHERE upload_id = $1", upload.UploadId));
    }

    [Fact]
    public async Task Uploading_again_never_duplicates_and_changed_records_are_sequenced_anew()
    {
        var partnership = "again|" + Guid.NewGuid();
        foreach (var _ in new[] { 1, 2 })
        {
            var upload = await Upload(partnership, "customers", 30);
            await Add(upload, 0, Records(30));
            await _store.Commit(upload.UploadId);
        }
        Assert.Equal(30, (await _store.Counts(partnership, 1, "a"))["customers"]);
        var maxSeq = (long)(await Scalar("SELECT max(seq) FROM psi_records WHERE partnership = $1", partnership))!;
        Assert.Equal(30, maxSeq);

        // The first 5 accounts moved to another population: same ids, new points.
        var moved = await Upload(partnership, "prospects", 5);
        await Add(moved, 0, Records(5, "prospects", 1));
        await _store.Commit(moved.UploadId);
        var counts = await _store.Counts(partnership, 1, "a");
        Assert.Equal(25, counts["customers"]);
        Assert.Equal(5, counts["prospects"]);
        // The kept count: moved records are updated, not added.
        Assert.Equal(30L, await _store.Count(partnership, 1, "a"));
        // New seqs come after every seq the list ever gave (the second upload's unchanged records
        // used none, but their numbers are never given again), so the 5 moved ones are re-blinded.
        Assert.Equal(5L, await Scalar("SELECT count(*) FROM psi_records WHERE partnership = $1 AND seq > 30", partnership));
        Assert.Equal(5L, await Scalar("SELECT count(*) FROM psi_records WHERE partnership = $1 AND population = 'prospects' AND seq > 30", partnership));
    }

    [Fact]
    public async Task Removals_delete_records_and_ending_deletes_everything()
    {
        var partnership = "remove|" + Guid.NewGuid();
        var upload = await Upload(partnership, "customers", 10);
        var records = Records(10);
        await Add(upload, 0, records);
        await _store.Commit(upload.UploadId);

        var removal = await Upload(partnership, "customers", 3, UploadKind.Remove);
        var ids = new byte[3 * PsiFormat.RecordIdSize];
        for (var i = 0; i < 3; i++) records.AsSpan(i * (PsiFormat.RecordIdSize + PsiFormat.PointSize), PsiFormat.RecordIdSize).CopyTo(ids.AsSpan(i * PsiFormat.RecordIdSize));
        await Add(removal, 0, ids);
        await _store.Commit(removal.UploadId);
        Assert.Equal(7, (await _store.Counts(partnership, 1, "a"))["customers"]);
        Assert.Equal(7L, await _store.Count(partnership, 1, "a"));

        await _store.DeleteBefore(partnership, int.MaxValue);
        Assert.Empty(await _store.Counts(partnership, 1, "a"));
        Assert.Null(await _store.FindUpload(upload.UploadId));
    }

    private Task<(ChunkOutcome Outcome, PsiUpload Upload)> Add(PsiUpload upload, int chunk, ReadOnlyMemory<byte> body) =>
        _store.AddChunk(upload.UploadId, chunk, body, ChunkItems.Parse(upload.Kind, body.Span));

    private async Task<object?> Scalar(string sql, object parameter)
    {
        await using var cmd = database.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return await cmd.ExecuteScalarAsync();
    }
}
