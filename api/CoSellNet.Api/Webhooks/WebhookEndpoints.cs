using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Webhooks;

/// <summary>
/// A vendor's webhook endpoints, their deliveries and replays. Only partners of type vendor may use
/// them; every lookup is by the caller's own partner id, so another vendor's ids find nothing (404).
/// </summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/webhooks").WithTags("Webhooks");

        hooks.MapGet("/", async Task<Ok<Page<WebhookEndpointView>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var vendor = await Vendor(user, grains);
            return TypedResults.Ok(Cursor.Of(await store.ListEndpoints(vendor, after, size + 1, ct), e => e.Id, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("List my webhook endpoints (never their secrets)");

        hooks.MapPost("/", async Task<Created<CreatedWebhookEndpoint>> (WebhookEndpointRequest request, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
        {
            var vendor = await Vendor(user, grains);
            var created = await store.CreateEndpoint(vendor, request, ct);
            return TypedResults.Created(Routes.Webhook(created.Endpoint.Id), created);
        })
        .RequireAuthorization(Claims.Policies.Admin)
        .WithSummary("Register a webhook endpoint (vendors; admin key)")
        .WithDescription(
            $"url: https to a public address (loopback and private addresses only where the operator set Webhooks:AllowPrivateAddresses; plain http only to loopback, for development). eventTypes: any of {string.Join(", ", WebhookEventTypes.All)}. " +
            "The answer carries the signing secret (whsec_…), shown this once. Each delivery is a POST of {id, type, createdAt, data} with " +
            "CoSellNet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the secret's UTF-8 bytes over \"<t>.<body>\">, " +
            "CoSellNet-Delivery and CoSellNet-Event. Answer 2xx within 10 s; otherwise it is retried with exponential back-off and full jitter, " +
            "up to 8 attempts. Deliveries of one room are sent in order.");

        hooks.MapGet("/{endpointId}", async Task<Ok<WebhookEndpointView>> (string endpointId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.GetEndpoint(await Vendor(user, grains), endpointId, ct)))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("One of my webhook endpoints");

        hooks.MapDelete("/{endpointId}", async Task<Ok<WebhookEndpointView>> (string endpointId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.DeleteEndpoint(await Vendor(user, grains), endpointId, ct)))
        .RequireAuthorization(Claims.Policies.Admin)
        .WithSummary("Delete a webhook endpoint with its deliveries and their log");

        hooks.MapGet("/{endpointId}/deliveries", async Task<Ok<Page<WebhookDeliveryView>>> (string endpointId, string? status, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var v = new Validator();
            long? before = null;
            if (after is not null)
            {
                if (long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) before = seq;
                else v.Add("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged.");
            }
            var wanted = ParseStatus(status, v);
            v.ThrowIfInvalid();
            var rows = await store.ListDeliveries(await Vendor(user, grains), endpointId, wanted, before, size + 1, ct);
            var page = Cursor.Of(rows, r => r.Seq.ToString(CultureInfo.InvariantCulture), size);
            return TypedResults.Ok(new Page<WebhookDeliveryView>([.. page.Items.Select(r => r.View)], page.NextCursor));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Deliveries of one of my endpoints, newest first, with every attempt")
        .WithDescription("?status=pending|delivered|failed keeps one status. Each attempt records when, the HTTP status the endpoint answered (none if it never answered), the error and the duration.");

        hooks.MapGet("/{endpointId}/deliveries/{deliveryId}", async Task<Ok<WebhookDeliveryView>> (string endpointId, string deliveryId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.GetDelivery(await Vendor(user, grains), endpointId, deliveryId, ct)))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("One delivery with every attempt");

        hooks.MapPost("/{endpointId}/deliveries/{deliveryId}/replay", async Task<Created<WebhookDeliveryView>> (string endpointId, string deliveryId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken ct) =>
        {
            var replay = await store.Replay(await Vendor(user, grains), endpointId, deliveryId, ct);
            return TypedResults.Created(Routes.WebhookDelivery(endpointId, replay.Id), replay);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Replay a delivered or failed delivery")
        .WithDescription("Queues a new delivery (new id, replayOf the old one) with the same body, byte for byte, so the same event id; it is signed afresh when sent, and waits for the room's pending deliveries. The original and its log are kept. A pending delivery is refused with 409.");

        return api;
    }

    /// <summary>The caller's partner id if it is a vendor; anyone else is refused with 403.</summary>
    private static async Task<string> Vendor(ClaimsPrincipal user, IGrainFactory grains)
    {
        var me = user.PrincipalId();
        var entry = await grains.GetGrain<IPartnerGrain>(me).GetEntry();
        if (entry.Type != PartnerType.Vendor)
            throw ProblemException.Forbidden("Webhooks are for vendors",
                $"Only a partner of type vendor registers webhook endpoints and reads their deliveries; this partner is of type '{JsonSerializer.Serialize(entry.Type).Trim('"')}'. " +
                "Deal and room events reach every partner in its feed (GET /api/v1/feed, or the hub at /hubs/feed).");
        return me;
    }

    private static WebhookDeliveryStatus? ParseStatus(string? status, Validator v)
    {
        if (string.IsNullOrEmpty(status)) return null;
        foreach (var candidate in Enum.GetValues<WebhookDeliveryStatus>())
            if (WebhookStore.StatusName(candidate) == status) return candidate;
        v.Add("status", "must be pending, delivered or failed.");
        return null;
    }
}
