using CoSellNet.Protocol;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// The room's history, kept bounded in the grain's state: every entry is recorded in the state with
/// its change (so a change and its entry are stored together), then written to <c>room_history</c>;
/// once there, all but the latest <see cref="RoomState.RecentChanges"/> leave the state. Entries up to
/// <see cref="RoomState.ChangesStored"/> are in the table, later ones in the state, so reads join the two.
/// </summary>
public sealed partial class OpportunityRoomGrain
{
    private void Record(string action, string by, string? detail, string? privateDetail = null)
    {
        var sequence = S.LatestChange + 1;
        S.History.Add(new RoomChangeRecord(sequence, action, by, clock.GetUtcNow(), detail, privateDetail));
        state.State = S with { LastChange = sequence };
    }

    /// <summary>Drops from the state the oldest entries that are stored, beyond the latest ones kept.</summary>
    private void ForgetStoredChanges()
    {
        var stored = S.History.FindLastIndex(h => h.Sequence <= S.ChangesStored) + 1;
        var drop = Math.Min(stored, S.History.Count - RoomState.RecentChanges);
        if (drop > 0) S.History.RemoveRange(0, drop);
    }

    /// <summary>
    /// Writes the entries not yet in <c>room_history</c>. Called after the change is stored; if it
    /// fails, they stay in the state and the next change writes them.
    /// </summary>
    private async Task StoreChanges()
    {
        var pending = S.History.Where(h => h.Sequence > S.ChangesStored).ToList();
        if (pending.Count == 0) return;
        try
        {
            await store.AppendChanges(Id, pending);
            // Recorded in memory; the state is written with it at the next change (until then a reload writes these again, harmlessly).
            state.State = S with { ChangesStored = pending[^1].Sequence };
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Room {Room} is stored but {Count} history entries wait for the next change to reach room_history", Id, pending.Count);
        }
    }

    public async Task<IReadOnlyList<RoomChange>> History(string by, long after, int limit)
    {
        RoomAccess.Reader(S, by);
        var oldestKept = S.History.Count > 0 ? S.History[0].Sequence : S.LatestChange + 1;
        var items = new List<RoomChangeRecord>();
        if (after + 1 < oldestKept)
        {
            items.AddRange(await store.Changes(Id, after, oldestKept, limit));
            if (items.Count > 0) after = items[^1].Sequence;
        }
        items.AddRange(S.History.Where(h => h.Sequence > after).Take(limit - items.Count));
        return [.. items.Select(h => h.ToChange(by))];
    }

    public async Task<IReadOnlyList<RoomChange>> HistoryBefore(string by, long before, int limit)
    {
        RoomAccess.Reader(S, by);
        var kept = S.History.Where(h => h.Sequence < before).TakeLast(limit).ToList();
        var upTo = kept.Count > 0 ? kept[0].Sequence : Math.Min(before, S.History.Count > 0 ? S.History[0].Sequence : before);
        var items = kept.Count < limit && upTo > 1 ? [.. await store.Changes(Id, 0, upTo, limit - kept.Count, latest: true), .. kept] : kept;
        return [.. items.Select(h => h.ToChange(by))];
    }
}
