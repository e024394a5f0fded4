using System.Text.Json;
using CoSellNet.Protocol;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Feed;

public sealed class FeedGrain(FeedStore store, TimeProvider clock, ILogger<FeedGrain> log) : Grain, IFeedGrain
{
    private long last = -1;

    public async Task<FeedEvent> Append(string type, string? partner, string? room, JsonElement? data)
    {
        var me = this.GetPrimaryKeyString();
        // Read once per activation; the grain is the only writer of this partner's feed, and it
        // is not reentrant, so numbers are handed out and stored strictly in order.
        if (last < 0) last = await store.LastSequence(me);
        // PostgreSQL keeps microseconds: the pushed copy carries the time exactly as stored and read back.
        var now = clock.GetUtcNow();
        var e = new FeedEvent(last + 1, type, now.AddTicks(-(now.Ticks % 10)), partner, room, data);
        await store.Append(me, e);
        last = e.Sequence;
        try
        {
            await GrainFactory.GetGrain<IFeedHubListGrain>(0).Publish(me, e);
        }
        catch (Exception ex)
        {
            // Stored is what counts: a client that missed the push catches up from the feed.
            log.LogWarning(ex, "Feed event {Sequence} of {Partner} was stored but not pushed live", e.Sequence, me);
        }
        return e;
    }
}
