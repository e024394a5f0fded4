using System.CommandLine;
using CoSellNet.Cli.App;

namespace CoSellNet.Cli.Partners;

/// <summary><c>cosell partners create</c>: the operator registers a partner.</summary>
internal static class PartnerCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("partners", "Register partners (operator key).");
        command.Subcommands.Add(Create(b));
        return command;
    }

    private static Command Create(CommandBuilder b)
    {
        var options = new RegistrationOptions(required: true);
        var command = new Command("create", "Register a partner with the operator key; prints its first admin API key, once.");
        options.AddTo(command);
        b.Action(command, async ctx =>
        {
            var created = await ctx.Client().CreatePartnerAsync(options.Build(ctx), ctx.Cancellation);
            ctx.Output.WriteItem(created, PartnerViews.Created(showSecret: true));
            ctx.Warn("This is the only time the partner's key is shown; the node keeps only its hash. Hand it to the partner securely now.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
