using System.Text.Json;
using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Webhooks;

/// <summary>What <see cref="IWebhookOutbox.Enqueue"/> queued: the event's id and one delivery per matching endpoint (none when no endpoint subscribes).</summary>
public sealed record WebhookEnqueued(string EventId, IReadOnlyList<string> DeliveryIds);

/// <summary>Queues webhook events for a vendor's endpoints. Grains and services call it; each node's dispatcher sends.</summary>
public interface IWebhookOutbox
{
    /// <summary>
    /// Queues one event for every endpoint of <paramref name="vendorId"/> subscribed to <paramref name="eventType"/>:
    /// one delivery row each, written in one statement (all or none). The body is
    /// <c>{"id","type","createdAt","data"}</c> with <paramref name="payload"/> serialized as <c>data</c> (web JSON:
    /// camelCase); it is fixed now, so retries and replays send the same bytes. Deliveries of one endpoint and
    /// room are sent in the order they were queued; pass the room id for room events (null: no order).
    /// </summary>
    /// <exception cref="ArgumentException">The event type is not one of <see cref="WebhookEventTypes.All"/>, or an id is empty.</exception>
    Task<WebhookEnqueued> Enqueue(string vendorId, string eventType, string? roomId, object payload, CancellationToken cancellationToken = default);
}

/// <inheritdoc />
public sealed class WebhookOutbox(NpgsqlDataSource db, TimeProvider clock, WebhookWakeup wakeup) : IWebhookOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<WebhookEnqueued> Enqueue(string vendorId, string eventType, string? roomId, object payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vendorId);
        ArgumentNullException.ThrowIfNull(payload);
        if (!WebhookEventTypes.All.Contains(eventType, StringComparer.Ordinal))
            throw new ArgumentException($"'{eventType}' is not a webhook event type; use one of WebhookEventTypes.All.", nameof(eventType));
        if (roomId is { Length: 0 }) throw new ArgumentException("A room id must not be empty; pass null for an event outside any room.", nameof(roomId));

        var eventId = "evt_" + Guid.CreateVersion7().ToString("N");
        var createdAt = WebhookStore.Micros(clock.GetUtcNow());
        var data = payload is JsonElement element ? element : JsonSerializer.SerializeToElement(payload, payload.GetType(), Json);
        var body = JsonSerializer.Serialize(new WebhookEvent(eventId, eventType, createdAt, data), Json);

        await using var cmd = db.CreateCommand("""
            INSERT INTO webhook_deliveries (id, endpoint, event_id, event_type, room, body, created_at, next_attempt_at)
            SELECT 'dlv_' || replace(gen_random_uuid()::text, '-', ''), e.id, $3, $2, $4, $5, $6, now()
              FROM webhook_endpoints e
             WHERE e.vendor = $1 AND $2 = ANY(e.event_types)
             ORDER BY e.id
            RETURNING id
            """);
        cmd.Parameters.Add(new() { Value = vendorId });
        cmd.Parameters.Add(new() { Value = eventType });
        cmd.Parameters.Add(new() { Value = eventId });
        cmd.Parameters.Add(new() { Value = (object?)roomId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = body });
        cmd.Parameters.Add(new() { Value = createdAt });
        var ids = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        if (ids.Count > 0) wakeup.Pulse();
        return new WebhookEnqueued(eventId, ids);
    }
}

/// <summary>Wakes this node's dispatcher when something was queued here, so it need not wait for its next poll.</summary>
public sealed class WebhookWakeup : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Pulse()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already signalled
    }

    /// <summary>Waits for a pulse or the timeout; true when pulsed.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public void Dispose() => _signal.Dispose();
}
