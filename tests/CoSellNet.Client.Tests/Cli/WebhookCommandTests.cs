using System.Net;
using CoSellNet.Cli.App;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell webhooks …</c> against a stub node: what is sent, what is shown.</summary>
public sealed class WebhookCommandTests
{
    private const string EndpointId = "whe_0192f0c1a2b37c4d8e9f0a1b2c3d4e5f";
    private const string Secret = "whsec_q2cbDQAVGgkXaYQy8D4Ywzq5y0h3HfHtxV6O1n2X3yA";

    private static readonly WebhookEndpointView Endpoint =
        new(EndpointId, "https://crm.example.com/hooks", [WebhookEventTypes.DealRegistered, WebhookEventTypes.RoomClosedWon], "CRM", Samples.Joined);

    private static WebhookDeliveryView Delivery(string id = "dlv_1", WebhookDeliveryStatus status = WebhookDeliveryStatus.Failed, string? replayOf = null) =>
        new(id, EndpointId, "evt_1", WebhookEventTypes.RoomClosedWon, "room-7", status, 2, Samples.Joined, null, null, replayOf,
            [new(1, Samples.Joined, 500, "The endpoint answered 500 Internal Server Error.", 12), new(2, Samples.Joined, null, "No answer within 10 s.", 10000)]);

    [Fact]
    public async Task Create_sends_url_and_event_types_and_shows_the_secret_once()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, new CreatedWebhookEndpoint(Endpoint, Secret))).Configured();

        var r = await cli.Run("webhooks", "create", "--url", "https://crm.example.com/hooks", "--event", "deal.registered", "--event", "room.closed-won", "--description", "CRM");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/v1/webhooks", request.PathAndQuery);
        Assert.Equal("""{"url":"https://crm.example.com/hooks","eventTypes":["deal.registered","room.closed-won"],"description":"CRM"}""", request.Body);
        Assert.Contains(Secret, r.Out);
        Assert.Contains("only time the signing secret is shown", r.Error);
    }

    [Fact]
    public async Task Create_checks_event_types_and_takes_all()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, new CreatedWebhookEndpoint(Endpoint, Secret))).Configured();

        var bad = await cli.Run("webhooks", "create", "--url", "https://crm.example.com/hooks", "--event", "deal.won");
        var none = await cli.Run("webhooks", "create", "--url", "https://crm.example.com/hooks");
        var all = await cli.Run("webhooks", "create", "--url", "https://crm.example.com/hooks", "--event", "all");

        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("'deal.won' is not an event type", bad.Error);
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Equal(ExitCodes.Ok, all.ExitCode);
        Assert.Contains("""["deal.registered","deal.decided","room.stage-changed","room.opened","room.closed-won"]""", Assert.Single(cli.Node.Received).Body);
    }

    [Fact]
    public async Task Deliveries_filter_by_status_and_show_the_last_answer()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, new Page<WebhookDeliveryView>([Delivery()], null))).Configured();

        var r = await cli.Run("webhooks", "deliveries", EndpointId, "--status", "failed");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal($"/api/v1/webhooks/{EndpointId}/deliveries?status=failed&limit=500", Assert.Single(cli.Node.Received).PathAndQuery);
        Assert.Contains("dlv_1", r.Out);
        Assert.Contains("No answer within 10 s.", r.Out);
        Assert.Contains("none", r.Out);
    }

    [Fact]
    public async Task Replay_posts_and_names_the_new_delivery()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Delivery("dlv_2", WebhookDeliveryStatus.Pending, "dlv_1"))).Configured();

        var r = await cli.Run("webhooks", "replay", EndpointId, "dlv_1");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"/api/v1/webhooks/{EndpointId}/deliveries/dlv_1/replay", request.PathAndQuery);
        Assert.Contains("Queued as delivery dlv_2", r.Error);
    }

    [Fact]
    public async Task List_and_delete()
    {
        using var cli = new CliRun(new StubNode()
            .Json(HttpStatusCode.OK, new Page<WebhookEndpointView>([Endpoint], null))
            .Json(HttpStatusCode.OK, Endpoint)).Configured();

        var list = await cli.Run("webhooks", "list");
        var delete = await cli.Run("webhooks", "delete", EndpointId);

        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Contains("https://crm.example.com/hooks", list.Out);
        Assert.DoesNotContain("whsec_", list.Out);
        Assert.Equal(ExitCodes.Ok, delete.ExitCode);
        Assert.Equal(HttpMethod.Delete, cli.Node.Received[1].Method);
        Assert.Equal($"/api/v1/webhooks/{EndpointId}", cli.Node.Received[1].PathAndQuery);
    }
}
