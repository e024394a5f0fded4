using System.Buffers;
using System.Buffers.Binary;
using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Psi;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Psi;

/// <summary>
/// Re-blind tasks: a partner fetches the counterpart's points, multiplies them by its own key on
/// its own machine, and sends back one tag per point. Points stream out of PostgreSQL; tags go
/// back in by binary COPY.
/// </summary>
public static class TaskEndpoints
{
    public static RouteGroupBuilder MapPsiTasks(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/partnerships/{counterpartId}/psi/tasks").WithTags("Private set intersection")
            .RequireAuthorization(Claims.Policies.Write);

        tasks.MapGet("/", async Task<Results<Ok<ReblindTask>, NoContent>> (string counterpartId, Guid? after, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            var task = await PsiAccess.Overlap(grains, partnership).NextTask(me, after);
            return task is null ? TypedResults.NoContent() : TypedResults.Ok(new ReblindTask(task.TaskId, partnership.Epoch, task.Count));
        })
        .WithSummary("My next re-blind task (204 when there is none)")
        .WithDescription("Without 'after': my first outstanding task, or a new one. With 'after' = that task's id: a second task, the range after it, " +
                         "to re-blind while the first one's tags upload (204 when nothing follows it). Tags go in the order the tasks were issued.");

        tasks.MapGet("/{taskId:guid}/points", async (string counterpartId, Guid taskId, HttpContext http, ClaimsPrincipal user, IGrainFactory grains, ReblindStore store) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            var task = await PsiAccess.Overlap(grains, partnership).GetTask(me, taskId);
            http.Response.ContentType = PsiFormat.ContentType;
            await store.WritePoints(partnership.Id, partnership.Epoch, task, http.Response.Body, http.RequestAborted);
        })
        .Produces(StatusCodes.Status200OK, contentType: PsiFormat.ContentType)
        .WithSummary("The task's points: seq (8 bytes, big-endian) ‖ point (32 bytes) each, in order");

        tasks.MapPut("/{taskId:guid}/tags", async Task<NoContent> (string counterpartId, Guid taskId, HttpContext http, ClaimsPrincipal user, IGrainFactory grains, ReblindStore store) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            var overlap = PsiAccess.Overlap(grains, partnership);
            var task = await overlap.TaskForTags(me, taskId);
            var (buffer, length) = await ReadTags(http, task);
            try
            {
                var body = buffer.AsMemory(0, length);
                if (body.Length / PsiFormat.TaskTagSize != task.Count)
                {
                    // Records in the task's range may have changed since it was issued: then the task is stale, not the client wrong.
                    if (await store.InRange(partnership.Id, partnership.Epoch, task) < task.Count)
                    {
                        await overlap.DropTask(me, taskId);
                        throw ProblemException.Conflict("Task changed", "The counterpart changed records of this task after it was issued. Get the next task and re-blind that.");
                    }
                    throw ProblemException.Invalid("body", $"has {body.Length / PsiFormat.TaskTagSize} tags; this task has {task.Count} points and needs exactly one tag per point, in the order they were sent.");
                }
                CheckSequence(body.Span, task);
                await store.StoreTags(partnership.Id, partnership.Epoch, task, body);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            await overlap.TaskDone(me, taskId);
            return TypedResults.NoContent();
        })
        .Accepts<byte[]>(PsiFormat.ContentType)
        .WithSummary("The task's tags: seq ‖ tag (16 bytes) per point, in the order the points came");

        return api;
    }


    /// <summary>
    /// The tags' body in a buffer rented from the shared pool (return it when done): a full task's
    /// tags are 1.5 MB, and a fresh array per task was a large-object allocation per request,
    /// which only full collections reclaim.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadTags(HttpContext http, ReblindRange task)
    {
        var max = (long)task.Count * PsiFormat.TaskTagSize;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + PsiFormat.TaskTagSize;
        var most = (int)(max + PsiFormat.TaskTagSize);
        // Sized from Content-Length (one byte more, so that a body longer than it announced shows);
        // without one, grown by doubling up to the limit.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((http.Request.ContentLength ?? 64 << 10) + 1, 1, most + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > most) throw new BadHttpRequestException($"This task takes at most {most:N0} bytes of tags.", StatusCodes.Status413PayloadTooLarge);
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, most + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await http.Request.Body.ReadAsync(buffer.AsMemory(length));
                if (read == 0) break;
                length += read;
            }
            if (length % PsiFormat.TaskTagSize != 0)
                throw ProblemException.Invalid("body", $"is {length} bytes, not a whole number of 24-byte items (seq 8 ‖ tag 16).");
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Every seq inside the task's range, strictly increasing: tags match the points they were made from.</summary>
    private static void CheckSequence(ReadOnlySpan<byte> tags, ReblindRange task)
    {
        var previous = task.FromSeq - 1;
        for (var i = 0; i < tags.Length / PsiFormat.TaskTagSize; i++)
        {
            var seq = BinaryPrimitives.ReadInt64BigEndian(tags[(i * PsiFormat.TaskTagSize)..]);
            if (seq <= previous || seq > task.ToSeq)
                throw ProblemException.Invalid("body", $"item {i} has seq {seq}, which is not the next point of this task. Send one tag per point, in the order the points came.");
            previous = seq;
        }
    }
}
