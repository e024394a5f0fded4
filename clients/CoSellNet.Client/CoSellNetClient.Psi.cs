using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CoSellNet.Client;

/// <summary>
/// The private set intersection (see the design's "PSI protocol"): uploads of my blinded list,
/// re-blind tasks for the counterpart's points, and the released results. Every call addresses one
/// partnership by the counterpart's partner id. Points, tags and chunks are opaque bytes here; the
/// blinding and the validation of received points belong to CoSellNet.Crypto.
/// </summary>
/// <remarks>
/// Retries: reads, chunk PUTs and tag PUTs are retried on transient failures like every GET and PUT;
/// the start and commit POSTs are too, because the node deduplicates them (a start by its
/// client-chosen <see cref="StartUpload.UploadId"/>, a commit of a committed upload answers the
/// upload as it stands).
/// </remarks>
public sealed partial class CoSellNetClient
{
    private static readonly MediaTypeWithQualityHeaderValue AcceptBinary = new(PsiFormat.ContentType);
    private static readonly MediaTypeHeaderValue BinaryType = new(PsiFormat.ContentType);

    /// <summary>The items read from the response stream per block when downloading task points.</summary>
    private const int DownloadBlockItems = 1024;

    /// <summary>
    /// Starts an upload of one population of my blinded list, or resumes it: called again with the same
    /// <see cref="StartUpload.UploadId"/> and the same declaration, the node answers the upload as it
    /// stands (send <see cref="UploadView.NextChunk"/> next). Retried on transient failures: a repeated
    /// start never creates a second upload.
    /// </summary>
    /// <exception cref="CoSellNetApiException">409 when the population is not shared with this partner
    /// (or fields are not shared at level fields), the partnership is not active, or the id was used for
    /// another upload; 400 for an invalid declaration (count over the node's cap, empty id).</exception>
    public Task<UploadView> StartUploadAsync(string counterpartId, StartUpload start, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        return PsiJsonAsync<UploadView>(HttpMethod.Post, Routes.PsiUploads(Id(counterpartId, nameof(counterpartId))), JsonContent(start),
            markIdempotent: true, cancellationToken);
    }

    /// <summary>Where one of my uploads stands (which chunk to send next); null when I have no such upload in this partnership (404).</summary>
    public async Task<UploadView?> GetUploadAsync(string counterpartId, Guid uploadId, CancellationToken cancellationToken = default)
    {
        var route = Routes.PsiUpload(Id(counterpartId, nameof(counterpartId)), uploadId);
        try
        {
            return await PsiJsonOrNoneAsync<UploadView>(HttpMethod.Get, route, null, markIdempotent: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CoSellNetApiException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Sends chunk <paramref name="chunk"/> (0, 1, … in order) of an upload: records back to back in the
    /// upload kind's layout (<see cref="PsiFormat"/>: record id ‖ point for add, record id for remove,
    /// record id ‖ length ‖ sealed bytes for fields), at most <see cref="PsiFormat.MaxChunkRecords"/>
    /// records and 4 MiB. Sending a received chunk again with the same bytes is harmless (the node answers
    /// the upload unchanged), so this is retried on transient failures. Keep <paramref name="body"/>
    /// unchanged until the call completes.
    /// </summary>
    /// <returns>The upload after this chunk.</returns>
    /// <exception cref="CoSellNetApiException">409 for a chunk out of order, a received chunk with other
    /// bytes, a committed upload or a changed epoch; 400 for malformed records or more than declared;
    /// 413 for a chunk over 4 MiB; 404 for an upload that is not mine.</exception>
    public Task<UploadView> PutChunkAsync(string counterpartId, Guid uploadId, int chunk, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        var route = Routes.PsiChunk(Id(counterpartId, nameof(counterpartId)), uploadId, chunk);
        return PsiJsonAsync<UploadView>(HttpMethod.Put, route, BinaryContent(body), markIdempotent: false, cancellationToken);
    }

    /// <summary>
    /// Commits a complete upload: its records join (or, for remove, leave) my list in this epoch and the
    /// counterpart gets a re-blind task for them. Committing a committed upload answers it unchanged, so
    /// this is retried on transient failures.
    /// </summary>
    /// <returns>The committed upload.</returns>
    /// <exception cref="CoSellNetApiException">409 when records are missing (the detail names the chunk to send) or the partnership is not active.</exception>
    public Task<UploadView> CommitUploadAsync(string counterpartId, Guid uploadId, CancellationToken cancellationToken = default) =>
        PsiJsonAsync<UploadView>(HttpMethod.Post, Routes.PsiCommit(Id(counterpartId, nameof(counterpartId)), uploadId), null,
            markIdempotent: true, cancellationToken);

    /// <summary>Where the partnership's intersection stands in the current epoch: record counts each way, re-blinding still to do, the release.</summary>
    public Task<PsiStatus> GetPsiStatusAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PsiJsonAsync<PsiStatus>(HttpMethod.Get, Routes.PsiStatus(Id(counterpartId, nameof(counterpartId))), null, markIdempotent: false, cancellationToken);

    /// <summary>
    /// My next re-blind task in this partnership, or null when there is none (204). Asking again before
    /// the task is done returns the same task. With <paramref name="after"/> that task's id: a second
    /// task, the range after it (null when nothing follows), to re-blind while the first one's tags
    /// upload. Send tags in the order the tasks came: the second's are refused (409) while the first's are due.
    /// </summary>
    public Task<ReblindTask?> GetNextTaskAsync(string counterpartId, Guid? after = null, CancellationToken cancellationToken = default)
    {
        var route = Routes.PsiTasks(Id(counterpartId, nameof(counterpartId)));
        return PsiJsonOrNoneAsync<ReblindTask>(HttpMethod.Get, after is { } id ? $"{route}?after={id}" : route, null, markIdempotent: false, cancellationToken);
    }

    /// <summary>
    /// Downloads a task's points, streaming: item i of the body (seq, 8 bytes big-endian ‖ point, 32 bytes)
    /// goes to <paramref name="seqs"/>[i] and <paramref name="points"/>[32·i .. 32·i + 32]. Size the buffers from
    /// <see cref="ReblindTask.Count"/> (after checking it against your own cap); nothing beyond them is buffered.
    /// The points are not validated here: validate each (CoSellNet.Crypto) before use.
    /// </summary>
    /// <param name="counterpartId">The counterpart whose points these are.</param>
    /// <param name="task">The task from <see cref="GetNextTaskAsync"/>.</param>
    /// <param name="seqs">At least <c>task.Count</c> items; the first <c>task.Count</c> are written.</param>
    /// <param name="points">At least <c>task.Count × 32</c> bytes; the first <c>task.Count × 32</c> are written.</param>
    /// <param name="cancellationToken">Cancels the call, including the reading of the body (which the client's timeouts do not cover once the headers are in).</param>
    /// <exception cref="CoSellNetException">The body is not exactly <c>task.Count × 40</c> bytes, or its seqs do not
    /// increase; nothing downloaded may be used then. A short body usually means the counterpart changed
    /// records after the task was issued.</exception>
    /// <exception cref="CoSellNetApiException">404 when the task is not my outstanding task here (done or replaced).</exception>
    public Task DownloadTaskPointsAsync(string counterpartId, ReblindTask task, Memory<long> seqs, Memory<byte> points, CancellationToken cancellationToken = default) =>
        DownloadTaskPointsAsync(counterpartId, task, seqs, points, itemsReceived: null, cancellationToken);

    /// <summary>
    /// Downloads a task's points like <see cref="DownloadTaskPointsAsync(string, ReblindTask, Memory{long}, Memory{byte}, CancellationToken)"/>,
    /// and tells <paramref name="itemsReceived"/> how many items are in the buffers so far after each block read,
    /// so that a caller can start on them while the rest arrives. They still count as unchecked until the
    /// call completes: a body that turns out short or corrupt throws, and nothing of it may be used then.
    /// </summary>
    public async Task DownloadTaskPointsAsync(string counterpartId, ReblindTask task, Memory<long> seqs, Memory<byte> points, Action<int>? itemsReceived,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Count < 0)
            throw new ArgumentException($"Task {task.TaskId} has a negative count ({task.Count}).", nameof(task));
        if (seqs.Length < task.Count)
            throw new ArgumentException($"Room for {task.Count} seqs is needed; the buffer holds {seqs.Length}.", nameof(seqs));
        if (points.Length < (long)task.Count * PsiFormat.PointSize)
            throw new ArgumentException($"Room for {task.Count} × {PsiFormat.PointSize} bytes of points is needed; the buffer holds {points.Length}.", nameof(points));

        var route = Routes.PsiTaskPoints(Id(counterpartId, nameof(counterpartId)), task.TaskId);
        using var response = await PsiSendAsync(HttpMethod.Get, route, null, AcceptBinary, markIdempotent: false,
            HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var what = $"GET {response.RequestMessage?.RequestUri?.AbsolutePath ?? route}";
        var expected = (long)task.Count * PsiFormat.TaskPointSize;
        string Mismatch(long received, string more) =>
            $"{what}: task {task.TaskId} has {task.Count} points, so its body must be exactly {expected} bytes " +
            $"({task.Count} × {PsiFormat.TaskPointSize}: seq 8 ‖ point 32); the node sent {more}{received} bytes. " +
            "Nothing of it may be used. If the counterpart changed records since the task was issued, get the next task and try again.";

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Equals(PsiFormat.ContentType, StringComparison.OrdinalIgnoreCase))
            throw new CoSellNetException($"{what}: the node answered with {mediaType}, not {PsiFormat.ContentType}. Check that the URL points at a CoSellNet node.");
        if (response.Content.Headers.ContentLength is { } declared && declared != expected)
            throw new CoSellNetException(Mismatch(declared, ""));

        var buffer = ArrayPool<byte>.Shared.Rent(DownloadBlockItems * PsiFormat.TaskPointSize);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                long received = 0;
                int pending = 0, item = 0;
                var previous = long.MinValue;
                while (true)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(pending), cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    received += read;
                    if (received > expected) throw new CoSellNetException(Mismatch(received, "at least "));
                    pending += read;
                    var whole = pending / PsiFormat.TaskPointSize;
                    var seqSpan = seqs.Span;
                    var pointSpan = points.Span;
                    for (var i = 0; i < whole; i++, item++)
                    {
                        var at = buffer.AsSpan(i * PsiFormat.TaskPointSize, PsiFormat.TaskPointSize);
                        var seq = BinaryPrimitives.ReadInt64BigEndian(at);
                        if (seq <= previous)
                            throw new CoSellNetException($"{what}: item {item} of task {task.TaskId} has seq {seq}, not after the previous item's {previous}. The body is corrupt; nothing of it may be used.");
                        previous = seq;
                        seqSpan[item] = seq;
                        at[PsiFormat.SeqSize..].CopyTo(pointSpan.Slice(item * PsiFormat.PointSize, PsiFormat.PointSize));
                    }
                    var used = whole * PsiFormat.TaskPointSize;
                    buffer.AsSpan(used, pending - used).CopyTo(buffer);
                    pending -= used;
                    if (whole > 0) itemsReceived?.Invoke(item);
                }
                if (received != expected) throw new CoSellNetException(Mismatch(received, "only "));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Sends a task's tags: one item per downloaded point, in the order the points came: seq (8 bytes,
    /// big-endian, as downloaded) ‖ tag (16 bytes). Retried on transient failures like any PUT; if the
    /// first attempt was stored but its answer lost, the retry is refused with 404 (the task is done):
    /// then ask <see cref="GetNextTaskAsync"/> for what is left.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="seqAndTags"/> is empty or not a whole number of 24-byte items.</exception>
    /// <exception cref="CoSellNetApiException">400 for a count or seq that does not match the task; 409 when the
    /// counterpart changed the task's records (get the next task); 404 when the task is not my outstanding task.</exception>
    public async Task UploadTaskTagsAsync(string counterpartId, Guid taskId, ReadOnlyMemory<byte> seqAndTags, CancellationToken cancellationToken = default)
    {
        if (seqAndTags.Length == 0 || seqAndTags.Length % PsiFormat.TaskTagSize != 0)
            throw new ArgumentException($"Tags are sent as whole {PsiFormat.TaskTagSize}-byte items (seq 8 ‖ tag 16), at least one; got {seqAndTags.Length} bytes.", nameof(seqAndTags));
        var route = Routes.PsiTaskTags(Id(counterpartId, nameof(counterpartId)), taskId);
        using var response = await PsiSendAsync(HttpMethod.Put, route, BinaryContent(seqAndTags), AcceptJson, markIdempotent: false,
            HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The released overlap counts: my populations × the counterpart's populations it shares at least as
    /// counts; a count under its minimum segment size comes as <see cref="MatrixCell.FewerThan"/>. Empty
    /// (release version 0) until both directions are re-blinded.
    /// </summary>
    public Task<OverlapMatrix> GetMatrixAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PsiJsonAsync<OverlapMatrix>(HttpMethod.Get, Routes.PsiMatrix(Id(counterpartId, nameof(counterpartId))), null, markIdempotent: false, cancellationToken);

    /// <summary>
    /// One page of my records that overlap, in record id order, with the counterpart's populations (where it
    /// shares them at level overlaps) and sealed fields (at level fields). Empty when it shares nothing at
    /// level overlaps. A page holds up to <see cref="OverlapPages.MaxPageSize"/> overlaps, more than other lists.
    /// </summary>
    public Task<Page<OverlapRecord>> GetOverlapsAsync(string counterpartId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var route = OverlapsRoute(counterpartId, cursor, limit);
        return PsiJsonAsync<Page<OverlapRecord>>(HttpMethod.Get, route, null, markIdempotent: false, cancellationToken);
    }

    /// <summary>
    /// One page of my overlapping records like <see cref="GetOverlapsAsync"/>, read as an <see cref="OverlapPage"/>:
    /// record ids as bytes and populations shared, for a caller that resolves every overlap (200,000 at
    /// 1M × 1M), where an object, a list and strings per overlap cost more CPU than the lookup they feed.
    /// </summary>
    public async Task<OverlapPage> GetOverlapPageAsync(string counterpartId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var route = OverlapsRoute(counterpartId, cursor, limit);
        using var response = await PsiSendAsync(HttpMethod.Get, route, null, AcceptJson, markIdempotent: false,
            HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var what = $"GET {response.RequestMessage?.RequestUri?.AbsolutePath ?? route}";
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) && !mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            throw new CoSellNetException($"{what}: the node answered with {mediaType}, not JSON. Check that the URL points at a CoSellNet node.");
        // The body into one pooled buffer, parsed in place: no MemoryStream grown page after page (a
        // page of 5,000 is ~0.5 MB, on the large object heap each time).
        var buffer = ArrayPool<byte>.Shared.Rent(response.Content.Headers.ContentLength is { } length and > 0 and < int.MaxValue ? (int)length + 1 : 1 << 20);
        try
        {
            var used = 0;
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    if (used == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, used).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    var read = await stream.ReadAsync(buffer.AsMemory(used), cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    used += read;
                }
            }
            return OverlapPage.Parse(buffer.AsSpan(0, used));
        }
        catch (JsonException e)
        {
            throw new CoSellNetException($"{what}: the node's answer could not be read as a page of overlaps ({e.Message}). Is the client older than the node?", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string OverlapsRoute(string counterpartId, string? cursor, int? limit)
    {
        if (limit is { } l && (l < 1 || l > OverlapPages.MaxPageSize))
            throw new ArgumentOutOfRangeException(nameof(limit), l, $"A page of overlaps holds 1 to {OverlapPages.MaxPageSize} items.");
        var route = WithPaging(Routes.PsiOverlaps(Id(counterpartId, nameof(counterpartId))), cursor, null);
        if (limit is { } n) route += (route.Contains('?', StringComparison.Ordinal) ? "&limit=" : "?limit=") + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return route;
    }

    /// <summary>All my overlapping records, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<OverlapRecord> ListAllOverlapsAsync(string counterpartId, CancellationToken cancellationToken = default)
    {
        Id(counterpartId, nameof(counterpartId));
        return WalkAsync((cursor, ct) => GetOverlapsAsync(counterpartId, cursor, OverlapPages.MaxPageSize, ct), cancellationToken);
    }

    // ---- plumbing for JSON answers, 204s and binary bodies ---------------------------------

    private static ByteArrayContent JsonContent(object body)
    {
        // Bytes, not a stream: a retried request sends the same body again.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, CoSellNetJson.Options.GetTypeInfo(body.GetType())));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static ReadOnlyMemoryContent BinaryContent(ReadOnlyMemory<byte> body)
    {
        // Memory, not a stream: a retried request sends the same bytes again.
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = BinaryType;
        return content;
    }

    /// <summary>Sends a request and reads its JSON answer, which must be there.</summary>
    private async Task<T> PsiJsonAsync<T>(HttpMethod method, string route, HttpContent? content, bool markIdempotent, CancellationToken ct) where T : class =>
        await PsiJsonOrNoneAsync<T>(method, route, content, markIdempotent, ct).ConfigureAwait(false)
        ?? throw new CoSellNetException($"{method} {route}: the node answered 204 No Content where a {typeof(T).Name} was expected. Is the client older than the node?");

    /// <summary>Sends a request and reads its JSON answer; null for 204 No Content.</summary>
    private async Task<T?> PsiJsonOrNoneAsync<T>(HttpMethod method, string route, HttpContent? content, bool markIdempotent, CancellationToken ct) where T : class
    {
        using var response = await PsiSendAsync(method, route, content, AcceptJson, markIdempotent, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        var what = $"{method} {response.RequestMessage?.RequestUri?.AbsolutePath ?? route}";
        // Outside the try: a type the JSON context lacks is a bug here, not a node that answered something else.
        var info = CoSellNetJson.TypeInfo<T>();
        try
        {
            return await response.Content.ReadFromJsonAsync(info, ct).ConfigureAwait(false)
                   ?? throw new CoSellNetException($"{what}: the node answered {(int)response.StatusCode} with an empty body where a {typeof(T).Name} was expected.");
        }
        catch (JsonException e)
        {
            throw new CoSellNetException($"{what}: the node's answer could not be read as {typeof(T).Name} ({e.Message}). Is the client older than the node?", e);
        }
        catch (NotSupportedException e)
        {
            throw new CoSellNetException($"{what}: the node answered with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not JSON. Check that the URL points at a CoSellNet node.", e);
        }
    }

    /// <summary>
    /// Sends a request through the resilience pipeline and returns its successful answer (the caller
    /// disposes it); a refusal throws <see cref="CoSellNetApiException"/>.
    /// </summary>
    private async Task<HttpResponseMessage> PsiSendAsync(HttpMethod method, string route, HttpContent? content, MediaTypeWithQualityHeaderValue accept,
        bool markIdempotent, HttpCompletionOption completion, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, route.TrimStart('/')));
        request.Headers.Accept.Add(accept);
        request.Headers.Accept.Add(AcceptProblem);
        if (_apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Content = content;
        if (markIdempotent) request.Options.Set(CoSellNetResilience.Idempotent, true);

        var what = $"{method} {request.RequestUri!.AbsolutePath}";
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"{what}: the node at {_base} did not answer in time ({e.Timeout.TotalSeconds:0.#} s). Check that it is running and reachable.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new HttpRequestException($"{what}: the node at {_base} failed repeatedly; the client stopped calling it for a short while. Try again shortly.", e);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
            throw await ProblemReader.ReadAsync(response, ct).ConfigureAwait(false);
    }
}
