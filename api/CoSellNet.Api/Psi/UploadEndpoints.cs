using System.Buffers;
using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partnerships;
using CoSellNet.Silo.Psi;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Psi;

/// <summary>
/// Uploads of a partner's blinded list to one partnership: start (client-chosen id), numbered
/// binary chunks in order, commit. Bulk bytes go straight to PostgreSQL by binary COPY; only the
/// partnership's state is asked of a grain, on every request, so pausing or ending takes effect at once.
/// </summary>
public static class UploadEndpoints
{
    public static RouteGroupBuilder MapPsiUploads(this RouteGroupBuilder api)
    {
        var uploads = api.MapGroup("/partnerships/{counterpartId}/psi/uploads").WithTags("Private set intersection")
            .RequireAuthorization(Claims.Policies.Write);

        uploads.MapPost("/", async Task<Results<Created<UploadView>, Ok<UploadView>>> (string counterpartId, StartUpload start, ClaimsPrincipal user, IGrainFactory grains, PsiStore store, PsiLimits limits) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            var v = new Validator();
            v.Require(start.UploadId != Guid.Empty, "uploadId", "is required: choose a new random UUID per upload and reuse it to resume.");
            v.Require(Enum.IsDefined(start.Kind), "kind", "must be add or remove.");
            v.Require(start.Count is >= 1, "count", "must be at least 1.");
            v.Require(start.Count <= limits.MaxListSize, "count", $"is over this node's cap of {limits.MaxListSize:N0} records per upload; split the list or ask the operator.");
            v.ThrowIfInvalid();
            var rule = partnership.Mine.Rules.FirstOrDefault(r => r.Population == start.Population);
            // Removing is always allowed: after a rule stops sharing a population, its records must be able to leave.
            if (start.Kind != UploadKind.Remove && (rule is null || rule.Level < SharingLevel.Counts))
                throw ProblemException.Conflict("Population not shared",
                    $"Your sharing rules do not share '{start.Population}' with this partner. Set a rule of at least 'counts' for it first (PUT {Routes.PartnershipAction(counterpartId, "rules")}).");

            if (start.Kind == UploadKind.Fields && rule!.Level < SharingLevel.Fields)
                throw ProblemException.Conflict("Fields not shared",
                    $"You share '{start.Population}' with this partner at level {rule.Level.ToString().ToLowerInvariant()}; sealed fields are only uploaded for populations shared at level fields.");
            var requested = new PsiUpload(start.UploadId, partnership.Id, partnership.Epoch, me, start.Population, start.Kind, start.Count, 0, 0, null);
            var stored = await store.CreateUpload(requested);
            if (stored.Owner != me || stored.Partnership != partnership.Id)
                throw ProblemException.Conflict("Upload id taken", "This upload id is already used. Choose a new random UUID.");
            if (stored.Epoch != requested.Epoch || stored.Population != requested.Population || stored.Kind != requested.Kind || stored.DeclaredCount != requested.DeclaredCount)
                throw ProblemException.Conflict("Upload id used for another upload",
                    $"Upload {start.UploadId} was started for {stored.Kind.ToString().ToLowerInvariant()} of {stored.DeclaredCount} '{stored.Population}' records in epoch {stored.Epoch}. Resume that one, or start a new upload with a new id.");
            return stored.ReceivedCount == 0 && stored.Chunks == 0 && stored.CommittedAt is null
                ? TypedResults.Created(Routes.PsiUpload(counterpartId, start.UploadId), stored.ToView())
                : TypedResults.Ok(stored.ToView());
        })
        .WithSummary("Start or resume an upload of blinded records");

        uploads.MapGet("/{uploadId:guid}", async Task<Ok<UploadView>> (string counterpartId, Guid uploadId, ClaimsPrincipal user, IGrainFactory grains, PsiStore store) =>
            TypedResults.Ok((await Mine(grains, store, user.PrincipalId(), counterpartId, uploadId)).ToView()))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Where an upload stands (which chunk to send next)");

        uploads.MapPut("/{uploadId:guid}/chunks/{chunk:int}", async Task<Ok<UploadView>> (string counterpartId, Guid uploadId, int chunk, HttpContext http, ClaimsPrincipal user, IGrainFactory grains, PsiStore store) =>
        {
            var me = user.PrincipalId();
            var upload = await Mine(grains, store, me, counterpartId, uploadId);
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            if (upload.Epoch != partnership.Epoch)
                throw ProblemException.Conflict("Epoch changed", $"The partnership moved to epoch {partnership.Epoch}; this upload was for epoch {upload.Epoch}. Blind again with the new epoch's key and start a new upload.");
            if (chunk < 0) throw ProblemException.Invalid("chunk", "must be 0 or more.");
            var (buffer, length) = await ReadChunk(http);
            ChunkOutcome outcome;
            PsiUpload after;
            try
            {
                var body = buffer.AsMemory(0, length);
                (outcome, after) = await store.AddChunk(uploadId, chunk, body, ChunkItems.Parse(upload.Kind, body));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return outcome switch
            {
                ChunkOutcome.Accepted or ChunkOutcome.Replayed => TypedResults.Ok(after.ToView()),
                ChunkOutcome.Conflict => throw ProblemException.Conflict("Chunk already received",
                    $"Chunk {chunk} was already received with different content. Chunks are immutable: send chunk {after.Chunks} next, or start a new upload."),
                ChunkOutcome.OutOfOrder => throw ProblemException.Conflict("Chunk out of order",
                    $"This upload expects chunk {after.Chunks} next, not {chunk}. Send chunks in order from {after.Chunks}."),
                ChunkOutcome.OverCount => throw ProblemException.Invalid("body",
                    $"This chunk would bring the upload to more than the {after.DeclaredCount} records it declared ({after.ReceivedCount} received so far)."),
                _ => throw ProblemException.Conflict("Upload committed", "This upload is already committed; start a new upload for further changes."),
            };
        })
        .Accepts<byte[]>(PsiFormat.ContentType)
        .WithSummary("Send one chunk of records")
        .WithDescription("Body: application/octet-stream, records back to back: record id (16 bytes) ‖ point (32 bytes) for add; record id for remove; record id ‖ length (2 bytes, big-endian) ‖ sealed bytes for fields. At most 65,536 records and 4 MiB. Chunks go in order from 0; resending a received chunk with the same bytes is harmless.");

        uploads.MapPost("/{uploadId:guid}/commit", async Task<Ok<UploadView>> (string counterpartId, Guid uploadId, ClaimsPrincipal user, IGrainFactory grains, PsiStore store) =>
        {
            var me = user.PrincipalId();
            var upload = await Mine(grains, store, me, counterpartId, uploadId);
            await PsiAccess.Exchanging(grains, me, counterpartId);
            if (upload.CommittedAt is null && upload.ReceivedCount != upload.DeclaredCount)
                throw ProblemException.Conflict("Upload incomplete",
                    $"{upload.ReceivedCount} of {upload.DeclaredCount} declared records were received. Send chunk {upload.Chunks} and on, then commit.");
            var committed = await store.Commit(uploadId);
            await grains.GetGrain<IOverlapGrain>(OverlapKey.For(committed.Partnership, committed.Epoch)).Committed(me);
            return TypedResults.Ok(committed.ToView());
        })
        .WithSummary("Commit a complete upload (idempotent)");

        return api;
    }

    private static async Task<PsiUpload> Mine(IGrainFactory grains, PsiStore store, string me, string counterpartId, Guid uploadId)
    {
        var partnership = PsiAccess.Key(me, counterpartId);
        var upload = await store.FindUpload(uploadId);
        if (upload is null || upload.Owner != me || upload.Partnership != partnership)
            throw ProblemException.NotFound("Upload", $"You have no upload {uploadId} in this partnership. Start one with POST {Routes.PsiUploads(counterpartId)}.");
        return upload;
    }

    /// <summary>The largest chunk body: a full chunk of the largest fixed-size records, or of sealed fields.</summary>
    private const int MaxChunkBytes = 4 << 20;

    /// <summary>
    /// The chunk's body in a buffer rented from the shared pool (return it when done): chunks are
    /// up to megabytes, and a fresh array per chunk was a large-object allocation per request
    /// (1M records: 62 of them a side), which only full collections reclaim.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadChunk(HttpContext http)
    {
        if (!string.Equals(http.Request.ContentType, PsiFormat.ContentType, StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException($"Send chunks as {PsiFormat.ContentType}.", StatusCodes.Status415UnsupportedMediaType);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxChunkBytes;
        var tooLarge = $"A chunk is at most {MaxChunkBytes:N0} bytes and {PsiFormat.MaxChunkRecords:N0} records; split it.";
        if (http.Request.ContentLength > MaxChunkBytes) throw new BadHttpRequestException(tooLarge, StatusCodes.Status413PayloadTooLarge);
        // Sized from Content-Length (one byte more, so that a body longer than it announced shows);
        // without one, grown by doubling up to the limit.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((http.Request.ContentLength ?? 64 << 10) + 1, 1, MaxChunkBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > MaxChunkBytes) throw new BadHttpRequestException(tooLarge, StatusCodes.Status413PayloadTooLarge);
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxChunkBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await http.Request.Body.ReadAsync(buffer.AsMemory(length));
                if (read == 0) break;
                length += read;
            }
            if (length > MaxChunkBytes) throw new BadHttpRequestException(tooLarge, StatusCodes.Status413PayloadTooLarge);
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

/// <summary>Caps on blinded lists (configuration section <c>Psi</c>).</summary>
public sealed class PsiLimits
{
    public const string Section = "Psi";
    /// <summary>Most records one upload may declare.</summary>
    public int MaxListSize { get; set; } = 1_000_000;
}
