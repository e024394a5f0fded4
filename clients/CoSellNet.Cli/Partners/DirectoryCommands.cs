using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partners;

/// <summary><c>cosell directory</c>: the partners on the network, and one partner's entry.</summary>
internal static class DirectoryCommands
{
    public static Command Build(CommandBuilder b)
    {
        var type = CommandBuilder.EnumOption<PartnerType>("--type", "Only partners of this type");
        var search = new Option<string?>("--search") { Description = "Text to find in the name or domain." };
        search.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { Length: > 100 }) r.AddError("--search takes at most 100 characters.");
        });
        var limit = CommandBuilder.Limit();
        var command = new Command("directory", "List the partners on the network.") { type, search, limit };
        b.Action(command, async ctx =>
        {
            var text = ctx.Get(search);
            var items = await CommandBuilder.Take(
                ctx.Client().ListAllDirectoryAsync(ctx.Get(type), string.IsNullOrWhiteSpace(text) ? null : text.Trim(), ctx.Cancellation),
                ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, PartnerViews.Directory, "No partners found.");
            return ExitCodes.Ok;
        });

        var id = CommandBuilder.IdArgument("partner-id", "The partner's id.");
        var show = new Command("show", "Show one partner's directory entry, with its public keys.") { id };
        b.Action(show, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().GetDirectoryEntryAsync(ctx.Get(id), ctx.Cancellation), PartnerViews.Directory);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(show);
        return command;
    }
}
