using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Keys;

/// <summary><c>cosell keys …</c>: my API keys (admin scope, or the operator's own keys).</summary>
internal static class KeyCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("keys", "List, create and revoke my API keys.");
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Create(b));
        command.Subcommands.Add(Revoke(b));
        return command;
    }

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list", "List my API keys (never their secrets).") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllKeysAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, KeyViews.List, "No API keys.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Create(CommandBuilder b)
    {
        var name = new Option<string>("--name") { Description = "What the key is for, e.g. ci or crm-sync.", Required = true };
        var scopes = new Option<ApiKeyScope[]>("--scope")
        {
            Description = $"A scope of the key ({string.Join(", ", CoSellNetJson.EnumNames<ApiKeyScope>())}); read < write < admin. Repeat for several.",
            HelpName = string.Join("|", CoSellNetJson.EnumNames<ApiKeyScope>()),
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result =>
            {
                var parsed = new List<ApiKeyScope>();
                foreach (var token in result.Tokens)
                {
                    if (CoSellNetJson.TryParseEnum<ApiKeyScope>(token.Value, out var scope)) parsed.Add(scope);
                    else result.AddError($"'{token.Value}' is not a scope; use {string.Join(", ", CoSellNetJson.EnumNames<ApiKeyScope>())}.");
                }
                return [.. parsed.Distinct()];
            },
        };
        var command = new Command("create", "Create an API key. Its secret is shown once: store it then.") { name, scopes };
        b.Action(command, async ctx =>
        {
            var created = await ctx.Client().CreateKeyAsync(new ApiKeyRequest(ctx.Get(name)!.Trim(), ctx.Get(scopes)!), ctx.Cancellation);
            ctx.Output.WriteItem(created, KeyViews.Created);
            ctx.Warn("This is the only time the key is shown; the node keeps only its hash. Store it now (e.g. 'cosell config set --key - --profile NAME' reads it from standard input).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CommandBuilder b)
    {
        var id = CommandBuilder.IdArgument("key-id", "The key's id (see 'cosell keys list').");
        var yes = CommandBuilder.Flag("--yes", "Confirm revoking the key this command is using.");
        var command = new Command("revoke", "Revoke one of my API keys; it stops working at once.") { id, yes };
        b.Action(command, async ctx =>
        {
            var keyId = ctx.Get(id);
            var client = ctx.Client();
            if (ApiKeyFormat.TryParse(ctx.Settings.Key, out _, out var current) && current == keyId && !ctx.Get(yes))
                throw new CliException($"Key {keyId} is the key this command is using (from {ctx.Settings.KeySource}); after revoking it, this profile stops working. Pass --yes to revoke it anyway.");
            ctx.Output.WriteItem(await client.RevokeKeyAsync(keyId, ctx.Cancellation), KeyViews.List);
            return ExitCodes.Ok;
        });
        return command;
    }
}
