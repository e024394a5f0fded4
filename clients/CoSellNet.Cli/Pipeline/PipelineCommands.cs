using System.CommandLine;
using System.Globalization;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Pipeline;

/// <summary>
/// <c>cosell pipeline …</c>: what a vendor's ecosystem produces (reports over the vendor's rooms),
/// the partner costs and settings behind them, and a partner's own scorecard with a vendor.
/// Reports print as fields and tables, as the node's CSV export with -o csv (its last line says
/// how amounts were converted), or as the node's JSON with -o json.
/// </summary>
internal static class PipelineCommands
{
    public static readonly string[] Stages = ["qualify", "develop", "propose", "negotiate", "closed-won", "closed-lost"];

    public static Command Build(CommandBuilder b)
    {
        var command = new Command("pipeline", "Vendor pipeline: ecosystem pipeline, partner revenue under attribution models, ROPI, co-sold vs direct, scorecards.");
        command.Subcommands.Add(Report(b, "ecosystem", "Open value in my rooms where two or more partners besides me take part, by stage, partner and type.",
            PipelineReport.Ecosystem, Filters.Partner | Filters.Stage, (c, q, ct) => c.GetEcosystemPipelineAsync(q, ct), PipelineViews.Ecosystem));
        command.Subcommands.Add(Report(b, "revenue", "Closed-won revenue credited to partners under a model: sourced, influenced and transacted apart, and my direct share.",
            PipelineReport.Revenue, Filters.Partner | Filters.Stage | Filters.Model, (c, q, ct) => c.GetRevenueAsync(q, ct), PipelineViews.Revenue));
        command.Subcommands.Add(Report(b, "ropi", "Return on partner investment: (attributed revenue − cost) / cost by partner.",
            PipelineReport.Ropi, Filters.Partner | Filters.Stage | Filters.Model, (c, q, ct) => c.GetRopiAsync(q, ct), PipelineViews.Ropi));
        command.Subcommands.Add(Report(b, "co-sell", "Co-sold against direct deals: win rate, average cycle days, average won value.",
            PipelineReport.CoSell, Filters.None, (c, q, ct) => c.GetCoSellAsync(q, ct), PipelineViews.CoSell));
        command.Subcommands.Add(Report(b, "scorecards", "Scorecards of the partners in my rooms, each leading with the figures that fit its type.",
            PipelineReport.Scorecards, Filters.Partner | Filters.Stage | Filters.Model, (c, q, ct) => c.GetScorecardsAsync(q, ct), (w, cards) =>
            {
                if (cards.Count == 0) w.WriteLine("No partners in the selection: partners get a scorecard once they take part in one of my rooms.");
                else PipelineViews.Scorecards(w, cards);
            }));
        command.Subcommands.Add(MyScorecard(b));
        command.Subcommands.Add(Costs(b));
        command.Subcommands.Add(SettingsCommand(b));
        return command;
    }

    [Flags]
    private enum Filters { None = 0, Partner = 1, Stage = 2, Model = 4 }

    /// <summary>The filter options of a report, and how to read them into a query.</summary>
    private sealed class FilterOptions
    {
        public Option<DateOnly?> From { get; } = DateOption("--from", "First day of the period (yyyy-MM-dd, in my pipeline's time zone).");
        public Option<DateOnly?> To { get; } = DateOption("--to", "Last day of the period (yyyy-MM-dd, in my pipeline's time zone).");
        public Option<string?> Partner { get; } = new("--partner") { Description = "Only this partner (its partner id)." };
        public Option<PartnerType?> Type { get; } = CommandBuilder.EnumOption<PartnerType>("--type", "Only partners of this type");
        public Option<string?> Stage { get; } = StageOption();
        public Option<string?> Currency { get; } = CurrencyOption();
        public Option<AttributionModel?> Model { get; } = CommandBuilder.EnumOption<AttributionModel>("--model", "How revenue is credited to touches; sourced by default");
        public Option<int?> HalfLife { get; } = HalfLifeOption("--half-life-days", "Half-life of time-decay, in days (my pipeline's default otherwise).");

        public void AddTo(Command command, Filters filters)
        {
            command.Options.Add(From);
            command.Options.Add(To);
            if (filters.HasFlag(Filters.Partner)) { command.Options.Add(Partner); command.Options.Add(Type); }
            if (filters.HasFlag(Filters.Stage)) command.Options.Add(Stage);
            command.Options.Add(Currency);
            if (filters.HasFlag(Filters.Model)) { command.Options.Add(Model); command.Options.Add(HalfLife); }
        }

        public PipelineQuery Read(CommandContext ctx)
        {
            if (ctx.Get(From) is { } from && ctx.Get(To) is { } to && to < from)
                throw new CliException($"--to ({to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}) is before --from ({from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}).");
            return Query(ctx);
        }

        private PipelineQuery Query(CommandContext ctx) => new()
        {
            From = ctx.Get(From),
            To = ctx.Get(To),
            PartnerId = ctx.Get(Partner) is { Length: > 0 } p ? p.Trim() : null,
            PartnerType = ctx.Get(Type),
            Stage = ctx.Get(Stage),
            Currency = ctx.Get(Currency),
            Model = ctx.Get(Model),
            HalfLifeDays = ctx.Get(HalfLife),
        };
    }

    private static Command Report<T>(CommandBuilder b, string name, string description, PipelineReport report, Filters filters,
        Func<CoSellNetClient, PipelineQuery, CancellationToken, Task<T>> fetch, Action<TextWriter, T> table)
    {
        var options = new FilterOptions();
        var command = new Command(name, description + " Vendors only.");
        options.AddTo(command, filters);
        b.Action(command, async ctx =>
        {
            var query = options.Read(ctx);
            switch (ctx.Output.Format)
            {
                case OutputFormat.Csv:
                    WriteCsv(ctx, await ctx.Client().ExportPipelineCsvAsync(report, query, ctx.Cancellation));
                    break;
                case OutputFormat.Json:
                    ctx.Output.WriteItem(await fetch(ctx.Client(), query, ctx.Cancellation), []);
                    break;
                default:
                    table(ctx.Environment.Out, await fetch(ctx.Client(), query, ctx.Cancellation));
                    break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The node's CSV as the other commands write CSV: one record per line, "\n" line ends.</summary>
    private static void WriteCsv(CommandContext ctx, string csv) =>
        ctx.Environment.Out.Write(csv.ReplaceLineEndings("\n"));

    private static Command MyScorecard(CommandBuilder b)
    {
        var vendor = CommandBuilder.IdArgument("vendor-id", "The vendor's partner id (see 'cosell directory --type vendor').");
        var options = new FilterOptions();
        var command = new Command("scorecard", "My own scorecard with a vendor, as a partner in its rooms.") { vendor };
        options.AddTo(command, Filters.Stage | Filters.Model);
        b.Action(command, async ctx =>
        {
            var query = options.Read(ctx);
            var client = ctx.Client();
            switch (ctx.Output.Format)
            {
                case OutputFormat.Csv:
                    WriteCsv(ctx, await client.ExportMyScorecardCsvAsync(ctx.Get(vendor), query, ctx.Cancellation));
                    break;
                case OutputFormat.Json:
                    ctx.Output.WriteItem(await client.GetMyScorecardAsync(ctx.Get(vendor), query, ctx.Cancellation), []);
                    break;
                default:
                    PipelineViews.Scorecard(ctx.Environment.Out, await client.GetMyScorecardAsync(ctx.Get(vendor), query, ctx.Cancellation));
                    break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Costs(CommandBuilder b)
    {
        var command = new Command("costs", "What I spent on partners (mdf, rebates, enablement, other): the cost side of ROPI.");

        var partner = new Option<string>("--partner") { Description = "The partner's id.", Required = true };
        var kind = new Option<string>("--kind") { Description = "mdf, rebates, enablement or other.", Required = true, HelpName = "mdf|rebates|enablement|other" };
        kind.AcceptOnlyFromAmong("mdf", "rebates", "enablement", "other");
        var amount = new Option<decimal>("--amount") { Description = "The amount, more than 0, in the currency's units (e.g. 1500.50).", Required = true };
        amount.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<decimal>() <= 0) result.AddError("--amount must be more than 0.");
        });
        var currency = CurrencyOption(required: true);
        var date = DateOption("--date", "The day the cost falls on (yyyy-MM-dd); today by default.");
        var note = new Option<string?>("--note") { Description = "A note (at most 500 characters)." };
        var add = new Command("add", "Record a partner cost. Vendors only.") { partner, kind, amount, currency, date, note };
        b.Action(add, async ctx =>
        {
            var request = new PartnerCostRequest(ctx.Get(partner)!.Trim(), ctx.Get(kind)!, ctx.Get(amount), ctx.Get(currency)!,
                ctx.Get(date) ?? DateOnly.FromDateTime(DateTime.Today), ctx.Get(note));
            ctx.Output.WriteItem(await ctx.Client().AddPartnerCostAsync(request, ctx.Cancellation), PipelineViews.Cost);
            return ExitCodes.Ok;
        });

        var limit = CommandBuilder.Limit();
        var list = new Command("list", "List my recorded partner costs by date. Vendors only.") { limit };
        b.Action(list, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllPartnerCostsAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, PipelineViews.Costs, "No partner costs yet. Record one with 'cosell pipeline costs add'.");
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        return command;
    }

    private static Command SettingsCommand(CommandBuilder b)
    {
        var command = new Command("settings", "My pipeline's time zone, base currency, exchange rates and default half-life.");

        var get = new Command("get", "Show my pipeline settings. Vendors only.");
        b.Action(get, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().GetPipelineSettingsAsync(ctx.Cancellation), PipelineViews.Settings);
            return ExitCodes.Ok;
        });

        var zone = new Option<string?>("--time-zone") { Description = "An IANA time zone id, e.g. Europe/Berlin: periods are dates there." };
        var baseCurrency = CurrencyOption("--base-currency", "The currency rates are given in, and reports default to.");
        var rates = CommandBuilder.Repeated("--rate", "An exchange rate as CODE=RATE: units of the base currency per one unit of CODE (e.g. EUR=1.08). Adds to or changes the current rates.",
            text => TryParseRate(text, out _, out _) ? null : $"'{text}' is not a rate; use CODE=RATE with an ISO 4217 code and a number more than 0, e.g. EUR=1.08.");
        var clear = CommandBuilder.Flag("--clear-rates", "Remove every rate first (then add those given with --rate).");
        var halfLife = HalfLifeOption("--half-life-days", "The default half-life of time-decay, in days.");
        var set = new Command("set", "Change my pipeline settings; what is not given stays as it is. Vendors only; needs an admin key.") { zone, baseCurrency, rates, clear, halfLife };
        b.Action(set, async ctx =>
        {
            var given = ctx.Get(rates) ?? [];
            if (ctx.Get(zone) is null && ctx.Get(baseCurrency) is null && given.Length == 0 && !ctx.Get(clear) && ctx.Get(halfLife) is null)
                throw new CliException("Nothing to change: give --time-zone, --base-currency, --rate, --clear-rates or --half-life-days.", ExitCodes.Usage);
            var client = ctx.Client();
            var current = await client.GetPipelineSettingsAsync(ctx.Cancellation);
            var newRates = ctx.Get(clear) ? new Dictionary<string, decimal>(StringComparer.Ordinal)
                : new Dictionary<string, decimal>(current.Rates ?? new Dictionary<string, decimal>(), StringComparer.Ordinal);
            foreach (var text in given)
            {
                TryParseRate(text, out var code, out var rate);
                newRates[code] = rate;
            }
            var changed = current with
            {
                TimeZone = ctx.Get(zone)?.Trim() ?? current.TimeZone,
                BaseCurrency = ctx.Get(baseCurrency) ?? current.BaseCurrency,
                Rates = newRates,
                HalfLifeDays = ctx.Get(halfLife) ?? current.HalfLifeDays,
            };
            ctx.Output.WriteItem(await client.SetPipelineSettingsAsync(changed, ctx.Cancellation), PipelineViews.Settings);
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(get);
        command.Subcommands.Add(set);
        return command;
    }

    internal static bool TryParseRate(string text, out string code, out decimal rate)
    {
        code = "";
        rate = 0;
        var parts = text.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2) return false;
        code = parts[0].ToUpperInvariant();
        return Currencies.MinorDigits.ContainsKey(code)
               && decimal.TryParse(parts[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) && rate > 0;
    }

    private static Option<DateOnly?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "yyyy-MM-dd",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
            result.AddError($"'{text}' is not a date for {name}; use yyyy-MM-dd, e.g. 2026-03-31.");
            return null;
        },
    };

    private static Option<string?> StageOption()
    {
        var option = new Option<string?>("--stage") { Description = $"Only rooms at this stage ({string.Join(", ", Stages)}).", HelpName = string.Join("|", Stages) };
        option.AcceptOnlyFromAmong(Stages);
        return option;
    }

    private static Option<string?> CurrencyOption(string name = "--currency", string description = "The currency to report in (my base currency by default).", bool required = false) => new(name)
    {
        Description = description + " An ISO 4217 code such as USD or EUR.",
        HelpName = "code",
        Required = required,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim().ToUpperInvariant();
            if (Currencies.MinorDigits.ContainsKey(text)) return text;
            result.AddError($"'{result.Tokens[0].Value}' is not a currency {name} takes; use one of: {string.Join(", ", Currencies.All)}.");
            return null;
        },
    };

    private static Option<int?> HalfLifeOption(string name, string description) => new(name)
    {
        Description = description + " 1 to 3650.",
        HelpName = "days",
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<int?>() is < 1 or > 3650) result.AddError($"{name} must be 1 to 3650 days.");
            },
        },
    };
}
