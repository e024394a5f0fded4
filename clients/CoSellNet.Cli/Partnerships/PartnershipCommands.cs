using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partnerships;

/// <summary><c>cosell partnerships …</c>: my partnerships, each named by the counterpart's partner id.</summary>
internal static class PartnershipCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("partnerships", "Propose, accept and manage partnerships, and what each side shares.");
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Show(b));
        command.Subcommands.Add(Propose(b));
        command.Subcommands.Add(Accept(b));
        command.Subcommands.Add(Simple(b, "decline", "Decline a partnership proposed to me.", (c, id, ct) => c.DeclinePartnershipAsync(id, ct)));
        command.Subcommands.Add(Simple(b, "pause", "Pause my side: nothing is shared while either side has it paused.", (c, id, ct) => c.PausePartnershipAsync(id, ct)));
        command.Subcommands.Add(Simple(b, "resume", "Resume what I paused.", (c, id, ct) => c.ResumePartnershipAsync(id, ct)));
        command.Subcommands.Add(Simple(b, "end", "End the partnership (or withdraw my proposal); its blinded data is deleted.", (c, id, ct) => c.EndPartnershipAsync(id, ct),
            confirm: "Ending the partnership deletes its blinded data and cannot be undone"));
        command.Subcommands.Add(Simple(b, "rotate", "Start a new epoch: keys rotate, the old epoch's blinded data is discarded.", (c, id, ct) => c.RotatePartnershipAsync(id, ct),
            confirm: "Rotating discards this epoch's blinded data; both sides must sync again"));
        command.Subcommands.Add(Motions(b));
        command.Subcommands.Add(Rules(b));
        command.Subcommands.Add(History(b));
        return command;
    }

    private static Argument<string> Counterpart() =>
        CommandBuilder.IdArgument("partner-id", "The counterpart's partner id (see 'cosell directory').");

    /// <summary>--rule, parsed and checked as the command line is parsed.</summary>
    internal static Option<SharingRule[]> RuleOption(string description) => new("--rule")
    {
        Description = $"{description} As {SharingRules.Syntax}. Repeat for several.",
        HelpName = "population=level[:min]",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result =>
        {
            if (SharingRules.TryParseAll(result.Tokens.Select(t => t.Value), out var rules, out var errors))
                return [.. rules];
            foreach (var error in errors) result.AddError(error);
            return [];
        },
    };

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list", "List my partnerships.") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllPartnershipsAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, PartnershipViews.List, "No partnerships yet. Propose one with 'cosell partnerships propose <partner-id>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandBuilder b)
    {
        var id = Counterpart();
        var command = new Command("show", "Show my partnership with one partner.") { id };
        b.Action(command, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().GetPartnershipAsync(ctx.Get(id), ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Propose(CommandBuilder b)
    {
        var id = Counterpart();
        var motions = CommandBuilder.Motions("A motion I opt into");
        var rules = RuleOption("What I share of one of my populations.");
        var command = new Command("propose", "Propose a partnership; the counterpart accepts or declines.") { id, motions, rules };
        b.Action(command, async ctx =>
        {
            var proposal = new ProposePartnership(ctx.Get(id), NullIfEmpty(ctx.Get(motions)), NullIfEmpty(ctx.Get(rules)));
            ctx.Output.WriteItem(await ctx.Client().ProposePartnershipAsync(proposal, ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Accept(CommandBuilder b)
    {
        var id = Counterpart();
        var motions = CommandBuilder.Motions("A motion I opt into");
        var rules = RuleOption("What I share of one of my populations.");
        var command = new Command("accept", "Accept a partnership proposed to me, optionally with my motions and rules.") { id, motions, rules };
        b.Action(command, async ctx =>
        {
            var acceptance = new AcceptPartnership(NullIfEmpty(ctx.Get(motions)), NullIfEmpty(ctx.Get(rules)));
            ctx.Output.WriteItem(await ctx.Client().AcceptPartnershipAsync(ctx.Get(id), acceptance, ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Simple(CommandBuilder b, string name, string description,
        Func<CoSellNetClient, string, CancellationToken, Task<PartnershipView>> call, string? confirm = null)
    {
        var id = Counterpart();
        var command = new Command(name, description) { id };
        var yes = CommandBuilder.Flag("--yes", "Confirm: this cannot be undone.");
        if (confirm is not null) command.Options.Add(yes);
        b.Action(command, async ctx =>
        {
            if (confirm is not null && !ctx.Get(yes))
                throw new CliException($"{confirm}. Pass --yes to {name} the partnership with {ctx.Get(id)}.");
            ctx.Output.WriteItem(await call(ctx.Client(), ctx.Get(id), ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Motions(CommandBuilder b)
    {
        var id = Counterpart();
        var motions = CommandBuilder.Motions("A motion I opt into");
        var none = CommandBuilder.Flag("--none", "Opt out of all motions.");
        var command = new Command("motions", "Set the motions I opt into, replacing the previous ones.") { id, motions, none };
        b.Action(command, async ctx =>
        {
            var chosen = ctx.Get(motions) ?? [];
            RequireExactlyOne(chosen.Length > 0, ctx.Get(none), "--motion", "Give the motions to opt into with --motion (e.g. --motion co-sell), or --none to opt out of all.");
            ctx.Output.WriteItem(await ctx.Client().SetMotionsAsync(ctx.Get(id), [.. chosen.Distinct(StringComparer.Ordinal)], ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rules(CommandBuilder b)
    {
        var id = Counterpart();
        var rules = RuleOption("What I share of one of my populations; populations without a rule are not shared.");
        var none = CommandBuilder.Flag("--none", "Share nothing.");
        var command = new Command("rules", "Set what I share of each of my populations, replacing my previous rules.") { id, rules, none };
        b.Action(command, async ctx =>
        {
            var chosen = ctx.Get(rules) ?? [];
            RequireExactlyOne(chosen.Length > 0, ctx.Get(none), "--rule", $"Give the rules with --rule ({SharingRules.Syntax}), or --none to share nothing.");
            ctx.Output.WriteItem(await ctx.Client().SetRulesAsync(ctx.Get(id), chosen, ctx.Cancellation), PartnershipViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(CommandBuilder b)
    {
        var id = Counterpart();
        var limit = CommandBuilder.Limit();
        var command = new Command("history", "Every change to the partnership: who did what, when.") { id, limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllPartnershipHistoryAsync(ctx.Get(id), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, PartnershipViews.History, "No changes recorded.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void RequireExactlyOne(bool given, bool none, string option, string missing)
    {
        if (given && none) throw new CliException($"{option} and --none contradict each other; give one of them.");
        if (!given && !none) throw new CliException(missing);
    }

    private static IReadOnlyList<T>? NullIfEmpty<T>(T[]? items) => items is { Length: > 0 } ? items : null;
}
