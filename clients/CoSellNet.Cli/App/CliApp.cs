using System.CommandLine;
using System.CommandLine.Invocation;
using CoSellNet.Cli.Config;
using CoSellNet.Cli.Feed;
using CoSellNet.Cli.Invitations;
using CoSellNet.Cli.Keys;
using CoSellNet.Cli.Partners;
using CoSellNet.Cli.Partnerships;
using CoSellNet.Cli.Pipeline;
using CoSellNet.Cli.Sync;

namespace CoSellNet.Cli.App;

/// <summary>The <c>cosell</c> command tree, and running it.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliEnvironment env)
    {
        var global = new GlobalOptions();
        var b = new CommandBuilder(env, global);
        var root = new RootCommand(
            "cosell: work with a CoSellNet node as a partner (or its operator). " +
            "Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 auth, 4 not found, 5 conflict.");
        global.AddTo(root);
        root.Subcommands.Add(ConfigCommands.Build(b));
        root.Subcommands.Add(MeCommands.Build(b));
        root.Subcommands.Add(DirectoryCommands.Build(b));
        root.Subcommands.Add(PartnerCommands.Build(b));
        root.Subcommands.Add(InvitationCommands.Build(b));
        root.Subcommands.Add(PartnershipCommands.Build(b));
        root.Subcommands.Add(KeyCommands.Build(b));
        root.Subcommands.Add(Webhooks.WebhookCommands.Build(b));
        root.Subcommands.Add(SecretCommands.Build(b));
        root.Subcommands.Add(SyncCommands.Build(b));
        foreach (var command in ResultCommands.Build(b)) root.Subcommands.Add(command);
        foreach (var command in FeedCommands.Build(b)) root.Subcommands.Add(command);
        root.Subcommands.Add(PipelineCommands.Build(b));
        root.Subcommands.Add(Rooms.RoomCommands.Build(b));
        root.Subcommands.Add(Rooms.ProgramCommands.Build(b));
        return root;
    }

    /// <summary>Parses and runs a command line; returns the exit code. Usage errors exit with 2.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken = default)
    {
        var parse = BuildRoot(env).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors) env.Error.WriteLine($"error: {error.Message}");
            env.Error.WriteLine($"Run '{HelpCommand(parse)} --help' for usage.");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration { Output = env.Out, Error = env.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    private static string HelpCommand(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(result.Command is RootCommand ? "cosell" : result.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
