using System.Globalization;
using System.Runtime.CompilerServices;
using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>The most events one feed page holds.</summary>
    public const int MaxFeedPage = 1000;

    /// <summary>
    /// One page of my feed: the events after sequence number <paramref name="after"/>, in order
    /// (REST, for clients that poll; <see cref="SubscribeFeedAsync(long, Func{FeedEvent, CancellationToken, Task}, FeedSubscriptionOptions?, CancellationToken)"/>
    /// delivers the same events live).
    /// </summary>
    /// <param name="after">The last sequence number already handled; 0 for the beginning.</param>
    /// <param name="limit">At most this many events (1 to <see cref="MaxFeedPage"/>; the node's default is 100).</param>
    /// <param name="types">Only these types (see <see cref="FeedEventTypes"/>); all when null or empty.
    /// With types, <see cref="FeedPage.LastSequence"/> is the last matching event's, so sequence numbers skip.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<FeedPage> GetFeedAsync(long after = 0, int? limit = null, IEnumerable<string>? types = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        if (limit is { } l && (l < 1 || l > MaxFeedPage))
            throw new ArgumentOutOfRangeException(nameof(limit), l, $"A feed page holds 1 to {MaxFeedPage} events.");
        var query = new List<string> { "after=" + after.ToString(CultureInfo.InvariantCulture) };
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        foreach (var type in types ?? [])
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(type, nameof(types));
            query.Add("type=" + Uri.EscapeDataString(type));
        }
        return GetAsync<FeedPage>($"{Routes.Feed}?{string.Join('&', query)}", cancellationToken);
    }

    /// <summary>Every event of my feed after <paramref name="after"/> that exists now, fetched page by page as you enumerate.</summary>
    public async IAsyncEnumerable<FeedEvent> ListFeedAsync(long after = 0, IEnumerable<string>? types = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var typeList = types?.ToList();
        while (true)
        {
            var page = await GetFeedAsync(after, MaxFeedPage, typeList, cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Items) yield return e;
            if (!page.More || page.LastSequence <= after) yield break;
            after = page.LastSequence;
        }
    }

    /// <summary>
    /// The sequence number of the newest event in my feed (0 when it is empty): pass it to
    /// <see cref="SubscribeFeedAsync(long, Func{FeedEvent, CancellationToken, Task}, FeedSubscriptionOptions?, CancellationToken)"/>
    /// to receive only what happens from now on. A few small reads, however long the feed.
    /// </summary>
    public async Task<long> GetLastFeedSequenceAsync(CancellationToken cancellationToken = default)
    {
        var first = await GetFeedAsync(0, MaxFeedPage, null, cancellationToken).ConfigureAwait(false);
        if (!first.More) return first.LastSequence;
        // The newest is beyond lo and at most hi: double hi until nothing follows it, then halve the gap
        // until one page covers it.
        long lo = first.LastSequence, hi = 2 * lo;
        while (await AnyAfter(hi).ConfigureAwait(false))
        {
            lo = hi;
            hi = checked(hi * 2);
        }
        while (hi - lo > MaxFeedPage)
        {
            var mid = lo + (hi - lo) / 2;
            if (await AnyAfter(mid).ConfigureAwait(false)) lo = mid;
            else hi = mid;
        }
        return (await GetFeedAsync(lo, MaxFeedPage, null, cancellationToken).ConfigureAwait(false)).LastSequence;

        async Task<bool> AnyAfter(long after) =>
            (await GetFeedAsync(after, 1, null, cancellationToken).ConfigureAwait(false)).Items.Count > 0;
    }

    /// <summary>
    /// Subscribes to my feed live over SignalR (<c>/hubs/feed</c>), starting after sequence number
    /// <paramref name="after"/>. Returns once connected and subscribed; the events since
    /// <paramref name="after"/> are then delivered first, followed by new ones as they happen.
    /// </summary>
    /// <remarks>
    /// <para><paramref name="handler"/> sees every sequence number exactly once and in order, one call
    /// at a time: across reconnects the subscription asks the node for what it missed, drops live
    /// pushes it has already delivered, and fills any gap before going on. After the first connection
    /// it reconnects on its own, for as long as it is not disposed.</para>
    /// <para>An exception from <paramref name="handler"/> ends the subscription: that event counts as not
    /// delivered, and <see cref="FeedSubscription.Completion"/> faults with the exception. Catch inside the
    /// handler to go on. Remember <see cref="FeedSubscription.LastSequence"/> to resume later where you left off.</para>
    /// </remarks>
    /// <param name="after">The last sequence number already handled; 0 for the whole feed; <see cref="GetLastFeedSequenceAsync"/> for new events only.</param>
    /// <param name="handler">Called with each event, in order; its token is cancelled when the subscription is disposed.</param>
    /// <param name="options">Connection and catch-up settings; the defaults suit most uses.</param>
    /// <param name="cancellationToken">Cancels connecting (not the subscription: dispose it to stop).</param>
    /// <exception cref="InvalidOperationException">This client has no API key.</exception>
    /// <exception cref="CoSellNetApiException">The node refused the key (401) or the caller has no feed (403, the operator).</exception>
    /// <exception cref="HttpRequestException">The node could not be reached.</exception>
    public Task<FeedSubscription> SubscribeFeedAsync(long after, Func<FeedEvent, CancellationToken, Task> handler,
        FeedSubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentNullException.ThrowIfNull(handler);
        if (_apiKey is null) throw new InvalidOperationException("The feed needs an API key: create the client with a partner's key.");
        var hub = new Uri(_base, Routes.FeedHub.TrimStart('/'));
        return FeedSubscription.StartAsync(hub, _apiKey, after, handler, options ?? new FeedSubscriptionOptions(), cancellationToken);
    }

    /// <summary>
    /// Subscribes to my feed live; see
    /// <see cref="SubscribeFeedAsync(long, Func{FeedEvent, CancellationToken, Task}, FeedSubscriptionOptions?, CancellationToken)"/>.
    /// </summary>
    public Task<FeedSubscription> SubscribeFeedAsync(long after, Func<FeedEvent, Task> handler,
        FeedSubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SubscribeFeedAsync(after, (e, _) => handler(e), options, cancellationToken);
    }
}
