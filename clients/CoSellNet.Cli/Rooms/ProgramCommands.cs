using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Rooms;

/// <summary>
/// <c>cosell programs …</c>: deal registration programs. Any partner reads a vendor's rules of
/// engagement; a vendor publishes its own, lists the registrations made with it and decides them.
/// Deals are registered from a room (<c>cosell rooms register</c>).
/// </summary>
internal static class ProgramCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("programs", "Deal registration programs: a vendor's rules of engagement, and the registrations made with them.");
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Show(b));
        command.Subcommands.Add(Set(b));
        command.Subcommands.Add(Registrations(b));
        command.Subcommands.Add(Decide(b, approve: true));
        command.Subcommands.Add(Decide(b, approve: false));
        return command;
    }

    private static async Task<DirectoryEntry> Me(CommandContext ctx) => (await ctx.Client().GetMeAsync(ctx.Cancellation)).Entry;

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list",
            "List the programs I take part in: my own (vendors), and those of vendors I share a room with or registered a deal with.") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllProgramsAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, RoomViews.Program,
                "No programs. A vendor's program shows here once you work with the vendor in a room or register a deal with it; read any with 'cosell programs show <vendor-id>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandBuilder b)
    {
        var vendor = CommandBuilder.IdArgument("vendor-id", "The vendor's partner id (see 'cosell directory --type vendor'); my own program when left out.");
        vendor.Arity = ArgumentArity.ZeroOrOne;
        var command = new Command("show", "Show a vendor's program: protection period, eligible partner types, approval deadline.") { vendor };
        b.Action(command, async ctx =>
        {
            var id = ctx.Get(vendor) ?? (await Me(ctx)).Id;
            ctx.Output.WriteItem(await ctx.Client().GetProgramAsync(id, ctx.Cancellation), RoomViews.Program);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set(CommandBuilder b)
    {
        var protection = RoomOptions.Days("--protection-days",
            $"How long an approved registration protects the account, in days (default {DealRules.DefaultProtectionDays}).", DealRules.MaxProtectionDays);
        var types = CommandBuilder.Repeated("--eligible-type",
            $"A partner type that may register deals ({string.Join(", ", CoSellNetJson.EnumNames<PartnerType>())}); replaces the list (default: every type but vendor).",
            text => CoSellNetJson.TryParseEnum<PartnerType>(text, out _) ? null
                : $"'{text}' is not a valid eligible-type; use one of: {string.Join(", ", CoSellNetJson.EnumNames<PartnerType>())}.");
        var deadline = RoomOptions.Days("--approval-deadline-days",
            $"How many days I have to decide a registration before it lapses (default {DealRules.DefaultApprovalDeadlineDays}).", DealRules.MaxApprovalDeadlineDays);
        var command = new Command("set",
            "Publish my program's rules (vendors only). What is not given keeps its published value (its default for a first program). " +
            "Registrations keep the protection period in force when they were made.")
        {
            protection, types, deadline,
        };
        b.Action(command, async ctx =>
        {
            var given = ctx.Get(types) ?? [];
            if (ctx.Get(protection) is null && given.Length == 0 && ctx.Get(deadline) is null)
                throw new CliException("Nothing to publish: give --protection-days, --eligible-type or --approval-deadline-days.");
            var client = ctx.Client();
            var me = await Me(ctx);
            VendorProgram? current;
            try { current = await client.GetProgramAsync(me.Id, ctx.Cancellation); }
            catch (CoSellNetApiException e) when (e.Status == 404) { current = null; }
            var eligible = given.Length > 0
                ? [.. given.Select(t => { CoSellNetJson.TryParseEnum<PartnerType>(t, out var type); return type; }).Distinct()]
                : current?.EligibleTypes;
            var rules = new ProgramRules(ctx.Get(protection) ?? current?.ProtectionDays, eligible, ctx.Get(deadline) ?? current?.ApprovalDeadlineDays);
            var published = await client.PublishProgramAsync(me.Id, rules, ctx.Cancellation);
            ctx.Output.WriteItem(published, RoomViews.Program);
            ctx.Note($"Published version {published.Version} of {published.VendorName}'s program.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Registrations(CommandBuilder b)
    {
        var status = CommandBuilder.EnumOption<RegistrationStatus>("--status", "Only registrations with this status");
        var mine = CommandBuilder.Flag("--mine", "The registrations my partner made, with any vendor (instead of those made with my program).");
        var limit = CommandBuilder.Limit();
        var command = new Command("registrations", "The deal registrations made with my program (vendors), or with --mine those I made.") { status, mine, limit };
        b.Action(command, async ctx =>
        {
            var client = ctx.Client();
            IAsyncEnumerable<DealRegistration> items;
            if (ctx.Get(mine)) items = client.ListAllMyRegistrationsAsync(ctx.Get(status), ctx.Cancellation);
            else
            {
                var me = await Me(ctx);
                if (me.Type != PartnerType.Vendor)
                    throw new CliException($"{me.Name} is a {CoSellNetJson.EnumName(me.Type)} partner: only vendors run a program. " +
                                           "The registrations you made are listed with 'cosell programs registrations --mine'.", ExitCodes.Auth);
                items = client.ListAllProgramRegistrationsAsync(me.Id, ctx.Get(status), ctx.Cancellation);
            }
            var list = await CommandBuilder.Take(items, ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(list, RoomViews.Registrations, ctx.Get(status) is { } s ? $"No {CoSellNetJson.EnumName(s)} registrations." : "No registrations.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Decide(CommandBuilder b, bool approve)
    {
        var registration = RoomOptions.RegistrationId();
        var reason = RoomOptions.Text("--reason", approve ? "A note for the partner." : "Why: the partner is told.", RoomLimits.MaxNoteLength, required: !approve);
        var command = approve
            ? new Command("approve", "Approve a pending registration with my program: it protects the account for the program's protection period.") { registration, reason }
            : new Command("reject", "Reject a pending registration with my program, with a reason.") { registration, reason };
        b.Action(command, async ctx =>
        {
            var client = ctx.Client();
            var me = await Me(ctx);
            var decided = approve
                ? await client.ApproveRegistrationAsync(me.Id, ctx.Get(registration), ctx.Get(reason), ctx.Cancellation)
                : await client.RejectRegistrationAsync(me.Id, ctx.Get(registration), ctx.Get(reason)!, ctx.Cancellation);
            ctx.Output.WriteItem(decided, RoomViews.Registration);
            return ExitCodes.Ok;
        });
        return command;
    }
}
