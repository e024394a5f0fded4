using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Webhooks;

/// <summary>A delivery claimed by one node: everything needed to send it once.</summary>
/// <param name="Attempt">The number this attempt will have (1 for the first).</param>
/// <param name="Lease">The claim's token: only the holder may record the outcome.</param>
public sealed record WebhookClaim(
    string DeliveryId,
    string EndpointId,
    string Url,
    byte[] StoredSecret,
    string EventId,
    string EventType,
    string Body,
    int Attempt,
    Guid Lease);

/// <summary>The outcome of one attempt.</summary>
/// <param name="StatusCode">The endpoint's HTTP status, or null when it never answered.</param>
/// <param name="Error">What went wrong (no secret, no signature), or null on success.</param>
public sealed record WebhookAttemptResult(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Webhook endpoints, deliveries and attempts in PostgreSQL (<c>webhook_*</c>). Endpoints are always
/// looked up with their vendor, so another vendor's endpoint id finds nothing. Delivery schedules use
/// the database clock, so that nodes with different clocks agree on what is due.
/// </summary>
public sealed class WebhookStore(NpgsqlDataSource db, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock)
{
    private const string EndpointColumns = "id, url, event_types, description, created_at";
    private const string DeliveryColumns = "d.seq, d.id, d.endpoint, d.event_id, d.event_type, d.room, d.status, d.attempts, d.created_at, d.next_attempt_at, d.delivered_at, d.replay_of";

    // ---- endpoints ----------------------------------------------------------------------------

    /// <summary>Registers an endpoint for a vendor; the answer carries the new secret, the only time it is shown.</summary>
    public async Task<CreatedWebhookEndpoint> CreateEndpoint(string vendor, WebhookEndpointRequest? request, CancellationToken ct = default)
    {
        var (url, types, description) = WebhookValidation.Check(request, options.Value.AllowPrivateAddresses);
        var id = "whe_" + Guid.CreateVersion7().ToString("N");
        var secret = WebhookSecrets.NewSecret();
        var max = options.Value.MaxEndpointsPerVendor;
        await using var cmd = db.CreateCommand($"""
            INSERT INTO webhook_endpoints (id, vendor, url, event_types, description, secret, created_at)
            SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE (SELECT count(*) FROM webhook_endpoints WHERE vendor = $2) < $8
            RETURNING {EndpointColumns}
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = vendor });
        cmd.Parameters.Add(new() { Value = url.AbsoluteUri });
        cmd.Parameters.Add(new() { Value = types.ToArray() });
        cmd.Parameters.Add(new() { Value = (object?)description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = secrets.Seal(id, secret) });
        cmd.Parameters.Add(new() { Value = Micros(clock.GetUtcNow()) });
        cmd.Parameters.Add(new() { Value = (long)max });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw ProblemException.Conflict("Too many webhook endpoints",
                $"A vendor may register at most {max} webhook endpoints. Delete one you no longer use (DELETE /api/v1/webhooks/{{id}}), or subscribe an existing endpoint to more event types.");
        return new CreatedWebhookEndpoint(ReadEndpoint(reader), secret);
    }

    /// <summary>A vendor's endpoints in id (creation) order after <paramref name="after"/>; up to <paramref name="limit"/>.</summary>
    public async Task<List<WebhookEndpointView>> ListEndpoints(string vendor, string? after, int limit, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {EndpointColumns} FROM webhook_endpoints
             WHERE vendor = $1 AND ($2::text IS NULL OR id > $2)
             ORDER BY id LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = vendor });
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<WebhookEndpointView>();
        while (await reader.ReadAsync(ct)) items.Add(ReadEndpoint(reader));
        return items;
    }

    /// <summary>One of the vendor's endpoints, or not found (also when it is another vendor's).</summary>
    public async Task<WebhookEndpointView> GetEndpoint(string vendor, string endpointId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = $1 AND vendor = $2");
        cmd.Parameters.Add(new() { Value = endpointId });
        cmd.Parameters.Add(new() { Value = vendor });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadEndpoint(reader) : throw EndpointNotFound(endpointId);
    }

    /// <summary>Deletes one of the vendor's endpoints with its deliveries and their log; nothing more is sent to it.</summary>
    public async Task<WebhookEndpointView> DeleteEndpoint(string vendor, string endpointId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"DELETE FROM webhook_endpoints WHERE id = $1 AND vendor = $2 RETURNING {EndpointColumns}");
        cmd.Parameters.Add(new() { Value = endpointId });
        cmd.Parameters.Add(new() { Value = vendor });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadEndpoint(reader) : throw EndpointNotFound(endpointId);
    }

    // ---- deliveries ---------------------------------------------------------------------------

    /// <summary>
    /// Deliveries of one of the vendor's endpoints, newest first, before sequence <paramref name="beforeSeq"/>,
    /// optionally of one status; each with its attempts. Returns each with its sequence number (the paging key).
    /// </summary>
    public async Task<List<(long Seq, WebhookDeliveryView View)>> ListDeliveries(string vendor, string endpointId, WebhookDeliveryStatus? status, long? beforeSeq, int limit, CancellationToken ct = default)
    {
        await GetEndpoint(vendor, endpointId, ct);
        await using var cmd = db.CreateCommand($"""
            SELECT {DeliveryColumns} FROM webhook_deliveries d
             WHERE d.endpoint = $1 AND ($2::bigint IS NULL OR d.seq < $2) AND ($3::text IS NULL OR d.status = $3)
             ORDER BY d.seq DESC LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = endpointId });
        cmd.Parameters.Add(new() { Value = (object?)beforeSeq ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = status is { } s ? StatusName(s) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        return await ReadDeliveries(cmd, ct);
    }

    /// <summary>One delivery of one of the vendor's endpoints, with its attempts.</summary>
    public async Task<WebhookDeliveryView> GetDelivery(string vendor, string endpointId, string deliveryId, CancellationToken ct = default)
    {
        await GetEndpoint(vendor, endpointId, ct);
        await using var cmd = db.CreateCommand($"SELECT {DeliveryColumns} FROM webhook_deliveries d WHERE d.endpoint = $1 AND d.id = $2");
        cmd.Parameters.Add(new() { Value = endpointId });
        cmd.Parameters.Add(new() { Value = deliveryId });
        var found = await ReadDeliveries(cmd, ct);
        return found.Count == 1 ? found[0].View : throw DeliveryNotFound(endpointId, deliveryId);
    }

    /// <summary>
    /// Replays a delivered or failed delivery: a new delivery (new id, <c>replayOf</c> the old one) with the same
    /// body, byte for byte, so the same event id; it queues behind the room's pending deliveries. The original and
    /// its log stay as they were. A pending delivery is refused: it is still going to be sent.
    /// </summary>
    public async Task<WebhookDeliveryView> Replay(string vendor, string endpointId, string deliveryId, CancellationToken ct = default)
    {
        var original = await GetDelivery(vendor, endpointId, deliveryId, ct);
        if (original.Status == WebhookDeliveryStatus.Pending)
            throw ProblemException.Conflict("Delivery still pending",
                $"Delivery {deliveryId} has not finished yet (attempt {original.Attempts} of {options.Value.MaxAttempts} done); it will be sent or marked failed. Replay it after that.");
        var id = NewDeliveryId();
        await using (var cmd = db.CreateCommand("""
            INSERT INTO webhook_deliveries (id, endpoint, event_id, event_type, room, body, created_at, next_attempt_at, replay_of)
            SELECT $1, endpoint, event_id, event_type, room, body, $3, now(), id FROM webhook_deliveries WHERE id = $2
            """))
        {
            cmd.Parameters.Add(new() { Value = id });
            cmd.Parameters.Add(new() { Value = deliveryId });
            cmd.Parameters.Add(new() { Value = Micros(clock.GetUtcNow()) });
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) throw DeliveryNotFound(endpointId, deliveryId);
        }
        return await GetDelivery(vendor, endpointId, id, ct);
    }

    // ---- the dispatcher's side ----------------------------------------------------------------

    /// <summary>
    /// Claims up to <paramref name="max"/> due deliveries for <see cref="WebhookOptions.Lease"/>. Rows another
    /// node is claiming right now are skipped (FOR UPDATE SKIP LOCKED), rows another node holds a lease on
    /// are not due, and a delivery waits while an older delivery of the same endpoint and room is pending.
    /// </summary>
    public async Task<IReadOnlyList<WebhookClaim>> Claim(int max, CancellationToken ct = default)
    {
        var lease = Guid.NewGuid();
        await using var cmd = db.CreateCommand("""
            WITH due AS (
                SELECT d.id
                  FROM webhook_deliveries d
                 WHERE d.status = 'pending'
                   AND d.next_attempt_at <= now()
                   AND (d.leased_until IS NULL OR d.leased_until < now())
                   AND (d.room IS NULL OR NOT EXISTS (
                        SELECT 1 FROM webhook_deliveries o
                         WHERE o.endpoint = d.endpoint AND o.room = d.room AND o.status = 'pending' AND o.seq < d.seq))
                 ORDER BY d.next_attempt_at, d.seq
                 LIMIT $1
                   FOR UPDATE OF d SKIP LOCKED)
            UPDATE webhook_deliveries d
               SET lease = $2, leased_until = now() + $3
              FROM due, webhook_endpoints e
             WHERE d.id = due.id AND e.id = d.endpoint
            RETURNING d.id, d.endpoint, e.url, e.secret, d.event_id, d.event_type, d.body, d.attempts
            """);
        cmd.Parameters.Add(new() { Value = max });
        cmd.Parameters.Add(new() { Value = lease });
        cmd.Parameters.Add(new() { Value = options.Value.Lease });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var claims = new List<WebhookClaim>();
        while (await reader.ReadAsync(ct))
            claims.Add(new WebhookClaim(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetInt32(7) + 1, lease));
        return claims;
    }

    /// <summary>
    /// Records an attempt and its consequence: delivered, retried after <paramref name="retryDelay"/>, or failed after
    /// the last attempt. Returns the delivery's status, or null when the claim was no longer ours (the lease ran out
    /// and another node took it, or the endpoint was deleted): then nothing is recorded.
    /// </summary>
    public async Task<WebhookDeliveryStatus?> Complete(WebhookClaim claim, WebhookAttemptResult result, TimeSpan retryDelay, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int attempt;
        string status;
        await using (var update = new NpgsqlCommand("""
            UPDATE webhook_deliveries
               SET attempts = attempts + 1,
                   status = CASE WHEN $3 THEN 'delivered' WHEN attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END,
                   delivered_at = CASE WHEN $3 THEN now() END,
                   next_attempt_at = CASE WHEN $3 THEN next_attempt_at ELSE now() + $5 END,
                   lease = NULL, leased_until = NULL
             WHERE id = $1 AND lease = $2
            RETURNING attempts, status
            """, connection, tx))
        {
            update.Parameters.Add(new() { Value = claim.DeliveryId });
            update.Parameters.Add(new() { Value = claim.Lease });
            update.Parameters.Add(new() { Value = result.Delivered });
            update.Parameters.Add(new() { Value = options.Value.MaxAttempts });
            update.Parameters.Add(new() { Value = retryDelay });
            await using var reader = await update.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            attempt = reader.GetInt32(0);
            status = reader.GetString(1);
        }
        await using (var log = new NpgsqlCommand("""
            INSERT INTO webhook_attempts (delivery, attempt, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
            """, connection, tx))
        {
            log.Parameters.Add(new() { Value = claim.DeliveryId });
            log.Parameters.Add(new() { Value = attempt });
            log.Parameters.Add(new() { Value = Micros(result.At) });
            log.Parameters.Add(new() { Value = (object?)result.StatusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            log.Parameters.Add(new() { Value = (object?)Truncate(result.Error) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            log.Parameters.Add(new() { Value = result.DurationMs });
            await log.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return ParseStatus(status);
    }

    /// <summary>Gives a claim back without recording an attempt (the node is stopping): another node may send it at once.</summary>
    public async Task Release(WebhookClaim claim, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("UPDATE webhook_deliveries SET lease = NULL, leased_until = NULL WHERE id = $1 AND lease = $2");
        cmd.Parameters.Add(new() { Value = claim.DeliveryId });
        cmd.Parameters.Add(new() { Value = claim.Lease });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The secret of a claimed delivery's endpoint, for signing.</summary>
    public string OpenSecret(WebhookClaim claim) => secrets.Open(claim.EndpointId, claim.StoredSecret);

    // ---- helpers --------------------------------------------------------------------------------

    internal static string NewDeliveryId() => "dlv_" + Guid.CreateVersion7().ToString("N");

    /// <summary>PostgreSQL keeps microseconds: round-trip values (and bodies that quote them) must not carry more.</summary>
    internal static DateTimeOffset Micros(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    public static string StatusName(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Delivered => "delivered",
        WebhookDeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static WebhookDeliveryStatus ParseStatus(string status) => status switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "delivered" => WebhookDeliveryStatus.Delivered,
        "failed" => WebhookDeliveryStatus.Failed,
        _ => throw new InvalidOperationException($"Unknown delivery status '{status}' in webhook_deliveries."),
    };

    private static string? Truncate(string? error) => error is { Length: > 500 } ? error[..500] + "…" : error;

    private static WebhookEndpointView ReadEndpoint(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetFieldValue<string[]>(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4));

    private async Task<List<(long Seq, WebhookDeliveryView View)>> ReadDeliveries(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<(long Seq, WebhookDeliveryView View)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var status = ParseStatus(reader.GetString(6));
                rows.Add((reader.GetInt64(0), new WebhookDeliveryView(
                    reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    status, reader.GetInt32(7), reader.GetFieldValue<DateTimeOffset>(8),
                    status == WebhookDeliveryStatus.Pending ? reader.GetFieldValue<DateTimeOffset>(9) : null,
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                    reader.IsDBNull(11) ? null : reader.GetString(11),
                    [])));
            }
        }
        if (rows.Count == 0) return rows;

        await using var attempts = db.CreateCommand("""
            SELECT delivery, attempt, at, status_code, error, duration_ms FROM webhook_attempts
             WHERE delivery = ANY($1) ORDER BY delivery, attempt
            """);
        attempts.Parameters.Add(new() { Value = rows.Select(r => r.View.Id).ToArray() });
        var log = new Dictionary<string, List<WebhookAttemptView>>(StringComparer.Ordinal);
        await using (var reader = await attempts.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var delivery = reader.GetString(0);
                if (!log.TryGetValue(delivery, out var list)) log[delivery] = list = [];
                list.Add(new WebhookAttemptView(reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5)));
            }
        }
        return [.. rows.Select(r => (r.Seq, r.View with { AttemptLog = log.GetValueOrDefault(r.View.Id) ?? [] }))];
    }

    private static ProblemException EndpointNotFound(string endpointId) =>
        ProblemException.NotFound("Webhook endpoint", $"You have no webhook endpoint '{Clip(endpointId)}'. List yours with GET /api/v1/webhooks.");

    private static ProblemException DeliveryNotFound(string endpointId, string deliveryId) =>
        ProblemException.NotFound("Webhook delivery", $"Endpoint {Clip(endpointId)} has no delivery '{Clip(deliveryId)}'. List its deliveries with GET /api/v1/webhooks/{Clip(endpointId)}/deliveries.");

    private static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
