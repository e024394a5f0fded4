using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary><c>cosell secret …</c>: my master secret, which never leaves this machine, and the public keys derived from it.</summary>
internal static class SecretCommands
{
    private static readonly Columns<PublicKeyDocument> Keys = new Columns<PublicKeyDocument>()
        .Add("Version", d => d.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Add("X25519", d => d.X25519)
        .Add("Ed25519", d => d.Ed25519);

    public static Command Build(CommandBuilder b)
    {
        var command = new Command("secret", "Create my master secret and publish its public keys.");
        command.Subcommands.Add(Init(b));
        command.Subcommands.Add(Publish(b));
        return command;
    }

    private static Command Init(CommandBuilder b)
    {
        var command = new Command("init",
            $"Create this profile's master secret in a key file only I can read, and publish its public keys to the node. " +
            $"With {PartnerFiles.PassphraseVariable} set, the file is sealed with that passphrase (Argon2id).");
        b.Action(command, async ctx =>
        {
            var files = new PartnerFiles(ctx);
            using var secret = MasterSecret.Generate();
            files.WriteSecret(secret.ToKeyFile(files.Passphrase));
            ctx.Note($"Master secret written to {files.KeyFile}{(files.Passphrase is null ? "" : " (sealed with the passphrase)")}. Back it up: without it, every partnership must start a new epoch.");
            return await PublishKeys(ctx, secret);
        });
        return command;
    }

    private static Command Publish(CommandBuilder b)
    {
        var command = new Command("publish", "Publish (again) the public keys of this profile's master secret to the node.");
        b.Action(command, async ctx =>
        {
            using var secret = new PartnerFiles(ctx).LoadSecret();
            return await PublishKeys(ctx, secret);
        });
        return command;
    }

    private static async Task<int> PublishKeys(CommandContext ctx, MasterSecret secret)
    {
        var keys = secret.PublicKeys;
        await ctx.Client().SetPublicKeysAsync(new PublicKeys(keys.Version, keys.X25519, keys.Ed25519), ctx.Cancellation);
        ctx.Output.WriteItem(keys, Keys);
        return ExitCodes.Ok;
    }
}
