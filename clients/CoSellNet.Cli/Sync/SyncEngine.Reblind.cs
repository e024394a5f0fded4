using System.Buffers;
using System.Buffers.Binary;
using CoSellNet.Cli.App;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>Re-blinding the counterpart's points: one task at a time, re-blinded as its points arrive.</summary>
internal sealed partial class SyncEngine
{
    /// <summary>Points re-blinded at a time while a task downloads: enough to keep every core busy, small enough to follow the download closely.</summary>
    private const int ReblindSlice = 4_096;

    /// <summary>
    /// Starts re-blinding the counterpart's points of each partnership, one partnership after the
    /// other, alongside the import of my list and the uploads (<see cref="Run"/> awaits each
    /// partnership's task). Nothing is sent or recorded before <paramref name="importDone"/> completes:
    /// a sync refused for its input changes nothing; if it fails or is cancelled, so is all this.
    /// </summary>
    public IReadOnlyList<Task<long>> StartReblinding(IReadOnlyList<PartnershipView> partnerships, Task importDone, CancellationToken ct)
    {
        var each = new Task<long>[partnerships.Count];
        for (var i = 0; i < each.Length; i++) each[i] = ReblindAfter(i == 0 ? Task.CompletedTask : each[i - 1], partnerships[i], importDone, ct);
        return each;
    }

    private async Task<long> ReblindAfter(Task previous, PartnershipView partnership, Task importDone, CancellationToken ct)
    {
        // A partnership's failure is its own (reported by Run): the next one goes on.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        return Skipped(partnership) is null ? await Reblind(partnership, importDone, ct) : 0;
    }

    /// <summary>
    /// Does the counterpart's re-blind tasks: validate every point, b·P, tag, upload in order. A
    /// task's tags upload while the next task (asked for "after" it) downloads and re-blinds, so the
    /// cores do not wait for the node between tasks; the next task's tags go only after the
    /// previous one's are stored (the node takes them in order).
    /// </summary>
    private async Task<long> Reblind(PartnershipView partnership, Task importDone, CancellationToken ct)
    {
        var counterpart = partnership.Theirs.PartnerId;
        long total = 0;
        var superseded = 0;
        using var key = secret.DerivePsiKey(partnership.Id, partnership.Epoch);
        // What the counterpart declared only grows while it adds records: read it once, and again only
        // when a task is larger (asking per task cost the node a count of the list each time).
        PsiStatus? status = null;
        // The last task whose tags were sent, and their upload (its body from the shared pool) while the next task is worked on.
        ReblindTask? previous = null;
        Task<bool>? sending = null;
        byte[]? sendingBody = null;
        // One task's seqs, points and tags at a time, for every task: large-object-heap arrays made per
        // task would each count towards a full collection of a heap that holds my whole list.
        var buffers = new TaskBuffers();
        // Superseded or not, sent tags may have been stored (a retry after a lost answer): they count
        // as re-blinded, against the cap too. The next task covers what is left.
        async Task Sent()
        {
            var count = previous!.Count;
            if (!await sending!) Superseded(partnership, previous, ref superseded);
            ArrayPool<byte>.Shared.Return(sendingBody!); // only once sent: a failed send may still hold it
            await writes.Write(s => s.AddReblinded(partnership.Id, partnership.Epoch, count));
            new Progress(output, $"Re-blinding for {partnership.Theirs.PartnerName}", count).Advance(count);
            total += count;
            sending = null;
        }
        try
        {
            while (true)
            {
                var task = await client.GetNextTaskAsync(counterpart, previous?.TaskId, ct);
                if (task is null)
                {
                    if (sending is null) break;
                    // Nothing after the task on its way: once its tags are stored, ask once more
                    // without "after" (what is left, and the node's release check with it).
                    await Sent();
                    previous = null;
                    continue;
                }
                if (status is null || task.Count > status.TheirRecords) status = await client.GetPsiStatusAsync(counterpart, ct);
                var done = reblindReads.Reblinded(partnership.Id, partnership.Epoch) + (sending is null ? 0 : previous!.Count);
                if (task.Count > status.TheirRecords || done + task.Count > maxReblind)
                    throw new CliException(
                        $"Refusing to re-blind {task.Count:N0} points for {partnership.Theirs.PartnerName}: " +
                        (task.Count > status.TheirRecords
                            ? $"it has declared only {status.TheirRecords:N0} records."
                            : $"that would make {done + task.Count:N0} in this epoch, over the cap of {maxReblind:N0} (--max-reblind). A list that large can be a partner testing guesses; raise the cap only if you expect it."),
                        ExitCodes.Conflict);

                var (seqs, points, tags) = buffers.For(task.Count);
                try
                {
                    await ReblindWhileDownloading(counterpart, task, key, seqs, points, tags, ct);
                }
                catch (CoSellNetApiException e) when (e.Status is 404 or 409)
                {
                    Superseded(partnership, task, ref superseded);
                    continue;
                }
                catch (InvalidPointException e)
                {
                    throw new CliException($"The node sent an invalid point for {partnership.Theirs.PartnerName} (item {e.Index} of task {task.TaskId}); the whole task was refused and nothing was sent. Tell the node's operator.", ExitCodes.Error);
                }
                var body = ArrayPool<byte>.Shared.Rent(task.Count * PsiFormat.TaskTagSize);
                for (var i = 0; i < task.Count; i++)
                {
                    BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(i * PsiFormat.TaskTagSize), seqs.Span[i]);
                    tags.Span.Slice(i * PsiKey.TagSize, PsiKey.TagSize).CopyTo(body.AsSpan(i * PsiFormat.TaskTagSize + PsiFormat.SeqSize));
                }
                await importDone.WaitAsync(ct);
                if (sending is not null) await Sent();
                (previous, sending, sendingBody) = (task, SendTags(counterpart, task, body.AsMemory(0, task.Count * PsiFormat.TaskTagSize), ct), body);
            }
        }
        finally
        {
            // A failure or cancellation while tags were on their way: their upload ends before this does.
            if (sending is not null) await ((Task)sending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return total;
    }

    /// <summary>Uploads a task's tags; false when the node no longer had the task (completed or replaced meanwhile).</summary>
    private async Task<bool> SendTags(string counterpart, ReblindTask task, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        try
        {
            await client.UploadTaskTagsAsync(counterpart, task.TaskId, body, ct);
            return true;
        }
        catch (CoSellNetApiException e) when (e.Status is 404 or 409)
        {
            return false;
        }
    }

    /// <summary>
    /// A task that is no longer outstanding when its points are fetched or its tags sent: the
    /// counterpart committed changes to its list meanwhile (the node drops the task), or an earlier
    /// attempt of this very request completed it and its answer was lost. The node's next task is
    /// what is left to do, so the sync goes on with it, a bounded number of times.
    /// </summary>
    private void Superseded(PartnershipView partnership, ReblindTask task, ref int superseded)
    {
        if (++superseded > MaxSupersededTasks)
            throw new CliException(
                $"{partnership.Theirs.PartnerName}'s re-blind tasks kept changing while this sync worked on them ({superseded} times): it is probably syncing right now. Run 'cosell sync' again later.",
                ExitCodes.Conflict);
        output.Line($"note: re-blind task {task.TaskId} for {partnership.Theirs.PartnerName} was completed or replaced meanwhile (the partner changed its list, or an earlier attempt went through); going on with the next one.");
    }

    private const int MaxSupersededTasks = 10;

    /// <summary>
    /// Downloads a task's points and re-blinds them into <paramref name="tags"/> as they arrive, so the
    /// crypto runs while the node is still sending. Every point is still checked; a bad one throws
    /// <see cref="InvalidPointException"/> with its index in the task and stops the download.
    /// </summary>
    private async Task ReblindWhileDownloading(string counterpart, ReblindTask task, PsiKey key, Memory<long> seqs, Memory<byte> points, Memory<byte> tags, CancellationToken ct)
    {
        var available = 0;
        using var arrived = new SemaphoreSlim(0);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var download = client.DownloadTaskPointsAsync(counterpart, task, seqs, points, items =>
        {
            Volatile.Write(ref available, items);
            arrived.Release();
        }, stop.Token);
        try
        {
            var done = 0;
            while (done < task.Count)
            {
                var upto = Volatile.Read(ref available);
                if (upto - done < ReblindSlice && upto < task.Count)
                {
                    if (download.IsCompleted) await download; // its failure, or all points are in
                    else await Task.WhenAny(arrived.WaitAsync(stop.Token), download);
                    continue;
                }
                var from = done;
                await Task.Run(() =>
                {
                    try
                    {
                        key.ReblindToTags(points.Span.Slice(from * PsiFormat.PointSize, (upto - from) * PsiFormat.PointSize),
                            tags.Span.Slice(from * PsiKey.TagSize, (upto - from) * PsiKey.TagSize));
                    }
                    catch (InvalidPointException e)
                    {
                        throw new InvalidPointException(from + e.Index);
                    }
                }, ct);
                done = upto;
            }
            await download;
        }
        catch
        {
            await stop.CancelAsync();
            await ((Task)download).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    /// <summary>A task's seqs, points and tags, grown to the largest task so far and used again for every task.</summary>
    private sealed class TaskBuffers
    {
        private long[] seqs = [];
        private byte[] points = [], tags = [];

        public (Memory<long> Seqs, Memory<byte> Points, Memory<byte> Tags) For(int count)
        {
            if (seqs.Length < count) (seqs, points, tags) = (new long[count], new byte[count * PsiFormat.PointSize], new byte[count * PsiKey.TagSize]);
            return (seqs.AsMemory(0, count), points.AsMemory(0, count * PsiFormat.PointSize), tags.AsMemory(0, count * PsiKey.TagSize));
        }
    }
}
