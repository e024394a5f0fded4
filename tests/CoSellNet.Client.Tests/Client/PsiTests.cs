using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using Polly;

namespace CoSellNet.Client.Tests.Client;

/// <summary>
/// The PSI half of the client over canned HTTP answers: what goes on the wire (methods, paths,
/// content types, JSON and binary bodies), 204s, the streamed download and its length checks,
/// ProblemDetails, and which PSI calls the resilience pipeline repeats.
/// </summary>
public sealed class PsiTests
{
    private static readonly Guid UploadId = Guid.Parse("0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b");
    private static readonly Guid TaskId = Guid.Parse("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d");
    private static readonly string Base = $"/api/v1/partnerships/{Samples.ThemId}/psi";

    private static UploadView View(int received = 0, int next = 0, bool committed = false) =>
        new(UploadId, 1, "customers", UploadKind.Add, 100, received, next, committed);

    /// <summary>An answer with a binary body; with <paramref name="trickle"/>, streamed a few bytes per read and without a Content-Length.</summary>
    private static Func<HttpRequestMessage, HttpResponseMessage> Binary(byte[] body, int trickle = 0) => _ =>
    {
        HttpContent content = trickle > 0 ? new StreamContent(new TrickleStream(body, trickle)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(PsiFormat.ContentType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    };

    private static HttpResponseMessage NoContent() => new(HttpStatusCode.NoContent);

    /// <summary>Task items as the node sends them: seq (8, big-endian) ‖ point (32).</summary>
    private static byte[] TaskBody(params long[] seqs)
    {
        var body = new byte[seqs.Length * PsiFormat.TaskPointSize];
        for (var i = 0; i < seqs.Length; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(i * 40), seqs[i]);
            body.AsSpan(i * 40 + 8, 32).Fill((byte)(i + 1));
        }
        return body;
    }

    private static byte[] BytesOf(HttpRequestMessage request) => request.Content!.ReadAsByteArrayAsync().GetAwaiter().GetResult();

    // ---- uploads ----------------------------------------------------------------------------

    [Fact]
    public async Task Starting_an_upload_posts_the_declaration_as_camel_case_json()
    {
        var node = new StubNode().Json(HttpStatusCode.Created, View());
        using var client = node.Client();

        var view = await client.StartUploadAsync(Samples.ThemId, new StartUpload(UploadId, "customers", UploadKind.Add, 100));

        var request = Assert.Single(node.Received);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"{Base}/uploads", request.PathAndQuery);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal($$"""{"uploadId":"{{UploadId}}","population":"customers","kind":"add","count":100}""", request.Body);
        Assert.Equal(UploadId, view.UploadId);
        Assert.Equal(0, view.NextChunk);
    }

    [Fact]
    public async Task A_start_is_retried_after_a_server_failure_because_its_id_makes_it_idempotent()
    {
        var node = new StubNode()
            .Problem(503, "Unavailable", "The silo is starting.")
            .Json(HttpStatusCode.OK, View(received: 60, next: 1));
        using var client = node.Client();

        var view = await client.StartUploadAsync(Samples.ThemId, new StartUpload(UploadId, "customers", UploadKind.Add, 100));

        Assert.Equal(1, view.NextChunk);
        Assert.Equal(2, node.Received.Count);
        Assert.All(node.Received, r => Assert.Equal(HttpMethod.Post, r.Method));
        Assert.Equal(node.Received[0].Body, node.Received[1].Body);
    }

    [Fact]
    public async Task Other_posts_are_still_not_repeated_after_a_server_failure()
    {
        var node = new StubNode()
            .Problem(503, "Unavailable", "The silo is starting.")
            .Json(HttpStatusCode.OK, Samples.Partnership(epoch: 2));
        using var client = node.Client();

        await Assert.ThrowsAsync<CoSellNetApiException>(() => client.RotatePartnershipAsync(Samples.ThemId));

        Assert.Single(node.Received);
    }

    [Fact]
    public async Task A_chunk_is_put_as_octet_stream_with_its_exact_bytes_and_retried_with_the_same_bytes()
    {
        var chunk = new byte[2 * 48];
        for (var i = 0; i < chunk.Length; i++) chunk[i] = (byte)(255 - i); // not valid UTF-8: compared as bytes
        var bodies = new List<byte[]>();
        var node = new StubNode()
            .Answer(r => { bodies.Add(BytesOf(r)); return StubNode.Response(HttpStatusCode.ServiceUnavailable, "", "text/plain"); })
            .Answer(r => { bodies.Add(BytesOf(r)); return StubNode.Response(HttpStatusCode.OK, JsonSerializer.Serialize(View(2, 4), ReflectionJson.Options), "application/json"); });
        using var client = node.Client();

        var view = await client.PutChunkAsync(Samples.ThemId, UploadId, 3, chunk.AsMemory());

        Assert.Equal(4, view.NextChunk);
        Assert.Equal(2, node.Received.Count);
        Assert.All(node.Received, r =>
        {
            Assert.Equal(HttpMethod.Put, r.Method);
            Assert.Equal($"{Base}/uploads/{UploadId}/chunks/3", r.PathAndQuery);
            Assert.Equal("application/octet-stream", r.ContentType);
        });
        Assert.Equal(chunk, bodies[0]);
        Assert.Equal(chunk, bodies[1]);
    }

    [Fact]
    public async Task A_chunk_out_of_order_is_a_conflict_with_the_nodes_words_and_is_not_retried()
    {
        var node = new StubNode().Problem(409, "Chunk out of order", "This upload expects chunk 1 next, not 3. Send chunks in order from 1.");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.PutChunkAsync(Samples.ThemId, UploadId, 3, new byte[48]));

        Assert.Equal(409, e.Status);
        Assert.Equal("Chunk out of order", e.Title);
        Assert.Contains("expects chunk 1 next", e.Detail);
        Assert.Equal("PUT", e.Method);
        Assert.Equal($"{Base}/uploads/{UploadId}/chunks/3", e.Path);
        Assert.Single(node.Received);
    }

    [Fact]
    public async Task A_negative_chunk_number_is_refused_before_sending()
    {
        var node = new StubNode();
        using var client = node.Client();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.PutChunkAsync(Samples.ThemId, UploadId, -1, new byte[48]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PutChunkAsync(" ", UploadId, 0, new byte[48]));

        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task A_commit_posts_no_body_and_is_retried_because_committing_twice_is_harmless()
    {
        var node = new StubNode()
            .Throw(() => new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."))
            .Json(HttpStatusCode.OK, View(100, 3, committed: true));
        using var client = node.Client();

        var view = await client.CommitUploadAsync(Samples.ThemId, UploadId);

        Assert.True(view.Committed);
        Assert.Equal(2, node.Received.Count);
        Assert.All(node.Received, r =>
        {
            Assert.Equal(HttpMethod.Post, r.Method);
            Assert.Equal($"{Base}/uploads/{UploadId}/commit", r.PathAndQuery);
            Assert.Null(r.Body);
        });
    }

    [Fact]
    public async Task Getting_an_upload_that_does_not_exist_gives_null()
    {
        var node = new StubNode()
            .Problem(404, "Upload not found", "You have no upload in this partnership.")
            .Json(HttpStatusCode.OK, View(60, 1));
        using var client = node.Client();

        Assert.Null(await client.GetUploadAsync(Samples.ThemId, UploadId));
        Assert.Equal(60, (await client.GetUploadAsync(Samples.ThemId, UploadId))!.ReceivedCount);

        Assert.All(node.Received, r => Assert.Equal($"{Base}/uploads/{UploadId}", r.PathAndQuery));
    }

    [Fact]
    public async Task Other_refusals_of_get_upload_still_throw()
    {
        var node = new StubNode().Problem(403, "Forbidden", "This key may not read.");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetUploadAsync(Samples.ThemId, UploadId));

        Assert.Equal(403, e.Status);
    }

    // ---- status and tasks -------------------------------------------------------------------

    [Fact]
    public async Task Status_is_read_from_the_psi_root()
    {
        var released = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var node = new StubNode().Json(HttpStatusCode.OK, new PsiStatus(2, 15, 13, 0, 4, 1, released));
        using var client = node.Client();

        var status = await client.GetPsiStatusAsync(Samples.ThemId);

        Assert.Equal(Base, Assert.Single(node.Received).PathAndQuery);
        Assert.Equal((2, 15L, 13L, 4L, 1), (status.Epoch, status.MyRecords, status.TheirRecords, status.TheirRecordsAwaitingMe, status.ReleaseVersion));
        Assert.Equal(released, status.ReleasedAt);
    }

    [Fact]
    public async Task No_task_is_null_and_a_task_is_read()
    {
        var node = new StubNode()
            .Answer(_ => NoContent())
            .Json(HttpStatusCode.OK, new ReblindTask(TaskId, 1, 3));
        using var client = node.Client();

        Assert.Null(await client.GetNextTaskAsync(Samples.ThemId));
        var task = await client.GetNextTaskAsync(Samples.ThemId);

        Assert.Equal(new ReblindTask(TaskId, 1, 3), task);
        Assert.All(node.Received, r => Assert.Equal((HttpMethod.Get, $"{Base}/tasks"), (r.Method, r.PathAndQuery)));
    }

    [Fact]
    public async Task A_no_content_where_a_body_is_required_is_a_clear_error()
    {
        var node = new StubNode().Answer(_ => NoContent());
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() => client.GetMatrixAsync(Samples.ThemId));

        Assert.Contains("204 No Content where a OverlapMatrix was expected", e.Message);
    }

    // ---- task points ------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]  // one buffered body with a Content-Length
    [InlineData(7)]  // streamed 7 bytes per read, items split across reads, no Content-Length
    [InlineData(40)]
    public async Task Task_points_are_split_into_seqs_and_points(int trickle)
    {
        var accept = "";
        var node = new StubNode().Answer(r =>
        {
            accept = r.Headers.Accept.ToString();
            return Binary(TaskBody(5, 6, 9), trickle)(r);
        });
        using var client = node.Client();
        var seqs = new long[4];
        var points = new byte[4 * 32];

        await client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 3), seqs, points);

        var request = Assert.Single(node.Received);
        Assert.Equal((HttpMethod.Get, $"{Base}/tasks/{TaskId}/points"), (request.Method, request.PathAndQuery));
        Assert.Contains("application/octet-stream", accept);
        Assert.Equal([5L, 6L, 9L, 0L], seqs);
        for (var i = 0; i < 3; i++) Assert.All(points[(i * 32)..((i + 1) * 32)], b => Assert.Equal((byte)(i + 1), b));
        Assert.All(points[96..], b => Assert.Equal(0, b)); // nothing written past Count
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public async Task A_short_body_is_refused_naming_the_expected_length(int trickle)
    {
        var node = new StubNode().Answer(Binary(TaskBody(1, 2), trickle));
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 3), new long[3], new byte[96]));

        Assert.Contains("exactly 120 bytes", e.Message);
        Assert.Matches("sent (only )?80 bytes", e.Message); // by Content-Length, or by counting the stream
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task A_long_body_is_refused_without_writing_past_the_buffers(int trickle)
    {
        var node = new StubNode().Answer(Binary(TaskBody(1, 2, 3, 4), trickle));
        using var client = node.Client();
        var seqs = new long[2];
        var points = new byte[64];

        var e = await Assert.ThrowsAsync<CoSellNetException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 2), seqs, points));

        Assert.Contains("exactly 80 bytes", e.Message);
    }

    [Fact]
    public async Task A_body_that_is_not_a_whole_number_of_items_is_refused()
    {
        var node = new StubNode().Answer(Binary(TaskBody(1, 2)[..79], trickle: 9));
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 2), new long[2], new byte[64]));

        Assert.Contains("only 79 bytes", e.Message);
    }

    [Fact]
    public async Task Seqs_that_do_not_increase_are_refused()
    {
        var node = new StubNode().Answer(Binary(TaskBody(4, 4)));
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 2), new long[2], new byte[64]));

        Assert.Contains("item 1", e.Message);
    }

    [Fact]
    public async Task A_json_answer_where_points_are_expected_is_a_clear_error()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new ReblindTask(TaskId, 1, 1));
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 1), new long[1], new byte[32]));

        Assert.Contains("not application/octet-stream", e.Message);
    }

    [Fact]
    public async Task Buffers_too_small_for_the_task_are_refused_before_sending()
    {
        var node = new StubNode();
        using var client = node.Client();
        var task = new ReblindTask(TaskId, 1, 3);

        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadTaskPointsAsync(Samples.ThemId, task, new long[2], new byte[96]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadTaskPointsAsync(Samples.ThemId, task, new long[3], new byte[95]));

        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task A_task_that_is_done_is_a_not_found_problem()
    {
        var node = new StubNode().Problem(404, "Re-blind task not found", "Task is not your outstanding task here: it was completed or replaced.");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() =>
            client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 1), new long[1], new byte[32]));

        Assert.Equal(404, e.Status);
        Assert.Equal("Re-blind task not found", e.Title);
        Assert.Single(node.Received);
    }

    [Fact]
    public async Task A_download_is_retried_when_the_node_was_unavailable()
    {
        var node = new StubNode()
            .Problem(503, "Unavailable", "Starting.")
            .Answer(Binary(TaskBody(1)));
        using var client = node.Client();
        var seqs = new long[1];

        await client.DownloadTaskPointsAsync(Samples.ThemId, new ReblindTask(TaskId, 1, 1), seqs, new byte[32]);

        Assert.Equal(1L, seqs[0]);
        Assert.Equal(2, node.Received.Count);
    }

    // ---- tags -------------------------------------------------------------------------------

    [Fact]
    public async Task Tags_are_put_as_octet_stream_and_a_204_completes()
    {
        var tags = new byte[2 * 24];
        for (var i = 0; i < tags.Length; i++) tags[i] = (byte)(200 + i % 50);
        byte[]? sent = null;
        var node = new StubNode().Answer(r => { sent = BytesOf(r); return NoContent(); });
        using var client = node.Client();

        await client.UploadTaskTagsAsync(Samples.ThemId, TaskId, tags);

        var request = Assert.Single(node.Received);
        Assert.Equal((HttpMethod.Put, $"{Base}/tasks/{TaskId}/tags", "application/octet-stream"), (request.Method, request.PathAndQuery, request.ContentType));
        Assert.Equal(tags, sent);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(23)]
    [InlineData(50)]
    public async Task Tags_that_are_not_whole_items_are_refused_before_sending(int length)
    {
        var node = new StubNode();
        using var client = node.Client();

        await Assert.ThrowsAsync<ArgumentException>(() => client.UploadTaskTagsAsync(Samples.ThemId, TaskId, new byte[length]));

        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task Tags_the_node_refuses_carry_the_field_errors()
    {
        var node = new StubNode().Problem(400, "The request is not valid", "See errors.",
            extra: ""","errors":{"body":["has 2 tags; this task has 3 points and needs exactly one tag per point, in the order they were sent."]}""");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.UploadTaskTagsAsync(Samples.ThemId, TaskId, new byte[48]));

        Assert.Equal(400, e.Status);
        Assert.Contains("this task has 3 points", Assert.Single(e.Errors["body"]));
        Assert.Single(node.Received);
    }

    // ---- results ----------------------------------------------------------------------------

    [Fact]
    public async Task The_matrix_reads_counts_and_fewer_than_cells()
    {
        var node = new StubNode().RawJson(HttpStatusCode.OK, """
            {"epoch":1,"releaseVersion":2,"releasedAt":"2026-03-02T10:00:00+00:00","cells":[
              {"myPopulation":"customers","theirPopulation":"customers","count":5,"fewerThan":null},
              {"myPopulation":"prospects","theirPopulation":"customers","count":null,"fewerThan":3}]}
            """);
        using var client = node.Client();

        var matrix = await client.GetMatrixAsync(Samples.ThemId);

        Assert.Equal($"{Base}/matrix", Assert.Single(node.Received).PathAndQuery);
        Assert.Equal(2, matrix.ReleaseVersion);
        Assert.Equal(new MatrixCell("customers", "customers", 5, null), matrix.Cells[0]);
        Assert.Equal(new MatrixCell("prospects", "customers", null, 3), matrix.Cells[1]);
    }

    [Fact]
    public async Task One_page_of_overlaps_passes_cursor_and_limit()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<OverlapRecord>(
            [new OverlapRecord("00ff", "customers", ["customers", "opportunities"], [new SharedFields("ab01", "customers", "c2VhbGVk")])], "00ff"));
        using var client = node.Client();

        var page = await client.GetOverlapsAsync(Samples.ThemId, "00aa", 2);

        Assert.Equal($"{Base}/overlaps?cursor=00aa&limit=2", Assert.Single(node.Received).PathAndQuery);
        var overlap = Assert.Single(page.Items);
        Assert.Equal(["customers", "opportunities"], overlap.TheirPopulations);
        Assert.Equal("c2VhbGVk", Assert.Single(overlap.Fields).Sealed);
        Assert.Equal("00ff", page.NextCursor);
    }

    [Fact]
    public async Task Listing_all_overlaps_follows_cursors()
    {
        static OverlapRecord O(string id) => new(id, "customers", ["customers"], []);
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<OverlapRecord>([O("01"), O("02")], "02"))
            .Json(HttpStatusCode.OK, new Page<OverlapRecord>([O("03")], null));
        using var client = node.Client();

        var ids = new List<string>();
        await foreach (var o in client.ListAllOverlapsAsync(Samples.ThemId)) ids.Add(o.RecordId);

        Assert.Equal(["01", "02", "03"], ids);
        Assert.Equal([$"{Base}/overlaps?limit=5000", $"{Base}/overlaps?cursor=02&limit=5000"], node.Received.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task A_page_of_overlaps_read_for_resolving_has_id_bytes_shared_populations_and_fields()
    {
        const string id1 = "000102030405060708090a0b0c0d0e0f", id2 = "F0E1D2C3B4A5968778695A4B3C2D1E0F";
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<OverlapRecord>(
        [
            new OverlapRecord(id1, "customers", ["customers", "opportunities"], [new SharedFields("ab01", "customers", "c2VhbGVk")]),
            new OverlapRecord("00ff", "prospects", ["customers"], []),
            new OverlapRecord(id2, "customers", ["customers", "opportunities"], []),
        ], "bmV4dA"));
        using var client = node.Client();

        var page = await client.GetOverlapPageAsync(Samples.ThemId, "00aa", 3);

        Assert.Equal($"{Base}/overlaps?cursor=00aa&limit=3", Assert.Single(node.Received).PathAndQuery);
        Assert.Equal(3, page.Count);
        Assert.Equal("bmV4dA", page.NextCursor);
        // Ids as bytes, any case of hex; one that is not 32 hex digits is all zeros (no record of mine).
        Assert.Equal(Convert.FromHexString(id1 + new string('0', 32) + id2), page.RecordIds.ToArray());
        Assert.Equal(["customers", "prospects", "customers"], Enumerable.Range(0, 3).Select(page.MyPopulation));
        Assert.Same(page.MyPopulation(0), page.MyPopulation(2));
        Assert.Equal(["customers", "opportunities"], page.TheirPopulations(0));
        Assert.Same(page.TheirPopulations(0), page.TheirPopulations(2));
        Assert.Equal(["customers"], page.TheirPopulations(1));
        Assert.Equal(new SharedFields("ab01", "customers", "c2VhbGVk"), Assert.Single(page.Fields(0)));
        Assert.Empty(page.Fields(1));
    }

    [Fact]
    public void A_page_of_overlaps_is_read_as_the_serializer_reads_it_names_in_any_case_escapes_and_unknown_members()
    {
        var json = """
            {"Items":[{"extra":{"a":[1,{"b":null}]},"RECORDID":"\u003000102030405060708090a0b0c0d0e0f","myPopulation":"\u0063ustomers",
                       "theirPopulations":null,"fields":null},
                      {"recordId":null,"myPopulation":"customers","theirPopulations":["prospects"],"fields":[{"sealed":"eA==","theirRecordId":"01","theirPopulation":"prospects","more":true}]}],
             "total":2,"nextCursor":null}
            """u8;

        var page = OverlapPage.Parse(json);

        Assert.Equal(2, page.Count);
        Assert.Null(page.NextCursor);
        Assert.Equal(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"), page.RecordIds[..16].ToArray());
        Assert.Equal(new byte[16], page.RecordIds[16..].ToArray());
        Assert.Equal("customers", page.MyPopulation(0));
        Assert.Same(page.MyPopulation(0), page.MyPopulation(1));
        Assert.Empty(page.TheirPopulations(0));
        Assert.Empty(page.Fields(0));
        Assert.Equal(new SharedFields("01", "prospects", "eA=="), Assert.Single(page.Fields(1)));
        Assert.Equal(0, OverlapPage.Parse("""{"items":[],"nextCursor":null}"""u8).Count);
    }

    [Theory]
    [InlineData("""{"items":[{"recordId":"00","myPopulation":1}],"nextCursor":null}""")]
    [InlineData("""{"items":[{"recordId":"00",""")]
    [InlineData("""[]""")]
    public async Task A_page_of_overlaps_that_is_not_one_is_refused_with_what_was_wrong(string body)
    {
        var node = new StubNode().RawJson(HttpStatusCode.OK, body);
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() => client.GetOverlapPageAsync(Samples.ThemId));

        Assert.Contains("could not be read as a page of overlaps", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(OverlapPages.MaxPageSize + 1)]
    public async Task A_page_of_overlaps_holds_1_to_5000_and_a_larger_limit_is_refused_before_sending(int limit)
    {
        var node = new StubNode();
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetOverlapsAsync(Samples.ThemId, null, limit));

        Assert.Contains("1 to 5000", e.Message);
        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task Overlaps_of_a_paused_partnership_are_a_conflict()
    {
        var node = new StubNode().Problem(409, "Partnership paused", "This partnership is paused; nothing is exchanged until it is resumed.");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(async () =>
        {
            await foreach (var _ in client.ListAllOverlapsAsync(Samples.ThemId)) { }
        });

        Assert.Equal((409, "Partnership paused"), (e.Status, e.Title));
    }

    // ---- the retry rule for marked requests -------------------------------------------------

    [Theory]
    [InlineData(503, true)]
    [InlineData(500, true)]
    [InlineData(409, false)]
    [InlineData(400, false)]
    public void A_post_marked_idempotent_is_retried_like_a_put(int status, bool retried)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        using var marked = new HttpRequestMessage(HttpMethod.Post, "http://node.test/x");
        marked.Options.Set(CoSellNetResilience.Idempotent, true);
        using var plain = new HttpRequestMessage(HttpMethod.Post, "http://node.test/x");

        Assert.Equal(retried, CoSellNetResilience.ShouldRetry(marked, Outcome.FromResult(response), TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow));
        Assert.False(CoSellNetResilience.ShouldRetry(plain, Outcome.FromResult(response), TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow));
    }

    /// <summary>A non-seekable stream that hands out at most a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int step) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(step, count), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
    }
}
