using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Webhooks;

/// <summary><c>cosell webhooks …</c>: a vendor's webhook endpoints, their delivery log, and replays.</summary>
internal static class WebhookCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("webhooks", "Vendors: register endpoints for deal and room events, read their delivery log, replay deliveries.");
        command.Subcommands.Add(Create(b));
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Delete(b));
        command.Subcommands.Add(Deliveries(b));
        command.Subcommands.Add(Replay(b));
        return command;
    }

    private static Command Create(CommandBuilder b)
    {
        var url = new Option<string>("--url") { Description = "Where to POST events: https (http only to localhost, for development).", Required = true };
        url.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>()?.Trim() ?? "";
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                r.AddError($"--url '{text}' is not an absolute https URL, e.g. https://crm.example.com/hooks/cosellnet.");
        });
        var events = CommandBuilder.Repeated("--event", $"An event type to receive ({string.Join(", ", WebhookEventTypes.All)}), or 'all'.", text =>
            text == "all" || WebhookEventTypes.All.Contains(text) ? null : $"'{text}' is not an event type; use {string.Join(", ", WebhookEventTypes.All)} or all.");
        events.Required = true;
        var description = new Option<string?>("--description") { Description = "A note for you, e.g. which system receives it." };
        var command = new Command("create", "Register a webhook endpoint. Its signing secret is shown once: store it then.") { url, events, description };
        b.Action(command, async ctx =>
        {
            var chosen = ctx.Get(events)!;
            var types = chosen.Contains("all") ? WebhookEventTypes.All : chosen.Distinct().ToList();
            var created = await ctx.Client().CreateWebhookAsync(
                new WebhookEndpointRequest(ctx.Get(url)!.Trim(), types, string.IsNullOrWhiteSpace(ctx.Get(description)) ? null : ctx.Get(description)!.Trim()),
                ctx.Cancellation);
            ctx.Output.WriteItem(created, WebhookViews.Created);
            ctx.Warn("This is the only time the signing secret is shown. Give it to the receiving system now: it checks the CoSellNet-Signature header " +
                     "(t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" keyed with the secret>) of every delivery.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list", "List my webhook endpoints (never their secrets).") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllWebhooksAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, WebhookViews.List, "No webhook endpoints.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandBuilder b)
    {
        var id = CommandBuilder.IdArgument("endpoint-id", "The endpoint's id (see 'cosell webhooks list').");
        var command = new Command("delete", "Delete a webhook endpoint with its delivery log; nothing more is sent to it.") { id };
        b.Action(command, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().DeleteWebhookAsync(ctx.Get(id), ctx.Cancellation), WebhookViews.List);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deliveries(CommandBuilder b)
    {
        var id = CommandBuilder.IdArgument("endpoint-id", "The endpoint's id (see 'cosell webhooks list').");
        var status = CommandBuilder.EnumOption<WebhookDeliveryStatus>("--status", "Only deliveries with this status");
        var limit = CommandBuilder.Limit();
        var command = new Command("deliveries", "An endpoint's deliveries, newest first, with their last answer (-o json shows every attempt).") { id, status, limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllWebhookDeliveriesAsync(ctx.Get(id), ctx.Get(status), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, WebhookViews.Deliveries, "No deliveries.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Replay(CommandBuilder b)
    {
        var endpoint = CommandBuilder.IdArgument("endpoint-id", "The endpoint's id.");
        var delivery = CommandBuilder.IdArgument("delivery-id", "The delivery to send again (see 'cosell webhooks deliveries').");
        var command = new Command("replay", "Send a delivered or failed delivery again, as a new delivery with the same body (the same event id).") { endpoint, delivery };
        b.Action(command, async ctx =>
        {
            var replay = await ctx.Client().ReplayWebhookDeliveryAsync(ctx.Get(endpoint), ctx.Get(delivery), ctx.Cancellation);
            ctx.Output.WriteItem(replay, WebhookViews.Deliveries);
            ctx.Note($"Queued as delivery {replay.Id}; follow it with 'cosell webhooks deliveries {ctx.Get(endpoint)}'.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
