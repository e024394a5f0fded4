using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Api.Tests.Psi;

/// <summary>
/// The PSI half of <see cref="CoSellNetClient"/> against the real node: two partners upload in
/// chunks (with a replayed chunk, a resume and a repeated commit), do each other's re-blind tasks
/// through the streamed download and the tag upload, and read the released matrix and overlaps.
/// Each side blinds and re-blinds with its own real PSI key (CoSellNet.Crypto), as the CLI does.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class ClientPsiTests(Network network)
{
    /// <summary>A partner's client over the in-process node, through the real resilience pipeline.</summary>
    private sealed class Side : IDisposable
    {
        private readonly ServiceProvider _services;

        public Side(Network network, Member member, string name)
        {
            Member = member;
            Name = name;
            var services = new ServiceCollection();
            services.AddCoSellNetClient(o =>
            {
                o.BaseAddress = network.Node.Server.BaseAddress;
                o.ApiKey = member.Key;
                o.RetryDelay = TimeSpan.Zero;
            }).ConfigurePrimaryHttpMessageHandler(() => network.Node.Server.CreateHandler());
            _services = services.BuildServiceProvider();
            Client = _services.GetRequiredService<CoSellNetClient>();
        }

        public Member Member { get; }
        public string Name { get; }
        public CoSellNetClient Client { get; }
        public PsiKey Key { get; } = PsiKey.Random();
        public Dictionary<string, (string Account, string Population)> Records { get; } = [];

        /// <summary>Add records: record id (16) ‖ blinded point a·H(k) (32) each, k the account's domain.</summary>
        public byte[] Encode(IEnumerable<(string Account, string Population)> accounts, string population)
        {
            var list = accounts.Where(a => a.Population == population).ToList();
            var bytes = new byte[list.Count * PsiFormat.RecordSize(UploadKind.Add)];
            for (var i = 0; i < list.Count; i++)
            {
                var id = SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}/{list[i].Account}"))[..16];
                id.CopyTo(bytes, i * 48);
                Key.Blind(MatchKeys.FromDomainLike($"{list[i].Account}-corp.com").Key!.Value, bytes.AsSpan(i * 48 + 16, 32));
                Records[Convert.ToHexStringLower(id)] = list[i];
            }
            return bytes;
        }

        public void Dispose()
        {
            Key.Dispose();
            _services.Dispose();
        }
    }

    /// <summary>Uploads one population in chunks of <paramref name="perChunk"/> records, through the client.</summary>
    private static async Task<UploadView> Upload(Side side, string counterpart, IEnumerable<(string, string)> accounts, string population, int perChunk)
    {
        var body = side.Encode(accounts, population);
        var count = body.Length / 48;
        var id = Guid.NewGuid();
        var view = await side.Client.StartUploadAsync(counterpart, new StartUpload(id, population, UploadKind.Add, count));
        for (var chunk = 0; chunk * perChunk < count; chunk++)
        {
            var from = chunk * perChunk * 48;
            view = await side.Client.PutChunkAsync(counterpart, id, chunk, body.AsMemory(from, Math.Min(perChunk * 48, body.Length - from)));
            Assert.Equal(chunk + 1, view.NextChunk);
        }
        Assert.Equal(count, view.ReceivedCount);
        return await side.Client.CommitUploadAsync(counterpart, id);
    }

    /// <summary>Does every re-blind task this side has: download, re-blind each point with my key into a tag, upload seq ‖ tag in order.</summary>
    private static async Task<int> Reblind(Side side, string counterpart)
    {
        var done = 0;
        while (await side.Client.GetNextTaskAsync(counterpart) is { } task)
        {
            var seqs = new long[task.Count];
            var points = new byte[task.Count * PsiFormat.PointSize];
            await side.Client.DownloadTaskPointsAsync(counterpart, task, seqs, points);
            var bare = new byte[task.Count * PsiFormat.TagSize];
            side.Key.ReblindToTags(points, bare); // validates every point
            var tags = new byte[task.Count * PsiFormat.TaskTagSize];
            for (var i = 0; i < task.Count; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(tags.AsSpan(i * 24), seqs[i]);
                bare.AsSpan(i * 16, 16).CopyTo(tags.AsSpan(i * 24 + 8));
            }
            await side.Client.UploadTaskTagsAsync(counterpart, task.TaskId, tags);
            done += task.Count;
        }
        return done;
    }

    [Fact]
    public async Task A_second_task_after_the_first_is_re_blinded_while_the_first_ones_tags_are_due_and_tags_go_in_order()
    {
        var (ma, mb) = await network.AddPartnership();
        using var a = new Side(network, ma, "a");
        using var b = new Side(network, mb, "b");
        await a.Client.SetRulesAsync(mb.Id, [new SharingRule("customers", SharingLevel.Overlaps)]);
        await b.Client.SetRulesAsync(ma.Id, [new SharingRule("customers", SharingLevel.Overlaps)]);
        // More records than one task holds: two tasks for B. Points from hashes of random bytes (valid, of no account).
        var count = PsiFormat.MaxChunkRecords + 100;
        var body = new byte[count * 48];
        RandomNumberGenerator.Fill(body);
        Parallel.For(0, count, i =>
        {
            Span<byte> uniform = stackalloc byte[64];
            RandomNumberGenerator.Fill(uniform);
            Ristretto255.FromUniformBytes(uniform, body.AsSpan(i * 48 + 16, 32));
        });
        var uploadId = Guid.NewGuid();
        await a.Client.StartUploadAsync(mb.Id, new StartUpload(uploadId, "customers", UploadKind.Add, count));
        await a.Client.PutChunkAsync(mb.Id, uploadId, 0, body.AsMemory(0, PsiFormat.MaxChunkRecords * 48));
        await a.Client.PutChunkAsync(mb.Id, uploadId, 1, body.AsMemory(PsiFormat.MaxChunkRecords * 48));
        await a.Client.CommitUploadAsync(mb.Id, uploadId);

        var first = (await b.Client.GetNextTaskAsync(ma.Id))!;
        var second = (await b.Client.GetNextTaskAsync(ma.Id, first.TaskId))!;
        Assert.Equal((PsiFormat.MaxChunkRecords, 100), (first.Count, second.Count));
        Assert.Equal(second, await b.Client.GetNextTaskAsync(ma.Id, first.TaskId)); // a retry gets the same
        Assert.Equal(first, await b.Client.GetNextTaskAsync(ma.Id)); // without "after": the first
        var third = await Assert.ThrowsAsync<CoSellNetApiException>(() => b.Client.GetNextTaskAsync(ma.Id, second.TaskId));
        Assert.Equal((409, "Tags due first"), (third.Status, third.Title));

        // Both download; the second's tags are refused while the first's are due, then taken after them.
        var firstTags = await FakeTags(b, ma.Id, first);
        var secondTags = await FakeTags(b, ma.Id, second);
        var early = await Assert.ThrowsAsync<CoSellNetApiException>(() => b.Client.UploadTaskTagsAsync(ma.Id, second.TaskId, secondTags));
        Assert.Equal((409, "Tags due first"), (early.Status, early.Title));
        Assert.Equal(count, (await a.Client.GetPsiStatusAsync(mb.Id)).MyRecordsAwaitingCounterpart);
        await b.Client.UploadTaskTagsAsync(ma.Id, first.TaskId, firstTags);
        Assert.Equal(second, await b.Client.GetNextTaskAsync(ma.Id)); // now the first outstanding
        Assert.Null(await b.Client.GetNextTaskAsync(ma.Id, second.TaskId)); // nothing follows it
        await b.Client.UploadTaskTagsAsync(ma.Id, second.TaskId, secondTags);
        Assert.Null(await b.Client.GetNextTaskAsync(ma.Id));
        Assert.Equal(0, (await a.Client.GetPsiStatusAsync(mb.Id)).MyRecordsAwaitingCounterpart);
    }

    /// <summary>Downloads a task's points and makes one arbitrary tag per point (the node does not check tags against points).</summary>
    private static async Task<byte[]> FakeTags(Side side, string counterpart, ReblindTask task)
    {
        var seqs = new long[task.Count];
        await side.Client.DownloadTaskPointsAsync(counterpart, task, seqs, new byte[task.Count * PsiFormat.PointSize]);
        var tags = new byte[task.Count * PsiFormat.TaskTagSize];
        RandomNumberGenerator.Fill(tags);
        for (var i = 0; i < task.Count; i++) BinaryPrimitives.WriteInt64BigEndian(tags.AsSpan(i * PsiFormat.TaskTagSize), seqs[i]);
        return tags;
    }

    [Fact]
    public async Task Two_partners_map_their_accounts_through_the_client()
    {
        var (ma, mb) = await network.AddPartnership();
        using var a = new Side(network, ma, "a");
        using var b = new Side(network, mb, "b");
        await a.Client.SetRulesAsync(mb.Id, [new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("prospects", SharingLevel.Counts, 3)]);
        await b.Client.SetRulesAsync(ma.Id, [new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("opportunities", SharingLevel.Counts)]);

        // A: customers c0..c9, prospects p0..p4. B: customers c5..c14 (5 shared), opportunities p3, p4, c0 (3 shared).
        var aAccounts = Enumerable.Range(0, 10).Select(i => ($"c{i}", "customers")).Concat(Enumerable.Range(0, 5).Select(i => ($"p{i}", "prospects"))).ToList();
        var bAccounts = Enumerable.Range(5, 10).Select(i => ($"c{i}", "customers")).Concat([("p3", "opportunities"), ("p4", "opportunities"), ("c0", "opportunities")]).ToList();

        // A resumable upload: start, chunk 0, "crash", ask where it stands, resume, replay chunk 0, go on, commit twice.
        var body = a.Encode(aAccounts, "customers");
        var uploadId = Guid.NewGuid();
        var start = new StartUpload(uploadId, "customers", UploadKind.Add, 10);
        Assert.Equal(0, (await a.Client.StartUploadAsync(mb.Id, start)).NextChunk);
        Assert.Null(await a.Client.GetUploadAsync(mb.Id, Guid.NewGuid()));
        var afterFirst = await a.Client.PutChunkAsync(mb.Id, uploadId, 0, body.AsMemory(0, 6 * 48));
        Assert.Equal((6, 1), (afterFirst.ReceivedCount, afterFirst.NextChunk));
        Assert.Equal(afterFirst, await a.Client.GetUploadAsync(mb.Id, uploadId));
        Assert.Equal(afterFirst, await a.Client.StartUploadAsync(mb.Id, start));
        Assert.Equal(afterFirst, await a.Client.PutChunkAsync(mb.Id, uploadId, 0, body.AsMemory(0, 6 * 48)));
        var outOfOrder = await Assert.ThrowsAsync<CoSellNetApiException>(() => a.Client.PutChunkAsync(mb.Id, uploadId, 2, body.AsMemory(6 * 48)));
        Assert.Equal((409, "Chunk out of order"), (outOfOrder.Status, outOfOrder.Title));
        var early = await Assert.ThrowsAsync<CoSellNetApiException>(() => a.Client.CommitUploadAsync(mb.Id, uploadId));
        Assert.Equal((409, "Upload incomplete"), (early.Status, early.Title));
        Assert.Equal(10, (await a.Client.PutChunkAsync(mb.Id, uploadId, 1, body.AsMemory(6 * 48))).ReceivedCount);
        var committed = await a.Client.CommitUploadAsync(mb.Id, uploadId);
        Assert.True(committed.Committed);
        Assert.Equal(committed, await a.Client.CommitUploadAsync(mb.Id, uploadId));

        await Upload(a, mb.Id, aAccounts, "prospects", perChunk: 2);
        Assert.Equal(0, (await a.Client.GetPsiStatusAsync(mb.Id)).ReleaseVersion);
        Assert.Null(await a.Client.GetNextTaskAsync(mb.Id)); // B has uploaded nothing yet
        await Upload(b, ma.Id, bAccounts, "customers", perChunk: 4);
        await Upload(b, ma.Id, bAccounts, "opportunities", perChunk: 3);

        // B re-blinds A's 15 records; A sees 13 of B's waiting for it and nothing released yet.
        Assert.Equal(15, await Reblind(b, ma.Id));
        var halfway = await a.Client.GetPsiStatusAsync(mb.Id);
        Assert.Equal((0, 13L, 0L), (halfway.ReleaseVersion, halfway.TheirRecordsAwaitingMe, halfway.MyRecordsAwaitingCounterpart));

        // A's tag upload is checked against its task: a count that does not match is refused and the task stays.
        var task = (await a.Client.GetNextTaskAsync(mb.Id))!;
        Assert.Equal(13, task.Count);
        var wrong = await Assert.ThrowsAsync<CoSellNetApiException>(() => a.Client.UploadTaskTagsAsync(mb.Id, task.TaskId, new byte[24]));
        Assert.Equal(400, wrong.Status);
        Assert.Contains("body", wrong.Errors.Keys);
        Assert.Equal(task, await a.Client.GetNextTaskAsync(mb.Id));

        Assert.Equal(13, await Reblind(a, mb.Id));
        Assert.Null(await a.Client.GetNextTaskAsync(mb.Id));
        var gone = await Assert.ThrowsAsync<CoSellNetApiException>(() =>
            a.Client.DownloadTaskPointsAsync(mb.Id, task, new long[task.Count], new byte[task.Count * 32]));
        Assert.Equal(404, gone.Status);

        // Fair release: both sides see version 1 at the same moment.
        var statusA = await a.Client.GetPsiStatusAsync(mb.Id);
        var statusB = await b.Client.GetPsiStatusAsync(ma.Id);
        Assert.Equal((1, 15L, 13L), (statusA.ReleaseVersion, statusA.MyRecords, statusA.TheirRecords));
        Assert.Equal(statusA.ReleasedAt, statusB.ReleasedAt);

        var matrixA = await a.Client.GetMatrixAsync(mb.Id);
        Assert.Equal(1, matrixA.ReleaseVersion);
        Assert.Equal(
            [("customers", "customers", 5L), ("customers", "opportunities", 1L), ("prospects", "opportunities", 2L)],
            matrixA.Cells.Select(c => (c.MyPopulation, c.TheirPopulation, c.Count!.Value)).OrderBy(c => c.MyPopulation).ThenBy(c => c.TheirPopulation));
        // B sees A's prospects only as "fewer than 3".
        var small = (await b.Client.GetMatrixAsync(ma.Id)).Cells.Single(c => c.TheirPopulation == "prospects");
        Assert.Equal((null, 3), (small.Count, small.FewerThan));

        // Overlaps: A learns which of its records matched B's customers (overlaps), not B's opportunities (counts only).
        var overlapsA = new List<OverlapRecord>();
        await foreach (var o in a.Client.ListAllOverlapsAsync(mb.Id)) overlapsA.Add(o);
        Assert.Equal(["c5", "c6", "c7", "c8", "c9"], overlapsA.Select(o => a.Records[o.RecordId].Account).Order());
        Assert.All(overlapsA, o => Assert.Equal(["customers"], o.TheirPopulations));

        // Paged by hand, two at a time, B's overlaps are the same as listed at once: its customers c5..c9 and its
        // opportunity c0 matched A's customers (shared at overlaps); p3 and p4 matched A's prospects (counts only).
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await b.Client.GetOverlapsAsync(ma.Id, cursor, 2);
            Assert.True(page.Items.Count <= 2);
            paged.AddRange(page.Items.Select(o => o.RecordId));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        var all = new List<string>();
        await foreach (var o in b.Client.ListAllOverlapsAsync(ma.Id)) all.Add(o.RecordId);
        Assert.Equal(all, paged);
        Assert.Equal(["c0", "c5", "c6", "c7", "c8", "c9"], paged.Select(id => b.Records[id].Account).Order());

        // The same pages read for resolving (ids as bytes, populations shared) hold the same overlaps.
        var read = new List<(string Id, string Mine, string Theirs)>();
        cursor = null;
        do
        {
            var page = await b.Client.GetOverlapPageAsync(ma.Id, cursor, 2);
            for (var i = 0; i < page.Count; i++)
                read.Add((Convert.ToHexStringLower(page.RecordIds.Span.Slice(i * OverlapPage.RecordIdSize, OverlapPage.RecordIdSize)),
                    page.MyPopulation(i), string.Join(',', page.TheirPopulations(i))));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        var listed = new List<(string, string, string)>();
        await foreach (var o in b.Client.ListAllOverlapsAsync(ma.Id)) listed.Add((o.RecordId, o.MyPopulation, string.Join(',', o.TheirPopulations)));
        Assert.Equal(listed, read);

        // Pausing takes effect on the next request, and the client reports the node's reason.
        await a.Client.PausePartnershipAsync(mb.Id);
        var paused = await Assert.ThrowsAsync<CoSellNetApiException>(() => b.Client.GetMatrixAsync(ma.Id));
        Assert.Equal((409, "Partnership paused"), (paused.Status, paused.Title));
    }
}
