using CoSellNet.Protocol;
using CoSellNet.Silo.Feed;
using Microsoft.AspNetCore.SignalR;

namespace CoSellNet.Api.Feed;

/// <summary>
/// This node's relay: registered with the cluster-wide <see cref="IFeedHubListGrain"/> (renewed
/// every 20 s, so a crashed node drops out within a minute), it pushes each event to the
/// connections of that partner on this node. No backplane: the cluster is the backplane.
/// </summary>
public sealed class FeedRelay(IGrainFactory grains, IHubContext<FeedHub> hub, ILogger<FeedRelay> log) : BackgroundService, IFeedObserver
{
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(20);

    public Task OnEvent(string partner, FeedEvent e) =>
        hub.Clients.Group(FeedHub.Group(partner)).SendAsync(FeedHubMethods.Event, e);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reference = grains.CreateObjectReference<IFeedObserver>(this);
        var list = grains.GetGrain<IFeedHubListGrain>(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = Renew;
                try
                {
                    await list.Subscribe(reference);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The silo may still be starting, or the list's node just died: try again soon.
                    log.LogDebug(e, "Feed relay could not register yet");
                    delay = TimeSpan.FromSeconds(1);
                }
                await Task.Delay(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            try { await list.Unsubscribe(reference).WaitAsync(TimeSpan.FromSeconds(2)); }
            catch (Exception e) { log.LogDebug(e, "Feed relay could not unregister"); }
            grains.DeleteObjectReference<IFeedObserver>(reference);
        }
    }
}
