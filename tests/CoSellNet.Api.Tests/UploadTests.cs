using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class UploadTests(Network network)
{
    private static ByteArrayContent Binary(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(PsiFormat.ContentType);
        return content;
    }

    /// <summary>Records with random ids and valid points of random accounts.</summary>
    private static byte[] Records(int count)
    {
        var size = PsiFormat.RecordSize(UploadKind.Add);
        var bytes = RandomNumberGenerator.GetBytes(count * size);
        for (var i = 0; i < count; i++)
            Ristretto255.HashToGroup(bytes.AsSpan(i * size, PsiFormat.RecordIdSize), "CoSellNet-test"u8, bytes.AsSpan(i * size + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        return bytes;
    }

    private async Task<(Member A, Member B)> Sharing()
    {
        var (a, b) = await network.AddPartnership();
        (await a.Http.PutAsJsonAsync(Routes.PartnershipAction(b.Id, "rules"), new SetRules([new SharingRule("customers", SharingLevel.Overlaps)]), Network.Json))
            .EnsureSuccessStatusCode();
        return (a, b);
    }

    private static async Task<UploadView> Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonSerializer.Deserialize<UploadView>(body, Network.Json)!;
    }

    [Fact]
    public async Task A_chunked_upload_resumes_and_never_duplicates()
    {
        var (a, b) = await Sharing();
        var id = Guid.NewGuid();
        var records = Records(100);
        var started = await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 100), Network.Json);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);

        Assert.Equal(1, (await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(records[..(60 * 48)])))).NextChunk);
        // The client "crashed"; on restart it asks where the upload stands, replays chunk 0, and goes on.
        var resumed = await Ok(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 100), Network.Json));
        Assert.Equal(60, resumed.ReceivedCount);
        Assert.Equal(60, (await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(records[..(60 * 48)])))).ReceivedCount);
        await Problem.Expect(await a.Http.PostAsync(Routes.PsiCommit(b.Id, id), null), HttpStatusCode.Conflict);
        Assert.Equal(100, (await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(records[(60 * 48)..])))).ReceivedCount);

        Assert.True((await Ok(await a.Http.PostAsync(Routes.PsiCommit(b.Id, id), null))).Committed);
        Assert.True((await Ok(await a.Http.PostAsync(Routes.PsiCommit(b.Id, id), null))).Committed);
        Assert.Equal(100L, await RecordCount(a.Id, b.Id));
    }

    [Fact]
    public async Task Bad_chunks_are_refused_and_what_was_accepted_stays()
    {
        var (a, b) = await Sharing();
        var id = Guid.NewGuid();
        await Ok(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 10), Network.Json));
        var records = Records(10);
        await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(records[..(4 * 48)])));

        var size = await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(new byte[47])), HttpStatusCode.BadRequest);
        Assert.Contains("47 bytes", size.Detail());
        Assert.Contains("expects chunk 1", (await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 5), Binary(records[..48])), HttpStatusCode.Conflict)).Detail());
        await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(records[..(4 * 48 - 48)])), HttpStatusCode.Conflict);
        await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(Records(7))), HttpStatusCode.BadRequest);
        var json = new StringContent("[]", System.Text.Encoding.UTF8, "application/json");
        await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), json), HttpStatusCode.UnsupportedMediaType);

        // Points: the identity, a non-canonical encoding (p, the field prime), and one that decodes to no point.
        byte[] identity = new byte[32];
        byte[] fieldPrime = Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        byte[] notAPoint = Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000");
        foreach (var bad in new[] { identity, fieldPrime, notAPoint })
        {
            var chunk = records[(4 * 48)..(7 * 48)];
            bad.CopyTo(chunk, 48 + 16);
            var problem = await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(chunk)), HttpStatusCode.BadRequest);
            Assert.Contains("record 1 (0-based)", problem.Detail());
            Assert.Contains("not a valid ristretto255 point", problem.Detail());
        }

        // Over 4 MiB, announced by Content-Length or found while reading a body sent without one.
        var oversized = new byte[(4 << 20) + 48];
        Assert.Contains("at most 4,194,304 bytes", (await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(oversized)), HttpStatusCode.RequestEntityTooLarge)).Detail());
        var unannounced = new UnannouncedContent(oversized);
        unannounced.Headers.ContentType = new MediaTypeHeaderValue(PsiFormat.ContentType);
        await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), unannounced), HttpStatusCode.RequestEntityTooLarge);

        // After all that, the 4 accepted records are there and the rest completes the upload.
        Assert.Equal(10, (await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 1), Binary(records[(4 * 48)..])))).ReceivedCount);
        await Ok(await a.Http.PostAsync(Routes.PsiCommit(b.Id, id), null));
        Assert.Equal(10L, await RecordCount(a.Id, b.Id));
    }

    [Fact]
    public async Task Uploads_need_an_active_partnership_a_shared_population_and_a_count_under_the_cap()
    {
        var (a, b) = await Sharing();
        var prospects = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(Guid.NewGuid(), "prospects", UploadKind.Add, 5), Network.Json), HttpStatusCode.Conflict);
        Assert.Contains("prospects", prospects.Detail());
        var cap = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(Guid.NewGuid(), "customers", UploadKind.Add, 2_000_000), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(cap.HasError("count"));

        var id = Guid.NewGuid();
        await Ok(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 2), Network.Json));
        await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 3), Network.Json), HttpStatusCode.Conflict);

        (await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "pause"), null)).EnsureSuccessStatusCode();
        Assert.Contains("paused", (await Problem.Expect(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(Records(2))), HttpStatusCode.Conflict)).Detail());
        (await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "resume"), null)).EnsureSuccessStatusCode();
        await Ok(await a.Http.PutAsync(Routes.PsiChunk(b.Id, id, 0), Binary(Records(2))));
        await Ok(await a.Http.PostAsync(Routes.PsiCommit(b.Id, id), null));
        Assert.Equal(2L, await RecordCount(a.Id, b.Id));

        // Ending the partnership deletes its blinded data.
        (await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "end"), null)).EnsureSuccessStatusCode();
        Assert.Equal(0L, await RecordCount(a.Id, b.Id));
    }

    [Fact]
    public async Task Another_partners_uploads_cannot_be_seen_or_touched()
    {
        var (a, b) = await Sharing();
        var foreign = await network.AddPartner("Snoop");
        var id = Guid.NewGuid();
        await Ok(await a.Http.PostAsJsonAsync(Routes.PsiUploads(b.Id), new StartUpload(id, "customers", UploadKind.Add, 1), Network.Json));

        await Problem.Expect(await b.Http.GetAsync(Routes.PsiUpload(a.Id, id)), HttpStatusCode.NotFound);
        await Problem.Expect(await b.Http.PutAsync(Routes.PsiChunk(a.Id, id, 0), Binary(Records(1))), HttpStatusCode.NotFound);
        foreach (var target in new[] { a.Id, b.Id })
        {
            await Problem.Expect(await foreign.Http.GetAsync(Routes.PsiUpload(target, id)), HttpStatusCode.NotFound);
            await Problem.Expect(await foreign.Http.PutAsync(Routes.PsiChunk(target, id, 0), Binary(Records(1))), HttpStatusCode.NotFound);
            await Problem.Expect(await foreign.Http.PostAsync(Routes.PsiCommit(target, id), null), HttpStatusCode.NotFound);
            await Problem.Expect(await foreign.Http.PostAsJsonAsync(Routes.PsiUploads(target), new StartUpload(id, "customers", UploadKind.Add, 1), Network.Json), HttpStatusCode.NotFound);
        }
        Assert.Equal(0, (await Ok(await a.Http.GetAsync(Routes.PsiUpload(b.Id, id)))).ReceivedCount);
    }

    private async Task<long> RecordCount(string a, string b)
    {
        await using var db = NpgsqlDataSource.Create(network.Node.ConnectionString);
        await using var cmd = db.CreateCommand("SELECT count(*) FROM psi_records WHERE partnership = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = string.CompareOrdinal(a, b) < 0 ? $"{a}|{b}" : $"{b}|{a}" });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>A body sent without Content-Length (chunked transfer), so the node finds its size only by reading it.</summary>
    private sealed class UnannouncedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
