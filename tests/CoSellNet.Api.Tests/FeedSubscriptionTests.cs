using System.Collections.Concurrent;
using CoSellNet.Client;
using CoSellNet.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Api.Tests;

/// <summary>
/// <see cref="FeedSubscription"/> against a scripted hub that pushes what a test tells it to, in any
/// order, twice, or not at all, and answers <c>Since</c> from a list the test controls: the handler
/// still sees every sequence number exactly once, in order.
/// </summary>
public sealed class FeedSubscriptionTests : IAsyncLifetime
{
    private const string Key = "csn_4f2a9c1d0b7e4a3f8c2d1e0f9a8b7c6d_0123456789abcdef_Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcl9iYXpfcXV4";

    private readonly ScriptedFeed _feed = new();
    private WebApplication _app = null!;
    private TestServer _server = null!;
    private ServiceProvider _clients = null!;
    private CoSellNetClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton(_feed);
        _app = builder.Build();
        _app.MapHub<ScriptedHub>(Routes.FeedHub);
        await _app.StartAsync();
        _server = _app.GetTestServer();
        _feed.Hub = _app.Services.GetRequiredService<IHubContext<ScriptedHub>>();

        var services = new ServiceCollection();
        services.AddCoSellNetClient(o => { o.BaseAddress = _server.BaseAddress; o.ApiKey = Key; }).ConfigurePrimaryHttpMessageHandler(_server.CreateHandler);
        _clients = services.BuildServiceProvider();
        _client = _clients.GetRequiredService<CoSellNetClient>();
    }

    public async Task DisposeAsync()
    {
        await _clients.DisposeAsync();
        await _app.DisposeAsync();
    }

    private Task<FeedSubscription> Subscribe(long after, Func<FeedEvent, CancellationToken, Task> handler, Action<FeedSubscriptionOptions>? configure = null)
    {
        var options = new FeedSubscriptionOptions
        {
            CatchUpInterval = Timeout.InfiniteTimeSpan,
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
            ConfigureConnection = o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => _server.CreateHandler();
            },
        };
        configure?.Invoke(options);
        return _client.SubscribeFeedAsync(after, handler, options);
    }

    private Task<FeedSubscription> Subscribe(long after, Seen seen, Action<FeedSubscriptionOptions>? configure = null) =>
        Subscribe(after, (e, _) => seen.Add(e), configure);

    private static FeedEvent Event(long sequence) =>
        new(sequence, FeedEventTypes.PartnershipRulesChanged, DateTimeOffset.UnixEpoch.AddSeconds(sequence), "them", null, null);

    [Fact]
    public async Task Catching_up_reads_every_page_then_delivers_from_the_starting_point()
    {
        _feed.Store(Enumerable.Range(1, 1234).Select(i => Event(i)));
        var seen = new Seen();
        await using var subscription = await Subscribe(10, seen, o => o.PageSize = 500);
        await seen.Count(1224);
        Assert.Equal(Enumerable.Range(11, 1224).Select(i => (long)i), seen.Sequences);
        Assert.Equal([(10L, 500), (510, 500), (1010, 500)], _feed.SinceCalls);
        Assert.Equal(1234, subscription.LastSequence);
    }

    [Fact]
    public async Task Repeated_pushes_are_dropped_and_a_gap_is_filled_from_the_hub()
    {
        var seen = new Seen();
        await using var subscription = await Subscribe(0, seen);
        await seen.Until(() => _feed.SinceCalls.Count == 1, "the first catch-up");

        _feed.Store([Event(1), Event(2), Event(3)]);
        await _feed.Push(1, 2, 3, 2, 1, 3);
        await seen.Count(3);

        // 4 and 5 are stored but their pushes are lost; 6's push reveals the gap.
        _feed.Store([Event(4), Event(5), Event(6)]);
        await _feed.Push(6, 6, 5);
        await seen.Count(6);

        // A push of something not yet readable waits for the next push to fill the gap.
        await _feed.Push(8);
        await Task.Delay(200);
        Assert.Equal(6, seen.Events.Count);
        _feed.Store([Event(7), Event(8), Event(9)]);
        await _feed.Push(9, 7, 8);
        await seen.Count(9);

        await Task.Delay(200);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), seen.Sequences);
        Assert.Equal(9, subscription.LastSequence);
    }

    [Fact]
    public async Task A_dropped_connection_reconnects_and_catches_up_exactly_once()
    {
        var seen = new Seen();
        await using var subscription = await Subscribe(0, seen, o => o.ConnectionChanged = (state, _) => seen.States.Enqueue(state));
        _feed.Store([Event(1), Event(2)]);
        await _feed.Push(1, 2);
        await seen.Count(2);

        for (var round = 0; round < 3; round++)
        {
            var connections = _feed.Connected;
            _feed.Store([Event(3 + 2 * round), Event(4 + 2 * round)]);
            _feed.AbortAll(); // the pushes of these two never happen
            await seen.Until(() => _feed.Connected > connections, "a new connection");
            await seen.Count(4 + 2 * round);
        }
        _feed.Store([Event(9)]);
        await _feed.Push(9, 8);
        await seen.Count(9);
        await Task.Delay(200);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), seen.Sequences);
        Assert.Equal(FeedConnectionState.Connected, subscription.State);
        Assert.Contains(FeedConnectionState.Reconnecting, seen.States);
    }

    [Fact]
    public async Task When_the_handler_throws_the_subscription_stops_with_that_error_and_the_event_counts_as_undelivered()
    {
        _feed.Store(Enumerable.Range(1, 5).Select(i => Event(i)));
        var handled = new List<long>();
        var subscription = await Subscribe(0, (e, _) =>
        {
            if (e.Sequence == 3) throw new InvalidOperationException("cannot handle 3");
            handled.Add(e.Sequence);
            return Task.CompletedTask;
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => subscription.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("cannot handle 3", error.Message);
        Assert.Equal([1L, 2], handled);
        Assert.Equal(2, subscription.LastSequence);
        Assert.Equal(FeedConnectionState.Stopped, subscription.State);
        await subscription.DisposeAsync();
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task The_handler_may_dispose_its_own_subscription()
    {
        _feed.Store(Enumerable.Range(1, 5).Select(i => Event(i)));
        var handled = new List<long>();
        FeedSubscription? self = null;
        var ready = new TaskCompletionSource();
        self = await Subscribe(0, async (e, ct) =>
        {
            await ready.Task;
            handled.Add(e.Sequence);
            if (e.Sequence == 2) await self!.DisposeAsync();
        });
        ready.SetResult();
        await self.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        Assert.Equal([1L, 2], handled);
        Assert.Equal(FeedConnectionState.Stopped, self.State);
    }

    [Fact]
    public async Task A_lost_push_is_found_by_the_periodic_catch_up()
    {
        var seen = new Seen();
        await using var subscription = await Subscribe(0, seen, o => o.CatchUpInterval = TimeSpan.FromMilliseconds(100));
        _feed.Store([Event(1)]); // stored, never pushed, and nothing follows it
        await seen.Count(1, seconds: 5);
        Assert.Equal([1L], seen.Sequences);
    }

    [Fact]
    public async Task Options_are_checked_before_connecting()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Subscribe(0, new Seen(), o => o.PageSize = 0));
        await Assert.ThrowsAsync<ArgumentException>(() => Subscribe(0, new Seen(), o => o.PageSize = 1001));
        await Assert.ThrowsAsync<ArgumentException>(() => Subscribe(0, new Seen(), o => o.CatchUpInterval = TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentException>(() => Subscribe(0, new Seen(), o => o.MaxReconnectDelay = TimeSpan.Zero));
        Assert.Equal(0, _feed.Connected);
    }

    /// <summary>What the scripted hub holds and does.</summary>
    public sealed class ScriptedFeed
    {
        private readonly SortedDictionary<long, FeedEvent> _stored = [];
        private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();
        private readonly List<(long After, int Limit)> _since = [];
        private int _connected;

        public IHubContext<ScriptedHub> Hub { get; set; } = null!;

        public int Connected => Volatile.Read(ref _connected);

        public IReadOnlyList<(long After, int Limit)> SinceCalls
        {
            get { lock (_since) return [.. _since]; }
        }

        public void Store(IEnumerable<FeedEvent> events)
        {
            lock (_stored) foreach (var e in events) _stored[e.Sequence] = e;
        }

        public async Task Push(params long[] sequences)
        {
            foreach (var s in sequences) await Hub.Clients.All.SendAsync(FeedHubMethods.Event, ScriptedEvent(s));
        }

        private static FeedEvent ScriptedEvent(long sequence) => Event(sequence);

        public void AbortAll()
        {
            foreach (var (id, context) in _connections)
            {
                _connections.TryRemove(id, out _);
                context.Abort();
            }
        }

        public void OnConnected(HubCallerContext context)
        {
            _connections[context.ConnectionId] = context;
            Interlocked.Increment(ref _connected);
        }

        public FeedPage Since(long after, int limit)
        {
            lock (_since) _since.Add((after, limit));
            lock (_stored)
            {
                var items = _stored.Values.Where(e => e.Sequence > after).Take(limit + 1).ToList();
                var more = items.Count > limit;
                if (more) items.RemoveAt(items.Count - 1);
                return new FeedPage(items, items.Count > 0 ? items[^1].Sequence : after, more);
            }
        }
    }

    public sealed class ScriptedHub(ScriptedFeed feed) : Hub
    {
        public override Task OnConnectedAsync()
        {
            feed.OnConnected(Context);
            return base.OnConnectedAsync();
        }

        public FeedPage Since(long after, int limit) => feed.Since(after, limit);
    }
}
