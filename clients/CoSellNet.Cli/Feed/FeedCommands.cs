using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Cli.Output;
using CoSellNet.Cli.Sync;
using CoSellNet.Client;

namespace CoSellNet.Cli.Feed;

/// <summary>
/// <c>cosell feed</c> reads my feed once; <c>cosell watch</c> follows it live until Ctrl+C, resuming
/// after dropped connections without losing or repeating an event.
/// </summary>
internal static class FeedCommands
{
    private static readonly JsonSerializerOptions IndentedJson = CliJson.ReadOnly(new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = CliJson.Resolver });

    public static IEnumerable<Command> Build(CommandBuilder b) => [Feed(b), Watch(b)];

    private static Option<long?> After(string description) => new("--after")
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            if (long.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) return n;
            result.AddError($"--after takes a sequence number, 0 or more (the last one already seen; 0 for the beginning), not '{result.Tokens[0].Value}'.");
            return null;
        },
    };

    private static Command Feed(CommandBuilder b)
    {
        var after = After("Show events after this sequence number (default 0: from the beginning).");
        var limit = CommandBuilder.Limit();
        var types = FeedFilter.TypeOption();
        var partner = FeedFilter.PartnerOption();
        var command = new Command("feed", "My feed: partnership changes, released overlaps (named from my local index), room and deal events, oldest first.")
        {
            after, limit, types, partner,
        };
        b.Action(command, async ctx =>
        {
            var filter = FeedFilter.From(ctx, types, partner);
            var client = ctx.Client();
            using var presenter = await Presenter(ctx, client);
            var lines = new List<FeedLine>();
            await foreach (var e in client.ListFeedAsync(ctx.Get(after) ?? 0, filter.Types, ctx.Cancellation))
            {
                if (!filter.Matches(e)) continue;
                lines.Add(await presenter.Describe(e, ctx.Cancellation));
                if (lines.Count == ctx.Get(limit)) break;
            }
            if (ctx.Output.Format == OutputFormat.Json)
            {
                ctx.Environment.Out.WriteLine(new JsonArray([.. lines.Select(l => (JsonNode)l.ToJson())]).ToJsonString(IndentedJson));
            }
            else if (lines.Count == 0 && ctx.Output.Format == OutputFormat.Table)
            {
                ctx.Environment.Out.WriteLine(ctx.Get(after) is > 0 ? $"Nothing after #{ctx.Get(after)}." : "Nothing in the feed yet.");
            }
            else
            {
                // The same lines as 'cosell watch' prints (whole, not cut to a column width).
                using var writer = new FeedWriter(ctx.Environment.Out, ctx.Output.Format);
                foreach (var line in lines) writer.Write(line);
                writer.Flush(headerIfEmpty: true);
            }
            if (lines.Count > 0 && ctx.Output.Format == OutputFormat.Table)
                ctx.Note($"Next time: cosell feed --after {lines[^1].Event.Sequence}, or cosell watch --after {lines[^1].Event.Sequence} to follow it live.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch(CommandBuilder b)
    {
        var after = After("Start after this sequence number: earlier events are shown first, then live ones (default: only new events).");
        var types = FeedFilter.TypeOption();
        var partner = FeedFilter.PartnerOption();
        var command = new Command("watch", "Follow my feed live, one line per event (JSON Lines with -o json), until Ctrl+C. Reconnects by itself and never skips or repeats an event.")
        {
            after, types, partner,
        };
        b.Action(command, async ctx =>
        {
            // Ctrl+C (or SIGTERM) is the normal way to stop watching: stop cleanly, say where to resume, exit 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stop.Cancel();
            }

            var filter = FeedFilter.From(ctx, types, partner);
            var client = ctx.Client();
            var start = ctx.Get(after) ?? await client.GetLastFeedSequenceAsync(stop.Token);
            using var presenter = await Presenter(ctx, client);
            using var writer = new FeedWriter(ctx.Environment.Out, ctx.Output.Format);
            var options = new FeedSubscriptionOptions
            {
                ConnectionChanged = (state, error) =>
                {
                    switch (state)
                    {
                        case FeedConnectionState.Reconnecting:
                            ctx.Note($"connection lost{(error is null ? "" : $" ({error.Message})")}; reconnecting…");
                            break;
                        case FeedConnectionState.Connected when error is null:
                            ctx.Note("connected; catching up on anything missed");
                            break;
                    }
                },
            };
            ctx.Note($"Watching the feed after #{start}. Ctrl+C to stop.");
            FeedSubscription subscription;
            try
            {
                subscription = await client.SubscribeFeedAsync(start, async (e, ct) =>
                {
                    if (filter.Matches(e)) writer.Write(await presenter.Describe(e, ct));
                }, options, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            await using (subscription)
            {
                try
                {
                    await subscription.Completion.WaitAsync(stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Ctrl+C: the normal way to stop watching.
                }
                ctx.Note($"Stopped after #{subscription.LastSequence}; resume with: cosell watch --after {subscription.LastSequence}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Names come from the directory; released records from this profile's local index, if it is on this machine.</summary>
    private static async Task<FeedPresenter> Presenter(CommandContext ctx, CoSellNetClient client)
    {
        var me = (await client.GetMeAsync(ctx.Cancellation)).Entry.Id;
        var files = new PartnerFiles(ctx);
        var index = File.Exists(files.IndexFile) ? files.OpenIndex() : null;
        return new FeedPresenter(client, me, index, ctx.Environment.Error);
    }
}
