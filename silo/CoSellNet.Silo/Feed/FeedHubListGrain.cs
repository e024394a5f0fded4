using CoSellNet.Protocol;
using Orleans.Concurrency;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace CoSellNet.Silo.Feed;

[Reentrant]
public sealed class FeedHubListGrain(ILogger<FeedHubListGrain> log) : Grain, IFeedHubListGrain
{
    /// <summary>How long a node's relay stays listed without re-subscribing (nodes renew every 20 s).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(60);

    private readonly ObserverManager<IFeedObserver> relays = new(Expiry, log);

    public Task Subscribe(IFeedObserver observer)
    {
        relays.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IFeedObserver observer)
    {
        relays.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(string partner, FeedEvent e)
    {
        relays.Notify(relay => relay.OnEvent(partner, e));
        return Task.CompletedTask;
    }
}
