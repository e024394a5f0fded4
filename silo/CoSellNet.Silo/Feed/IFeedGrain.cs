using System.Text.Json;
using CoSellNet.Protocol;
using Orleans.Concurrency;

namespace CoSellNet.Silo.Feed;

/// <summary>
/// One partner's feed (key: partner id). Appends are numbered 1, 2, 3, … in the order the grain
/// takes them, stored in PostgreSQL first and then pushed live to every node's connections.
/// </summary>
public interface IFeedGrain : IGrainWithStringKey
{
    /// <summary>Appends an event and returns it with its sequence number.</summary>
    Task<FeedEvent> Append(string type, string? partner, string? room, JsonElement? data);
}

/// <summary>A node's live relay (a grain observer): pushes feed events to that node's SignalR connections.</summary>
public interface IFeedObserver : IGrainObserver
{
    [OneWay]
    Task OnEvent(string partner, FeedEvent e);
}

/// <summary>
/// The cluster-wide list of nodes' relays (one grain, key 0). Nodes re-subscribe periodically;
/// a node that stops doing so (crashed) drops out. Delivery across nodes without a backplane.
/// </summary>
public interface IFeedHubListGrain : IGrainWithIntegerKey
{
    Task Subscribe(IFeedObserver observer);
    Task Unsubscribe(IFeedObserver observer);

    [OneWay]
    Task Publish(string partner, FeedEvent e);
}

/// <summary>Helpers to append to feeds from other grains.</summary>
public static class Feeds
{
    public static JsonElement Data<T>(T value) => JsonSerializer.SerializeToElement(value, FeedJson.Options);

    public static Task<FeedEvent> Append(this IGrainFactory grains, string recipient, string type, string? partner = null, string? room = null, object? data = null) =>
        grains.GetGrain<IFeedGrain>(recipient).Append(type, partner, room, data is null ? null : JsonSerializer.SerializeToElement(data, FeedJson.Options));
}

/// <summary>Feed data is JSON in web style (camelCase), like the rest of the API.</summary>
public static class FeedJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
