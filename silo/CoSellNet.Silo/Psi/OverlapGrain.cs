using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using Microsoft.Extensions.Logging;
using CoSellNet.Silo.Partnerships;

namespace CoSellNet.Silo.Psi;

[GenerateSerializer, Alias("cosellnet.overlap.v1")]
public sealed record OverlapState
{
    /// <summary>The outstanding re-blind task over each side's records, by the side that owns them.</summary>
    [Id(0)] public Dictionary<string, ReblindRange> Outstanding { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Sides that committed at least one upload in this epoch.</summary>
    [Id(1)] public HashSet<string> Uploaded { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Whether records changed since the last release.</summary>
    [Id(2)] public bool Dirty { get; init; }
    [Id(3)] public Release Release { get; init; } = new(0, null, []);
    /// <summary>
    /// A second task per side, issued while the first (<see cref="Outstanding"/>) still waits for its
    /// tags: the range right after it. A client re-blinds it while the first one's tags upload, so
    /// its cores never wait for the node between tasks. Only ever present with a first task.
    /// </summary>
    [Id(4)] public Dictionary<string, ReblindRange> Ahead { get; init; } = new(StringComparer.Ordinal);
}

public sealed class OverlapGrain(
    [PersistentState("overlap", SiloHosting.StorageName)] IPersistentState<OverlapState> state,
    ReblindStore reblind,
    MatchStore matches,
    TimeProvider clock,
    ILogger<OverlapGrain> log) : Grain, IOverlapGrain
{
    private string Partnership => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('#')];
    private int Epoch => int.Parse(this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().LastIndexOf('#') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public async Task Committed(string owner)
    {
        Counterpart(owner);
        state.State.Uploaded.Add(owner);
        // The owner's records changed (removed, or re-pointed), so a task issued over them may no
        // longer match what is stored: drop it, and the counterpart's next request gets a fresh one.
        state.State.Outstanding.Remove(owner);
        state.State.Ahead.Remove(owner);
        state.State = state.State with { Dirty = true };
        await state.WriteStateAsync();
        ReleaseSoon();
    }

    public async Task<ReblindRange?> NextTask(string by, Guid? after = null)
    {
        var owner = Counterpart(by);
        var s = state.State;
        if (!s.Outstanding.TryGetValue(owner, out var first))
        {
            var next = await reblind.NextRange(Partnership, Epoch, owner, PsiFormat.MaxChunkRecords);
            if (next is null)
            {
                // Nothing for this side to do: if a release is due and failed when it was tried (the
                // database refused, a timeout), make it now, or it waits for the next change forever.
                // A failure again is logged, not this request's error: the task answer stands.
                await ReleaseDue();
                return null;
            }
            s.Outstanding[owner] = next;
            await state.WriteStateAsync();
            return next;
        }
        // Without "after", or after a task already done: the first outstanding task (a retry gets the same).
        if (after != first.TaskId)
            return after is { } id && s.Ahead.TryGetValue(owner, out var ahead) && ahead.TaskId == id
                ? throw ProblemException.Conflict("Tags due first",
                    $"Send the tags of task {first.TaskId} before asking for a task after {id}: at most two tasks are outstanding at a time.")
                : first;
        if (s.Ahead.TryGetValue(owner, out var issued)) return issued;
        // Not the release check of a null answer: the first task is still outstanding, so nothing is due.
        var following = await reblind.NextRange(Partnership, Epoch, owner, PsiFormat.MaxChunkRecords, afterSeq: first.ToSeq);
        if (following is null) return null;
        s.Ahead[owner] = following;
        await state.WriteStateAsync();
        return following;
    }

    public Task<ReblindRange> GetTask(string by, Guid taskId) => Task.FromResult(Find(by, taskId));

    public Task<ReblindRange> TaskForTags(string by, Guid taskId)
    {
        var task = Find(by, taskId);
        // Tags move the side's watermark to the end of their range: the second task's tags before the
        // first's would mark the first's records tagged without their tags.
        return state.State.Outstanding[task.Owner].TaskId == taskId
            ? Task.FromResult(task)
            : throw ProblemException.Conflict("Tags due first",
                $"Send the tags of task {state.State.Outstanding[task.Owner].TaskId} first: tags go in the order the tasks were issued.");
    }

    public async Task TaskDone(string by, Guid taskId)
    {
        var task = Find(by, taskId);
        Remove(task);
        await state.WriteStateAsync();
        ReleaseSoon();
    }

    /// <summary>Removes a task; the second task becomes the first when the first goes.</summary>
    private void Remove(ReblindRange task)
    {
        var s = state.State;
        if (s.Ahead.TryGetValue(task.Owner, out var ahead) && ahead.TaskId == task.TaskId)
        {
            s.Ahead.Remove(task.Owner);
            return;
        }
        s.Outstanding.Remove(task.Owner);
        if (s.Ahead.Remove(task.Owner, out var next)) s.Outstanding[task.Owner] = next;
    }

    public async Task ReleaseDue()
    {
        try
        {
            await TryRelease();
        }
        catch (Exception e)
        {
            // Nobody waits for this call: the release stays due (Dirty) and the next request that
            // finds nothing to do (NextTask) tries it again.
            log.LogError(e, "Release of overlaps of {Partnership} epoch {Epoch} failed; it is retried on the next request", Partnership, Epoch);
        }
    }

    /// <summary>
    /// Queues <see cref="ReleaseDue"/> on this grain (one-way): the request that brought the last
    /// tags or commit returns once they are stored, and the release runs right after it, before
    /// any later request to this grain (a status or task request then sees the new release).
    /// </summary>
    private void ReleaseSoon()
    {
        var s = state.State;
        if (s.Dirty && s.Uploaded.Count == 2 && s.Outstanding.Count == 0)
            this.AsReference<IOverlapGrain>().ReleaseDue().Ignore();
    }

    public async Task DropTask(string by, Guid taskId)
    {
        var task = Find(by, taskId);
        // The side's records changed: a task issued after this one is as stale as it is.
        state.State.Outstanding.Remove(task.Owner);
        state.State.Ahead.Remove(task.Owner);
        await state.WriteStateAsync();
    }

    public Task<Release> Released() => Task.FromResult(state.State.Release);

    /// <summary>Fair release: only when both sides uploaded and each side's records all carry the other's tags.</summary>
    private async Task TryRelease()
    {
        var s = state.State;
        if (!s.Dirty || s.Uploaded.Count < 2 || s.Outstanding.Count > 0) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (low, high) = PartnershipKey.Split(Partnership);
        if (await reblind.AnyUntagged(Partnership, Epoch, low) || await reblind.AnyUntagged(Partnership, Epoch, high)) return;
        var partnership = GrainFactory.GetGrain<IPartnershipGrain>(Partnership);
        // What each side may see of the other's populations decides what its notice lists.
        var lowSees = Visible(await partnership.Get(low));
        var highSees = Visible(await partnership.Get(high));
        var (matrix, lowChanges, highChanges) = await matches.Intersect(Partnership, Epoch, low, high, lowSees, highSees);
        state.State = s with { Dirty = false, Release = new Release(s.Release.Version + 1, clock.GetUtcNow(), [.. matrix]) };
        await state.WriteStateAsync();
        await Announce(low, high, lowChanges);
        await Announce(high, low, highChanges);
        log.LogInformation("Released overlaps of {Partnership} epoch {Epoch}, version {Version}: {Matches} matches in {Milliseconds:F0} ms",
            Partnership, Epoch, state.State.Release.Version, matrix.Sum(c => c.Count), System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static string[] Visible(PartnershipView view) =>
        [.. view.Theirs.Rules.Where(r => r.Level >= SharingLevel.Overlaps).Select(r => r.Population)];

    private async Task Announce(string recipient, string counterpart, MatchChanges changes)
    {
        var release = state.State.Release;
        try
        {
            await GrainFactory.Append(recipient, FeedEventTypes.OverlapsReleased, partner: counterpart, data: new
            {
                epoch = Epoch,
                releaseVersion = release.Version,
                found = changes.Found,
                foundCount = changes.FoundCount,
                gone = changes.Gone,
                goneCount = changes.GoneCount,
            });
        }
        catch (Exception e)
        {
            // The release stands and is readable; only its notice is lost.
            log.LogWarning(e, "Could not add release {Version} to the feed of {Partner}", release.Version, recipient);
        }
    }

    private ReblindRange Find(string by, Guid taskId)
    {
        var owner = Counterpart(by);
        return state.State.Outstanding.TryGetValue(owner, out var task) && task.TaskId == taskId ? task
            : state.State.Ahead.TryGetValue(owner, out var ahead) && ahead.TaskId == taskId ? ahead
            : throw ProblemException.NotFound("Re-blind task", $"Task {taskId} is not your outstanding task here: it was completed or replaced. Get the current one with GET the tasks endpoint.");
    }

    private string Counterpart(string side)
    {
        var (low, high) = PartnershipKey.Split(Partnership);
        return side == low ? high : side == high ? low
            : throw ProblemException.NotFound("Partnership", "You are not in this partnership.");
    }
}
