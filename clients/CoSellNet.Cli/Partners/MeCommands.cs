using System.CommandLine;
using CoSellNet.Cli.App;

namespace CoSellNet.Cli.Partners;

/// <summary><c>cosell me</c> and <c>cosell me update</c>: my own partner.</summary>
internal static class MeCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("me", "Show my partner: its directory entry and private settings.");
        b.Action(command, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().GetMeAsync(ctx.Cancellation), PartnerViews.Profile);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(Update(b));
        return command;
    }

    private static Command Update(CommandBuilder b)
    {
        var options = new RegistrationOptions(required: false);
        var command = new Command("update", "Change my profile (admin scope). Options not given keep their values; a repeated option replaces its whole list.");
        options.AddTo(command);
        b.Action(command, async ctx =>
        {
            options.RequireAny(ctx);
            var client = ctx.Client();
            var current = await client.GetMeAsync(ctx.Cancellation);
            var updated = await client.UpdateMeAsync(options.Merge(ctx, current), ctx.Cancellation);
            ctx.Output.WriteItem(updated, PartnerViews.Profile);
            return ExitCodes.Ok;
        });
        return command;
    }
}
