using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

/// <summary>The events a vendor's webhook endpoint may subscribe to. Lower-case, dotted: area.what.</summary>
public static class WebhookEventTypes
{
    /// <summary>A partner registered a deal with the vendor.</summary>
    public const string DealRegistered = "deal.registered";
    /// <summary>The vendor approved or rejected a deal registration.</summary>
    public const string DealDecided = "deal.decided";
    /// <summary>A room's opportunity moved to another stage.</summary>
    public const string RoomStageChanged = "room.stage-changed";
    /// <summary>An opportunity room the vendor takes part in was opened.</summary>
    public const string RoomOpened = "room.opened";
    /// <summary>A room's opportunity was closed won.</summary>
    public const string RoomClosedWon = "room.closed-won";

    /// <summary>Every event type, in this order.</summary>
    public static readonly IReadOnlyList<string> All = [DealRegistered, DealDecided, RoomStageChanged, RoomOpened, RoomClosedWon];
}

/// <summary>How deliveries are signed and labelled: header names and the secret's prefix.</summary>
/// <remarks>
/// <para>Each delivery is an HTTP POST of a JSON <see cref="WebhookEvent"/> with these headers:</para>
/// <list type="bullet">
/// <item><c>CoSellNet-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>, the HMAC keyed with the
/// UTF-8 bytes of the whole secret as shown at creation (<c>whsec_…</c>) over the UTF-8 bytes of
/// <c>"&lt;t&gt;.&lt;body&gt;"</c>, the body exactly as received;</item>
/// <item><c>CoSellNet-Delivery</c>: the delivery id (new for each replay);</item>
/// <item><c>CoSellNet-Event</c>: the event type.</item>
/// </list>
/// <para>A receiver recomputes the HMAC, compares in constant time, and refuses a <c>t</c> too far from its own
/// clock (five minutes is usual). Answer 2xx within the node's timeout (10 s by default); anything else is retried.</para>
/// </remarks>
public static class WebhookHeaders
{
    public const string Signature = "CoSellNet-Signature";
    public const string Delivery = "CoSellNet-Delivery";
    public const string Event = "CoSellNet-Event";
    /// <summary>Every signing secret starts with this.</summary>
    public const string SecretPrefix = "whsec_";
}

/// <summary>What a vendor registers: where to deliver and which events.</summary>
/// <param name="Url">https to a public address; loopback and private addresses only on a node whose operator allows them (Webhooks:AllowPrivateAddresses), and plain http only to loopback. No user name or password in it.</param>
/// <param name="EventTypes">One or more of <see cref="WebhookEventTypes.All"/>.</param>
/// <param name="Description">A note for the vendor, e.g. which system receives it.</param>
public sealed record WebhookEndpointRequest(string Url, IReadOnlyList<string> EventTypes, string? Description = null);

/// <summary>A registered endpoint, as listed: never its secret.</summary>
public sealed record WebhookEndpointView(
    string Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    string? Description,
    DateTimeOffset CreatedAt);

/// <summary>A new endpoint. <see cref="Secret"/> signs its deliveries and is in this answer only: store it now.</summary>
public sealed record CreatedWebhookEndpoint(WebhookEndpointView Endpoint, string Secret);

[JsonConverter(typeof(JsonStringEnumConverter<WebhookDeliveryStatus>))]
public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its first attempt, for a retry, or for an older delivery of the same room.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("delivered")] Delivered,
    /// <summary>Every attempt failed; it can be replayed.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>One attempt to deliver: the HTTP status the endpoint answered (none when it never answered), or what went wrong.</summary>
public sealed record WebhookAttemptView(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

/// <summary>One delivery of one event to one endpoint, with every attempt made so far.</summary>
/// <param name="Id">The delivery id, sent as <c>CoSellNet-Delivery</c>.</param>
/// <param name="EndpointId">The endpoint it is for.</param>
/// <param name="EventId">The event's id (the body's <c>id</c>): the same for a replay and for other endpoints.</param>
/// <param name="EventType">One of <see cref="WebhookEventTypes"/>.</param>
/// <param name="RoomId">The opportunity room the event belongs to; deliveries of one room and endpoint are sent in order.</param>
/// <param name="Status">Pending, delivered or failed.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="CreatedAt">When it was queued.</param>
/// <param name="NextAttemptAt">When a pending delivery is next tried (it may also wait for an older delivery of its room).</param>
/// <param name="DeliveredAt">When the endpoint accepted it.</param>
/// <param name="ReplayOf">The delivery this one replays.</param>
/// <param name="AttemptLog">Every attempt, oldest first.</param>
public sealed record WebhookDeliveryView(
    string Id,
    string EndpointId,
    string EventId,
    string EventType,
    string? RoomId,
    WebhookDeliveryStatus Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    string? ReplayOf,
    IReadOnlyList<WebhookAttemptView> AttemptLog);

/// <summary>The body of every delivery.</summary>
/// <param name="Id">The event id; a receiver can use it to ignore an event it already handled.</param>
/// <param name="Type">One of <see cref="WebhookEventTypes"/>.</param>
/// <param name="CreatedAt">When the event happened.</param>
/// <param name="Data">The event's details.</param>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, JsonElement Data);
