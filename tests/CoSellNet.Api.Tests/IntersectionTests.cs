using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>
/// The server's half of the protocol: uploads, re-blind tasks each way, fair release, and results
/// under sharing rules. Each side blinds and re-blinds with its own real PSI key, as a client does.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class IntersectionTests(Network network)
{
    private sealed class Side(Member member, string name)
    {
        public Member Member { get; } = member;
        public PsiKey Key { get; } = PsiKey.Random();
        public Dictionary<string, (string Account, string Population)> Records { get; } = [];
        public string Name { get; } = name;

        public byte[] Encode(IEnumerable<(string Account, string Population)> accounts, string population)
        {
            var list = accounts.Where(a => a.Population == population).ToList();
            var bytes = new byte[list.Count * 48];
            for (var i = 0; i < list.Count; i++)
            {
                var id = SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}/{list[i].Account}"))[..16];
                id.CopyTo(bytes, i * 48);
                Key.Blind(MatchKeys.FromDomainLike(list[i].Account + "-corp.com").Key!.Value, bytes.AsSpan(i * 48 + 16, 32));
                Records[Convert.ToHexStringLower(id)] = list[i];
            }
            return bytes;
        }
    }

    private static ByteArrayContent Binary(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(PsiFormat.ContentType);
        return content;
    }

    private static async Task Upload(Side side, string counterpart, IEnumerable<(string, string)> accounts, string population)
    {
        var body = side.Encode(accounts, population);
        var id = Guid.NewGuid();
        (await side.Member.Http.PostAsJsonAsync(Routes.PsiUploads(counterpart), new StartUpload(id, population, UploadKind.Add, body.Length / 48), Network.Json)).EnsureSuccessStatusCode();
        (await side.Member.Http.PutAsync(Routes.PsiChunk(counterpart, id, 0), Binary(body))).EnsureSuccessStatusCode();
        (await side.Member.Http.PostAsync(Routes.PsiCommit(counterpart, id), null)).EnsureSuccessStatusCode();
    }

    /// <summary>Does this side's re-blind task: a tag per counterpart point, in order.</summary>
    private static async Task<int> Reblind(Side side, Side counterpartSide)
    {
        var http = side.Member.Http;
        var counterpart = counterpartSide.Member.Id;
        var response = await http.GetAsync(Routes.PsiTasks(counterpart));
        if (response.StatusCode == HttpStatusCode.NoContent) return 0;
        var task = (await response.Content.ReadFromJsonAsync<ReblindTask>(Network.Json))!;
        var points = await http.GetByteArrayAsync(Routes.PsiTaskPoints(counterpart, task.TaskId));
        Assert.Equal(task.Count * PsiFormat.TaskPointSize, points.Length);
        var tags = new byte[task.Count * PsiFormat.TaskTagSize];
        for (var i = 0; i < task.Count; i++)
        {
            points.AsSpan(i * 40, 8).CopyTo(tags.AsSpan(i * 24));
            side.Key.ReblindToTags(points.AsSpan(i * 40 + 8, 32), tags.AsSpan(i * 24 + 8, 16));
        }
        var put = await http.PutAsync(Routes.PsiTaskTags(counterpart, task.TaskId), Binary(tags));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return task.Count;
    }

    /// <summary>Polls the status until release <paramref name="version"/> is out (it runs after the request that completed it returned).</summary>
    private static async Task<PsiStatus> Released(Member member, string counterpart, int version)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var status = (await member.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(counterpart), Network.Json))!;
            if (status.ReleaseVersion >= version) return status;
            Assert.True(DateTime.UtcNow < deadline, $"release {version} did not come within 30 s (at {status.ReleaseVersion})");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_release_that_fails_in_the_background_is_retried_on_the_next_request()
    {
        var (ma, mb) = await network.AddPartnership();
        var a = new Side(ma, "a");
        var b = new Side(mb, "b");
        foreach (var (member, other) in new[] { (ma, mb), (mb, ma) })
            (await member.Http.PutAsJsonAsync(Routes.PartnershipAction(other.Id, "rules"), new SetRules([new SharingRule("customers", SharingLevel.Overlaps)]), Network.Json)).EnsureSuccessStatusCode();
        await Upload(a, mb.Id, Enumerable.Range(0, 6).Select(i => ($"c{i}", "customers")), "customers");
        await Upload(b, ma.Id, Enumerable.Range(3, 6).Select(i => ($"c{i}", "customers")), "customers");
        var partnership = (await ma.Http.GetFromJsonAsync<PartnershipView>(Routes.Partnership(mb.Id), Network.Json))!.Id;

        // The database refuses this partnership's matches (only this one's: other tests share the node).
        var refuse = partnership.Replace("|", "_", StringComparison.Ordinal);
        await Execute($$"""
            CREATE FUNCTION refuse_{{refuse}}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.partnership = '{{partnership}}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_{{refuse}} BEFORE INSERT ON psi_match_sets FOR EACH ROW EXECUTE FUNCTION refuse_{{refuse}}();
            """);
        try
        {
            Assert.Equal(6, await Reblind(b, a));
            // The last tags are stored and acknowledged although the release after them fails.
            Assert.Equal(6, await Reblind(a, b));
            // The status request is served after the background attempt: nothing was released.
            Assert.Equal(0, (await ma.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(mb.Id), Network.Json))!.ReleaseVersion);
            // Asking for a task while it still fails is no error: there is no task, and the release is still due.
            Assert.Equal(0, await Reblind(b, a));
            Assert.Equal(0, (await ma.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(mb.Id), Network.Json))!.ReleaseVersion);
        }
        finally
        {
            await Execute($"DROP TRIGGER refuse_{refuse} ON psi_match_sets; DROP FUNCTION refuse_{refuse}();");
        }
        // The next request that finds nothing to do makes the release.
        Assert.Equal(0, await Reblind(a, b));
        var status = (await ma.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(mb.Id), Network.Json))!;
        Assert.Equal(1, status.ReleaseVersion);
        var matrix = (await ma.Http.GetFromJsonAsync<OverlapMatrix>(Routes.PsiMatrix(mb.Id), Network.Json))!;
        Assert.Equal(3L, matrix.Cells.Single().Count);
    }

    private async Task Execute(string sql)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(network.Node.ConnectionString);
        await using var cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Both_directions_then_a_fair_release_under_each_sides_rules()
    {
        var (ma, mb) = await network.AddPartnership();
        var a = new Side(ma, "a");
        var b = new Side(mb, "b");
        (await ma.Http.PutAsJsonAsync(Routes.PartnershipAction(mb.Id, "rules"), new SetRules([
            new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("prospects", SharingLevel.Counts, 3)]), Network.Json)).EnsureSuccessStatusCode();
        (await mb.Http.PutAsJsonAsync(Routes.PartnershipAction(ma.Id, "rules"), new SetRules([
            new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("opportunities", SharingLevel.Counts)]), Network.Json)).EnsureSuccessStatusCode();

        // A: customers c0..c9, prospects p0..p4. B: customers c5..c14 (5 shared), opportunities p3, p4, c0 (3 shared).
        var aAccounts = Enumerable.Range(0, 10).Select(i => ($"c{i}", "customers")).Concat(Enumerable.Range(0, 5).Select(i => ($"p{i}", "prospects"))).ToList();
        var bAccounts = Enumerable.Range(5, 10).Select(i => ($"c{i}", "customers")).Concat([("p3", "opportunities"), ("p4", "opportunities"), ("c0", "opportunities")]).ToList();

        await Upload(a, mb.Id, aAccounts, "customers");
        await Upload(a, mb.Id, aAccounts, "prospects");
        // Nothing is released while only one side has uploaded.
        Assert.Equal(0, (await ma.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(mb.Id), Network.Json))!.ReleaseVersion);
        await Upload(b, ma.Id, bAccounts, "customers");
        await Upload(b, ma.Id, bAccounts, "opportunities");

        Assert.Equal(15, await Reblind(b, a));
        var halfway = (await ma.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(mb.Id), Network.Json))!;
        Assert.Equal(0, halfway.ReleaseVersion);
        Assert.Equal(13, halfway.TheirRecordsAwaitingMe);
        Assert.Equal(13, await Reblind(a, b));
        // The release runs in the background, right after the request that brought the last tags.
        var statusA = await Released(ma, mb.Id, 1);
        Assert.Equal(0, await Reblind(a, b));

        var statusB = (await mb.Http.GetFromJsonAsync<PsiStatus>(Routes.PsiStatus(ma.Id), Network.Json))!;
        Assert.Equal(1, statusA.ReleaseVersion);
        Assert.Equal(statusA.ReleasedAt, statusB.ReleasedAt);
        Assert.Equal((15, 13), (statusA.MyRecords, statusA.TheirRecords));

        // A sees B's customers and opportunities (both shared at least as counts).
        var matrixA = (await ma.Http.GetFromJsonAsync<OverlapMatrix>(Routes.PsiMatrix(mb.Id), Network.Json))!;
        Assert.Equal(
            [("customers", "customers", 5L), ("customers", "opportunities", 1L), ("prospects", "opportunities", 2L)],
            matrixA.Cells.Select(c => (c.MyPopulation, c.TheirPopulation, c.Count!.Value)).OrderBy(c => c.MyPopulation).ThenBy(c => c.TheirPopulation));
        // B sees A's prospects only as "fewer than 3" (2 < A's minimum segment size of 3).
        var matrixB = (await mb.Http.GetFromJsonAsync<OverlapMatrix>(Routes.PsiMatrix(ma.Id), Network.Json))!;
        var small = matrixB.Cells.Single(c => c.TheirPopulation == "prospects");
        Assert.Null(small.Count);
        Assert.Equal(3, small.FewerThan);

        // Overlaps: A learns which of its records matched B's customers (shared at overlaps), not B's opportunities (counts only).
        var overlapsA = (await ma.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(mb.Id), Network.Json))!;
        Assert.Equal(["c5", "c6", "c7", "c8", "c9"], overlapsA.Items.Select(o => a.Records[o.RecordId].Account).Order());
        Assert.All(overlapsA.Items, o => Assert.Equal(["customers"], o.TheirPopulations));
        var overlapsB = (await mb.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(ma.Id) + "?limit=2", Network.Json))!;
        Assert.Equal(2, overlapsB.Items.Count);
        Assert.NotNull(overlapsB.NextCursor);
        // Overlaps pages go up to 5,000 (a client reads them all), beyond other lists' 500; more is refused on limit.
        var allB = (await mb.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(ma.Id) + $"?limit={OverlapPages.MaxPageSize}", Network.Json))!;
        Assert.Null(allB.NextCursor);
        Assert.Equal(overlapsB.Items.Select(o => o.RecordId), allB.Items.Take(2).Select(o => o.RecordId));
        foreach (var bad in new[] { "0", $"{OverlapPages.MaxPageSize + 1}" })
        {
            var problem = await Problem.Expect(await mb.Http.GetAsync(Routes.PsiOverlaps(ma.Id) + "?limit=" + bad), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _), problem.ToString());
        }

        // B shares its customers at level fields and uploads sealed fields: A receives them with its matches.
        (await mb.Http.PutAsJsonAsync(Routes.PartnershipAction(ma.Id, "rules"), new SetRules([
            new SharingRule("customers", SharingLevel.Fields), new SharingRule("opportunities", SharingLevel.Counts)]), Network.Json)).EnsureSuccessStatusCode();
        var sealedItems = b.Records.Where(r => r.Value.Population == "customers")
            .SelectMany(r => Convert.FromHexString(r.Key).Concat(new byte[] { 0, 7 }).Concat(Encoding.UTF8.GetBytes("S:" + r.Value.Account.PadRight(5)))).ToArray();
        var fieldsId = Guid.NewGuid();
        (await mb.Http.PostAsJsonAsync(Routes.PsiUploads(ma.Id), new StartUpload(fieldsId, "customers", UploadKind.Fields, 10), Network.Json)).EnsureSuccessStatusCode();
        await Problem.Expect(await mb.Http.PutAsync(Routes.PsiChunk(ma.Id, fieldsId, 0), Binary(sealedItems[..30])), HttpStatusCode.BadRequest);
        (await mb.Http.PutAsync(Routes.PsiChunk(ma.Id, fieldsId, 0), Binary(sealedItems))).EnsureSuccessStatusCode();
        (await mb.Http.PostAsync(Routes.PsiCommit(ma.Id, fieldsId), null)).EnsureSuccessStatusCode();
        var withFields = (await ma.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(mb.Id), Network.Json))!;
        foreach (var overlap in withFields.Items)
        {
            var field = Assert.Single(overlap.Fields);
            Assert.Equal("S:" + a.Records[overlap.RecordId].Account.PadRight(5), Encoding.UTF8.GetString(Convert.FromBase64String(field.Sealed)));
            Assert.Equal(a.Records[overlap.RecordId].Account, b.Records[field.TheirRecordId].Account);
        }
        // A shares nothing at level fields, so it may not upload fields.
        await Problem.Expect(await ma.Http.PostAsJsonAsync(Routes.PsiUploads(mb.Id), new StartUpload(Guid.NewGuid(), "customers", UploadKind.Fields, 1), Network.Json), HttpStatusCode.Conflict);

        // A rule change takes effect on the next request: B stops sharing customers at overlaps.
        (await mb.Http.PutAsJsonAsync(Routes.PartnershipAction(ma.Id, "rules"), new SetRules([new SharingRule("customers", SharingLevel.Counts)]), Network.Json)).EnsureSuccessStatusCode();
        Assert.Empty((await ma.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(mb.Id), Network.Json))!.Items);
        Assert.DoesNotContain((await ma.Http.GetFromJsonAsync<OverlapMatrix>(Routes.PsiMatrix(mb.Id), Network.Json))!.Cells, c => c.TheirPopulation == "opportunities");
    }

    [Fact]
    public async Task Bad_tags_are_refused_and_the_task_stays_open()
    {
        var (ma, mb) = await network.AddPartnership();
        var a = new Side(ma, "a");
        var b = new Side(mb, "b");
        foreach (var (m, c) in new[] { (ma, mb.Id), (mb, ma.Id) })
            (await m.Http.PutAsJsonAsync(Routes.PartnershipAction(c, "rules"), new SetRules([new SharingRule("customers", SharingLevel.Counts)]), Network.Json)).EnsureSuccessStatusCode();
        await Upload(a, mb.Id, [("x1", "customers"), ("x2", "customers"), ("x3", "customers")], "customers");

        var task = (await mb.Http.GetFromJsonAsync<ReblindTask>(Routes.PsiTasks(ma.Id), Network.Json))!;
        Assert.Equal(task.TaskId, (await mb.Http.GetFromJsonAsync<ReblindTask>(Routes.PsiTasks(ma.Id), Network.Json))!.TaskId);
        var points = await mb.Http.GetByteArrayAsync(Routes.PsiTaskPoints(ma.Id, task.TaskId));
        var tags = new byte[3 * 24];
        for (var i = 0; i < 3; i++) points.AsSpan(i * 40, 8).CopyTo(tags.AsSpan(i * 24));

        await Problem.Expect(await mb.Http.PutAsync(Routes.PsiTaskTags(ma.Id, task.TaskId), Binary(tags[..48])), HttpStatusCode.BadRequest);
        await Problem.Expect(await mb.Http.PutAsync(Routes.PsiTaskTags(ma.Id, task.TaskId), Binary(tags[..50])), HttpStatusCode.BadRequest);
        var reversed = tags[48..].Concat(tags[24..48]).Concat(tags[..24]).ToArray();
        Assert.Contains("not the next point", (await Problem.Expect(await mb.Http.PutAsync(Routes.PsiTaskTags(ma.Id, task.TaskId), Binary(reversed)), HttpStatusCode.BadRequest)).Detail());
        await Problem.Expect(await mb.Http.PutAsync(Routes.PsiTaskTags(ma.Id, Guid.NewGuid()), Binary(tags)), HttpStatusCode.NotFound);
        // A cannot do B's task, nor can an outsider.
        await Problem.Expect(await ma.Http.GetAsync(Routes.PsiTaskPoints(mb.Id, task.TaskId)), HttpStatusCode.NotFound);
        var outsider = await network.AddPartner("Outsider");
        await Problem.Expect(await outsider.Http.GetAsync(Routes.PsiTaskPoints(ma.Id, task.TaskId)), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await mb.Http.PutAsync(Routes.PsiTaskTags(ma.Id, task.TaskId), Binary(tags))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await mb.Http.GetAsync(Routes.PsiTasks(ma.Id))).StatusCode);
    }
}
