using System.Collections.Concurrent;
using CoSellNet.Client;
using CoSellNet.Protocol;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Api.Tests;

/// <summary>
/// A <see cref="CoSellNetClient"/> over an in-process test server, and feed subscriptions through it
/// (long polling over the server's handler, behind a switch that can cut the connection).
/// </summary>
public sealed class TestClient : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly TestServer _server;

    public TestClient(TestServer server, string key)
    {
        _server = server;
        var services = new ServiceCollection();
        services.AddCoSellNetClient(o =>
        {
            o.BaseAddress = server.BaseAddress;
            o.ApiKey = key;
            o.RetryDelay = TimeSpan.Zero;
        }).ConfigurePrimaryHttpMessageHandler(server.CreateHandler);
        _services = services.BuildServiceProvider();
        Client = _services.GetRequiredService<CoSellNetClient>();
    }

    public CoSellNetClient Client { get; }

    /// <summary>Cuts and restores this client's feed connections.</summary>
    public NetworkSwitch Switch { get; } = new();

    /// <summary>Subscribes after <paramref name="after"/>, recording every delivered event in <paramref name="seen"/>.</summary>
    public Task<FeedSubscription> Subscribe(long after, Seen seen, Action<FeedSubscriptionOptions>? configure = null)
    {
        var options = new FeedSubscriptionOptions
        {
            MaxReconnectDelay = TimeSpan.FromMilliseconds(300),
            ConnectionChanged = (state, _) => seen.States.Enqueue(state),
            ConfigureConnection = o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => new SwitchedHandler(Switch, _server.CreateHandler());
            },
        };
        configure?.Invoke(options);
        return Client.SubscribeFeedAsync(after, seen.Add, options);
    }

    public void Dispose() => _services.Dispose();
}

/// <summary>What a feed handler received, in order, with waits.</summary>
public sealed class Seen
{
    private readonly List<FeedEvent> _events = [];

    public ConcurrentQueue<FeedConnectionState> States { get; } = new();

    public IReadOnlyList<FeedEvent> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    public IReadOnlyList<long> Sequences => [.. Events.Select(e => e.Sequence)];

    public Task Add(FeedEvent e)
    {
        lock (_events) _events.Add(e);
        return Task.CompletedTask;
    }

    /// <summary>Waits until <paramref name="count"/> events have arrived (fails after <paramref name="seconds"/>).</summary>
    public async Task<IReadOnlyList<FeedEvent>> Count(int count, int seconds = 20)
    {
        await Until(() => Events.Count >= count, $"{count} events", seconds);
        return Events;
    }

    public async Task Until(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {seconds} s for {what}; got sequences [{string.Join(", ", Sequences)}], states [{string.Join(", ", States)}].");
            await Task.Delay(20);
        }
    }
}

/// <summary>A network that can go down: while off, requests fail and those in flight are cut.</summary>
public sealed class NetworkSwitch
{
    private CancellationTokenSource _up = new();

    public bool Off { get; private set; }

    public CancellationToken UpToken => _up.Token;

    public void Cut()
    {
        Off = true;
        _up.Cancel();
    }

    public void Restore()
    {
        _up = new CancellationTokenSource();
        Off = false;
    }
}

public sealed class SwitchedHandler(NetworkSwitch network, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (network.Off) throw new HttpRequestException("The network is down (test).");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, network.UpToken);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException("The connection was lost (test).");
        }
    }
}
