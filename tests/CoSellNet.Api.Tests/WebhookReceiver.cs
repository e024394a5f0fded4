using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Api.Tests;

/// <summary>One request as the receiver saw it. Tickets order arrivals and answers across all requests.</summary>
public sealed class ReceivedHook
{
    public required long ArrivedTicket { get; init; }
    public required DateTimeOffset ArrivedAt { get; init; }
    public required string Body { get; init; }
    public required string? Signature { get; init; }
    public required string? Delivery { get; init; }
    public required string? Event { get; init; }
    public required string? ContentType { get; init; }
    /// <summary>The status answered, or null when the sender gave up first (the answer never went out).</summary>
    public int? Status { get; set; }
    /// <summary>Taken just before the handler returns, so before the sender can have the answer.</summary>
    public long AnsweredTicket { get; set; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string EventId => Json.GetProperty("id").GetString()!;
    public JsonElement Data => Json.GetProperty("data");
    public bool Accepted => Status is >= 200 and < 300;
}

/// <summary>
/// A real HTTP endpoint on a free loopback port (Kestrel), answering each POST as the test says:
/// a status code, possibly after a delay (a delay longer than the node's timeout is a timeout).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedHook> _received = new();
    private long _ticket;

    private WebhookReceiver(Func<ReceivedHook, IReadOnlyList<ReceivedHook>, (int Status, TimeSpan Delay)> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var hook = new ReceivedHook
            {
                ArrivedTicket = Interlocked.Increment(ref _ticket),
                ArrivedAt = DateTimeOffset.UtcNow,
                Body = await reader.ReadToEndAsync(),
                Signature = context.Request.Headers["CoSellNet-Signature"],
                Delivery = context.Request.Headers["CoSellNet-Delivery"],
                Event = context.Request.Headers["CoSellNet-Event"],
                ContentType = context.Request.ContentType,
            };
            (int Status, TimeSpan Delay) decision;
            lock (_received)
            {
                decision = answer(hook, [.. _received]);
                _received.Enqueue(hook);
            }
            try
            {
                if (decision.Delay > TimeSpan.Zero) await Task.Delay(decision.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                hook.AnsweredTicket = Interlocked.Increment(ref _ticket);
                return;
            }
            hook.Status = decision.Status;
            hook.AnsweredTicket = Interlocked.Increment(ref _ticket);
            context.Response.StatusCode = decision.Status;
        });
    }

    public string Url { get; private set; } = "";

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedHook> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <param name="answer">Given the new request and every earlier one, the status to answer and how long to wait first.</param>
    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedHook, IReadOnlyList<ReceivedHook>, (int Status, TimeSpan Delay)>? answer = null)
    {
        var receiver = new WebhookReceiver(answer ?? ((_, _) => (200, TimeSpan.Zero)));
        await receiver._app.StartAsync();
        receiver.Url = receiver._app.Urls.Single().TrimEnd('/') + "/hook";
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds of what was received (at most 60 s).</summary>
    public async Task WaitFor(Func<IReadOnlyList<ReceivedHook>, bool> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!condition(Received))
        {
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The receiver never saw {what}; it got {Received.Count} requests.");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>Keeps every log message the node writes, with its exception and structured values, to search for secrets.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}
