using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Webhooks;

internal static class WebhookViews
{
    public static Columns<WebhookEndpointView> List { get; } = new Columns<WebhookEndpointView>()
        .Add("Id", e => e.Id)
        .Add("URL", e => e.Url)
        .Add("Events", e => Cells.List(e.EventTypes))
        .Add("Description", e => e.Description)
        .Add("Created", e => Cells.Time(e.CreatedAt));

    /// <summary>A new endpoint with its signing secret: shown this once.</summary>
    public static Columns<CreatedWebhookEndpoint> Created { get; } = new Columns<CreatedWebhookEndpoint>()
        .Add("Id", c => c.Endpoint.Id)
        .Add("URL", c => c.Endpoint.Url)
        .Add("Events", c => Cells.List(c.Endpoint.EventTypes))
        .Add("Description", c => c.Endpoint.Description)
        .Add("Created", c => Cells.Time(c.Endpoint.CreatedAt))
        .Add("Secret", c => c.Secret);

    public static Columns<WebhookDeliveryView> Deliveries { get; } = new Columns<WebhookDeliveryView>()
        .Add("Id", d => d.Id)
        .Add("Event", d => d.EventType)
        .Add("Room", d => d.RoomId)
        .Add("Status", d => Cells.Name(d.Status))
        .Add("Attempts", d => Cells.Number(d.Attempts))
        .Add("Last answer", d => d.AttemptLog.LastOrDefault() is { } a ? a.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none" : "")
        .Add("Last error", d => d.AttemptLog.LastOrDefault()?.Error)
        .Add("Created", d => Cells.Time(d.CreatedAt))
        .Add("Delivered", d => Cells.Time(d.DeliveredAt))
        .Add("Next attempt", d => Cells.Time(d.NextAttemptAt))
        .Add("Replay of", d => d.ReplayOf)
        .Add("Event id", d => d.EventId);
}
