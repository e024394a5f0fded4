using Orleans.Concurrency;

namespace CoSellNet.Silo.Psi;

/// <summary>
/// One partnership's intersection in one epoch (key: <see cref="OverlapKey.For"/>): hands out
/// re-blind tasks each way, and when both sides have uploaded and every record of each side
/// carries the other side's tag, intersects and releases the result to both at once (fair release).
/// Bulk data never passes through it: tasks are sequence ranges, points and tags go to PostgreSQL.
/// </summary>
public interface IOverlapGrain : IGrainWithStringKey
{
    /// <summary>An upload of <paramref name="owner"/> was committed: the released result is out of date.</summary>
    Task Committed(string owner);

    /// <summary>
    /// The task for <paramref name="by"/> to re-blind the counterpart's records: the first outstanding
    /// one, or a new one, or null. With <paramref name="after"/> the first outstanding task's id: a
    /// second task, the range after it (the same one on a retry; null when nothing follows), so that
    /// the client re-blinds it while the first one's tags upload. At most two are outstanding.
    /// </summary>
    Task<ReblindRange?> NextTask(string by, Guid? after = null);

    /// <summary>The outstanding task with this id for <paramref name="by"/>; a not-found problem otherwise.</summary>
    Task<ReblindRange> GetTask(string by, Guid taskId);

    /// <summary>Like <see cref="GetTask"/>, for storing its tags: a conflict problem for the second task while the first waits for its tags.</summary>
    Task<ReblindRange> TaskForTags(string by, Guid taskId);

    /// <summary>The task's tags are stored; a new result is released right after (in the background) if that completed both directions.</summary>
    Task TaskDone(string by, Guid taskId);

    /// <summary>Releases a new result if one is due (both directions complete, records changed since the last). Queued by the grain itself.</summary>
    [OneWay]
    Task ReleaseDue();

    /// <summary>The task's records changed since it was issued: drop it (and a task issued after it) so that the next request issues a fresh one.</summary>
    Task DropTask(string by, Guid taskId);

    Task<Release> Released();
}

/// <summary>The released result: its version (0 before the first), when, and the match count matrix.</summary>
[GenerateSerializer, Alias("cosellnet.release.v1")]
public sealed record Release(int Version, DateTimeOffset? At, MatchCount[] Matrix);

public static class OverlapKey
{
    public static string For(string partnership, int epoch) => $"{partnership}#{epoch}";
}
