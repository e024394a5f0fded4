using Microsoft.AspNetCore.Http.Connections.Client;

namespace CoSellNet.Client;

/// <summary>The state of a <see cref="FeedSubscription"/>'s connection.</summary>
public enum FeedConnectionState
{
    /// <summary>Connected: what was missed has been asked for, and live events arrive.</summary>
    Connected,

    /// <summary>The connection dropped; the subscription is reconnecting (nothing is lost meanwhile).</summary>
    Reconnecting,

    /// <summary>Stopped for good: disposed, the handler failed, or the node refused the key.</summary>
    Stopped,
}

/// <summary>How a <see cref="FeedSubscription"/> connects and catches up. The defaults suit most uses.</summary>
public sealed class FeedSubscriptionOptions
{
    /// <summary>Events asked for per catch-up call (1 to <see cref="CoSellNetClient.MaxFeedPage"/>, default 500).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>
    /// How often to ask the node for missed events while connected and quiet (default 1 minute), as a
    /// safety net for a live push lost in transit; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// A gap in the live pushes and every reconnect trigger a catch-up anyway.
    /// </summary>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between reconnection attempts (default 30 s); attempts start at once and back off to it.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Called when the connection's state changes, with the error that caused it if any (for logs or a status line). Must not block.</summary>
    public Action<FeedConnectionState, Exception?>? ConnectionChanged { get; set; }

    /// <summary>
    /// Adjusts the SignalR connection (transports, proxy, message handler, headers). The API key is
    /// set already, through <see cref="HttpConnectionOptions.AccessTokenProvider"/>.
    /// </summary>
    public Action<HttpConnectionOptions>? ConfigureConnection { get; set; }

    internal void Validate()
    {
        if (PageSize is < 1 or > CoSellNetClient.MaxFeedPage)
            throw new ArgumentException($"FeedSubscriptionOptions.PageSize must be 1 to {CoSellNetClient.MaxFeedPage}.");
        if (CatchUpInterval != Timeout.InfiniteTimeSpan && (CatchUpInterval < TimeSpan.FromMilliseconds(10) || CatchUpInterval > TimeSpan.FromDays(1)))
            throw new ArgumentException("FeedSubscriptionOptions.CatchUpInterval must be between 10 ms and 1 day, or Timeout.InfiniteTimeSpan.");
        if (MaxReconnectDelay < TimeSpan.FromMilliseconds(10) || MaxReconnectDelay > TimeSpan.FromHours(1))
            throw new ArgumentException("FeedSubscriptionOptions.MaxReconnectDelay must be between 10 ms and 1 hour.");
    }
}
