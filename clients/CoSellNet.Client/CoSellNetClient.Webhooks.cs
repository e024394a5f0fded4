using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>One page of my webhook endpoints (vendors only), oldest first. Never their secrets.</summary>
    public Task<Page<WebhookEndpointView>> ListWebhooksAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WebhookEndpointView>>(WithPaging(Routes.Webhooks, cursor, limit), cancellationToken);

    /// <summary>All my webhook endpoints, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<WebhookEndpointView> ListAllWebhooksAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListWebhooksAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>One of my webhook endpoints.</summary>
    public Task<WebhookEndpointView> GetWebhookAsync(string endpointId, CancellationToken cancellationToken = default) =>
        GetAsync<WebhookEndpointView>(Routes.Webhook(Id(endpointId, nameof(endpointId))), cancellationToken);

    /// <summary>
    /// Registers a webhook endpoint (a vendor's admin key). The answer's <see cref="CreatedWebhookEndpoint.Secret"/>
    /// signs its deliveries and is in this answer only: store it now (see <see cref="VerifyWebhookSignature"/>).
    /// </summary>
    public Task<CreatedWebhookEndpoint> CreateWebhookAsync(WebhookEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<CreatedWebhookEndpoint>(Routes.Webhooks, request, cancellationToken);
    }

    /// <summary>Deletes one of my webhook endpoints with its deliveries and their log; nothing more is sent to it.</summary>
    public Task<WebhookEndpointView> DeleteWebhookAsync(string endpointId, CancellationToken cancellationToken = default) =>
        DeleteAsync<WebhookEndpointView>(Routes.Webhook(Id(endpointId, nameof(endpointId))), cancellationToken);

    /// <summary>One page of an endpoint's deliveries, newest first, each with its attempts; optionally of one status.</summary>
    public Task<Page<WebhookDeliveryView>> ListWebhookDeliveriesAsync(string endpointId, WebhookDeliveryStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WebhookDeliveryView>>(
            WithPaging(Routes.WebhookDeliveries(Id(endpointId, nameof(endpointId))), cursor, limit, ("status", status is { } s ? CoSellNetJson.EnumName(s) : null)),
            cancellationToken);

    /// <summary>All of an endpoint's deliveries (newest first), fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<WebhookDeliveryView> ListAllWebhookDeliveriesAsync(string endpointId, WebhookDeliveryStatus? status = null, CancellationToken cancellationToken = default)
    {
        Id(endpointId, nameof(endpointId));
        return WalkAsync((cursor, ct) => ListWebhookDeliveriesAsync(endpointId, status, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>One delivery with every attempt.</summary>
    public Task<WebhookDeliveryView> GetWebhookDeliveryAsync(string endpointId, string deliveryId, CancellationToken cancellationToken = default) =>
        GetAsync<WebhookDeliveryView>(Routes.WebhookDelivery(Id(endpointId, nameof(endpointId)), Id(deliveryId, nameof(deliveryId))), cancellationToken);

    /// <summary>
    /// Replays a delivered or failed delivery: the node queues a new delivery (new id, <c>replayOf</c> the old one)
    /// with the same body, so the same event id. Not idempotent: each call queues another.
    /// </summary>
    public Task<WebhookDeliveryView> ReplayWebhookDeliveryAsync(string endpointId, string deliveryId, CancellationToken cancellationToken = default) =>
        PostAsync<WebhookDeliveryView>(Routes.WebhookReplay(Id(endpointId, nameof(endpointId)), Id(deliveryId, nameof(deliveryId))), null, cancellationToken);

    /// <summary>
    /// For a vendor's receiver: whether a delivery's <c>CoSellNet-Signature</c> header is valid for the body as
    /// received (the exact bytes, as UTF-8 text) and the endpoint's secret, and its time is within
    /// <paramref name="tolerance"/> of now (against replays of old requests). Compares in constant time.
    /// </summary>
    /// <param name="secret">The endpoint's secret as shown at creation (<c>whsec_…</c>).</param>
    /// <param name="signatureHeader">The header's value: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>.</param>
    /// <param name="body">The request body.</param>
    /// <param name="tolerance">How far the signature's time may be from now, e.g. five minutes.</param>
    /// <param name="now">The receiver's clock; the system's when null.</param>
    public static bool VerifyWebhookSignature(string secret, string signatureHeader, string body, TimeSpan tolerance, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrEmpty(signatureHeader)) return false;
        string? t = null;
        var candidates = new List<string>();
        foreach (var part in signatureHeader.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair.Length != 2) continue;
            if (pair[0] == "t") t = pair[1];
            else if (pair[0] == "v1") candidates.Add(pair[1]);
        }
        if (t is null || candidates.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if ((at - (now ?? DateTimeOffset.UtcNow)).Duration() > tolerance) return false;

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        foreach (var candidate in candidates)
        {
            byte[] given;
            try { given = Convert.FromHexString(candidate); }
            catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(expected, given)) return true;
        }
        return false;
    }
}
