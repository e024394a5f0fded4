using System.Net;
using System.Threading.Channels;
using CoSellNet.Protocol;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Client;

/// <summary>
/// A live subscription to my feed, from <see cref="CoSellNetClient.SubscribeFeedAsync(long, Func{FeedEvent, CancellationToken, Task}, FeedSubscriptionOptions?, CancellationToken)"/>.
/// Its handler sees every sequence number exactly once and in order, across dropped connections and
/// reconnects. Dispose it to stop; <see cref="Completion"/> tells when and why it stopped.
/// </summary>
/// <remarks>
/// How: live pushes and connection events go into one queue, read by one loop that calls the handler.
/// After connecting or reconnecting, and whenever a push skips a number, the loop asks the hub for
/// the events after the last one delivered (<c>Since</c>, paged); pushes at or below it are dropped.
/// The node stores each event before pushing it, so what a push misses, <c>Since</c> finds.
/// </remarks>
public sealed class FeedSubscription : IAsyncDisposable
{
    private static readonly AsyncLocal<FeedSubscription?> Delivering = new();

    private readonly HubConnection _connection;
    private readonly Func<FeedEvent, CancellationToken, Task> _handler;
    private readonly FeedSubscriptionOptions _options;
    private readonly Uri _hub;
    private readonly Channel<Signal> _signals = Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _pump = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private Task _restart = Task.CompletedTask;
    private long _last;
    private long _lastActivity = Environment.TickCount64;
    private int _failedCatchUps;
    private int _state = (int)FeedConnectionState.Reconnecting;
    private int _disposed;

    private enum SignalKind { Push, CatchUp }

    private readonly record struct Signal(SignalKind Kind, FeedEvent? Event = null);

    private FeedSubscription(Uri hub, string apiKey, long after, Func<FeedEvent, CancellationToken, Task> handler, FeedSubscriptionOptions options)
    {
        _hub = hub;
        _last = after;
        _handler = handler;
        _options = options;
        _connection = new HubConnectionBuilder()
            .WithUrl(hub, o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(apiKey);
                options.ConfigureConnection?.Invoke(o);
            })
            .WithAutomaticReconnect(new ReconnectForever(options.MaxReconnectDelay))
            .AddJsonProtocol(p => p.PayloadSerializerOptions = CoSellNetJson.Options)
            .Build();
        _connection.On<FeedEvent>(FeedHubMethods.Event, e => _signals.Writer.TryWrite(new Signal(SignalKind.Push, e)));
        _connection.Reconnecting += error =>
        {
            SetState(FeedConnectionState.Reconnecting, error);
            return Task.CompletedTask;
        };
        _connection.Reconnected += _ =>
        {
            SetState(FeedConnectionState.Connected, null);
            _signals.Writer.TryWrite(new Signal(SignalKind.CatchUp));
            return Task.CompletedTask;
        };
        _connection.Closed += error =>
        {
            if (_stop.IsCancellationRequested) return Task.CompletedTask;
            if (Refusal(error, _hub) is { } refused) Fail(refused);
            else _restart = RestartAsync(error);
            return Task.CompletedTask;
        };
    }

    /// <summary>The sequence number of the last event the handler completed (or the starting point): where to resume next time.</summary>
    public long LastSequence => Volatile.Read(ref _last);

    /// <summary>Whether the subscription is connected, reconnecting, or stopped.</summary>
    public FeedConnectionState State => (FeedConnectionState)Volatile.Read(ref _state);

    /// <summary>
    /// Completes when the subscription is disposed; faults with the handler's exception if the handler
    /// threw, or with a 401/403 <see cref="CoSellNetApiException"/> if the node stopped accepting the key.
    /// </summary>
    public Task Completion => _completion.Task;

    internal static async Task<FeedSubscription> StartAsync(Uri hub, string apiKey, long after, Func<FeedEvent, CancellationToken, Task> handler,
        FeedSubscriptionOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var copy = new FeedSubscriptionOptions
        {
            PageSize = options.PageSize,
            CatchUpInterval = options.CatchUpInterval,
            MaxReconnectDelay = options.MaxReconnectDelay,
            ConnectionChanged = options.ConnectionChanged,
            ConfigureConnection = options.ConfigureConnection,
        };
        var subscription = new FeedSubscription(hub, apiKey, after, handler, copy);
        try
        {
            await subscription._connection.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await subscription._connection.DisposeAsync().ConfigureAwait(false);
            subscription._stop.Dispose();
            if (Refusal(e, hub) is { } refused) throw refused;
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            throw new HttpRequestException($"Could not connect to the feed at {hub.GetLeftPart(UriPartial.Path)}: {e.Message} Check that the node is running and reachable.", e);
        }
        subscription.Begin();
        return subscription;
    }

    private void Begin()
    {
        SetState(FeedConnectionState.Connected, null);
        _signals.Writer.TryWrite(new Signal(SignalKind.CatchUp));
        _pump = Task.Run(PumpAsync);
        if (_options.CatchUpInterval != Timeout.InfiniteTimeSpan) _ticker = Task.Run(TickAsync);
    }

    /// <summary>The one loop that calls the handler: pushes in order, catch-ups when needed.</summary>
    private async Task PumpAsync()
    {
        Delivering.Value = this;
        var ct = _stop.Token;
        try
        {
            while (await _signals.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_signals.Reader.TryRead(out var signal))
                {
                    if (signal.Kind == SignalKind.Push)
                    {
                        var e = signal.Event!;
                        if (e.Sequence <= _last) continue;          // delivered already (caught up, or pushed twice)
                        if (e.Sequence == _last + 1) await DeliverAsync(e, ct).ConfigureAwait(false);
                        else await CatchUpAsync(ct).ConfigureAwait(false); // a gap: something was missed
                    }
                    else
                    {
                        await CatchUpAsync(ct).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (HandlerException e)
        {
            Fail(e.InnerException!);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task DeliverAsync(FeedEvent e, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested(); // disposed (perhaps by the handler itself): deliver nothing more
        try
        {
            await _handler(e, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception inner)
        {
            throw new HandlerException(inner);
        }
        Volatile.Write(ref _last, e.Sequence);
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
    }

    /// <summary>Asks the hub for everything after the last delivered event and delivers it, page by page.</summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        while (true)
        {
            FeedPage page;
            try
            {
                page = await _connection.InvokeAsync<FeedPage>(FeedHubMethods.Since, _last, _options.PageSize, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Disconnected: reconnecting triggers another catch-up. Connected but the call failed
                // (the node had a moment): try again shortly.
                if (_connection.State == HubConnectionState.Connected) RetryCatchUpLater(e);
                return;
            }
            _failedCatchUps = 0;
            var before = _last;
            foreach (var e in page.Items)
                if (e.Sequence > _last) await DeliverAsync(e, ct).ConfigureAwait(false);
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            if (!page.More || _last == before) return;
        }
    }

    private void RetryCatchUpLater(Exception error)
    {
        var attempt = ++_failedCatchUps;
        Report(FeedConnectionState.Connected, error);
        var delay = ReconnectForever.Delay(attempt, _options.MaxReconnectDelay);
        _ = Task.Delay(delay, _stop.Token).ContinueWith(
            _ => _signals.Writer.TryWrite(new Signal(SignalKind.CatchUp)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>The safety net: while connected and quiet, ask for missed events now and then.</summary>
    private async Task TickAsync()
    {
        var interval = _options.CatchUpInterval;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var quietFor = Environment.TickCount64 - Volatile.Read(ref _lastActivity);
                if (_connection.State == HubConnectionState.Connected && quietFor >= interval.TotalMilliseconds * 0.9)
                    _signals.Writer.TryWrite(new Signal(SignalKind.CatchUp));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The connection closed for good (the node said so, or reconnecting gave up): start it again.</summary>
    private async Task RestartAsync(Exception? error)
    {
        SetState(FeedConnectionState.Reconnecting, error);
        for (var attempt = 1; !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(ReconnectForever.Delay(attempt, _options.MaxReconnectDelay), _stop.Token).ConfigureAwait(false);
                await _connection.StartAsync(_stop.Token).ConfigureAwait(false);
                SetState(FeedConnectionState.Connected, null);
                _signals.Writer.TryWrite(new Signal(SignalKind.CatchUp));
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (Refusal(e, _hub) is { } refused)
                {
                    Fail(refused);
                    return;
                }
                SetState(FeedConnectionState.Reconnecting, e);
            }
        }
    }

    private void Fail(Exception error)
    {
        if (!_completion.TrySetException(error)) return;
        SetState(FeedConnectionState.Stopped, error);
        _stop.Cancel();
        _signals.Writer.TryComplete();
        _ = _connection.StopAsync();
    }

    private void SetState(FeedConnectionState state, Exception? error)
    {
        int previous;
        do
        {
            previous = Volatile.Read(ref _state);
            if (previous == (int)FeedConnectionState.Stopped) return; // final
        }
        while (Interlocked.CompareExchange(ref _state, (int)state, previous) != previous);
        if (previous == (int)state && error is null) return;
        Report(state, error);
    }

    private void Report(FeedConnectionState state, Exception? error)
    {
        try { _options.ConnectionChanged?.Invoke(state, error); }
        catch (Exception) { /* a status callback must not break the subscription */ }
    }

    /// <summary>The node refused the key (401) or the caller has no feed (403): retrying cannot help.</summary>
    private static Exception? Refusal(Exception? error, Uri hub)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized })
                return new CoSellNetApiException(401, "Missing or invalid API key",
                    "The node refused the API key for the feed: it is wrong or was revoked. Use a valid partner key.", method: "GET", path: hub.AbsolutePath);
            if (e is HttpRequestException { StatusCode: HttpStatusCode.Forbidden })
                return new CoSellNetApiException(403, "Not allowed",
                    "This key may not read the feed: feeds belong to partners (the operator has none), and the key needs the read scope.", method: "GET", path: hub.AbsolutePath);
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions)
                    if (Refusal(inner, hub) is { } refused) return refused;
        }
        return null;
    }

    /// <summary>Stops the subscription and closes its connection. Safe to call more than once, and from the handler.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var fromHandler = Delivering.Value == this;
        _completion.TrySetResult();
        SetState(FeedConnectionState.Stopped, null);
        await _stop.CancelAsync().ConfigureAwait(false);
        _signals.Writer.TryComplete();
        try { await _connection.StopAsync().ConfigureAwait(false); }
        catch (Exception) { /* stopping a broken connection */ }
        if (!fromHandler) await Quietly(_pump).ConfigureAwait(false);
        await Quietly(_ticker).ConfigureAwait(false);
        await Quietly(_restart).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (!fromHandler) _stop.Dispose();

        static async Task Quietly(Task task)
        {
            try { await task.ConfigureAwait(false); }
            catch (Exception) { /* reported through Completion */ }
        }
    }

    private sealed class HandlerException(Exception inner) : Exception(inner.Message, inner);

    /// <summary>Reconnects at once, then after 1, 2, 4, … seconds up to the maximum, with jitter; never gives up unless the key is refused.</summary>
    private sealed class ReconnectForever(TimeSpan max) : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.RetryReason is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden }
                ? null
                : Delay(retryContext.PreviousRetryCount, max);

        public static TimeSpan Delay(long attempt, TimeSpan max)
        {
            if (attempt <= 0) return TimeSpan.Zero;
            var seconds = Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(attempt - 1, 20)));
            return TimeSpan.FromSeconds(seconds * (0.8 + 0.4 * Random.Shared.NextDouble()));
        }
    }
}
