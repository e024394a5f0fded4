using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Client;

namespace CoSellNet.Cli.Config;

/// <summary><c>cosell config …</c>: which node and key to use, per profile.</summary>
internal static class ConfigCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("config", "Set and show the node URL and API key, per profile (stored in ~/.cosellnet/config.json, mode 0600).");
        command.Subcommands.Add(Set(b));
        command.Subcommands.Add(Show(b));
        command.Subcommands.Add(Use(b));
        return command;
    }

    private static Command Set(CommandBuilder b)
    {
        var makeDefault = CommandBuilder.Flag("--default", "Also make this profile the default.");
        var command = new Command("set",
            "Store --url and/or --key in the profile (--profile, or the default). '--key -' reads the key from standard input, which keeps it out of shell history.")
        {
            makeDefault,
        };
        b.Action(command, ctx =>
        {
            var url = ctx.UrlOption;
            var key = ctx.KeyOption;
            if (url is null && key is null && !ctx.Get(makeDefault))
                throw new CliException("Nothing to set: give --url URL and/or --key KEY (or --key - to read it from standard input).");
            if (key is not null && !ApiKeyFormat.IsWellFormed(key))
                throw new CliException("The --key value is not a CoSellNet API key: they look like csn_<partnerId>_<keyId>_<secret> (invitation tokens, inv_…, are redeemed with 'cosell invitations redeem').");

            var config = ctx.Config;
            var name = ctx.ProfileOption
                       ?? (ctx.Environment.GetVariable(CliEnvironment.ProfileVariable) is { Length: > 0 } fromEnv ? fromEnv : null)
                       ?? config.DefaultProfile
                       ?? Settings.DefaultProfileName;
            if (!Settings.IsProfileName(name))
                throw new CliException($"'{name}' is not a profile name: letters, digits, '.', '-' and '_', at most 64 characters.");
            var profile = config.Profiles.GetValueOrDefault(name) ?? new Profile();
            if (url is not null)
            {
                Settings.TryParseUrl(url, out var uri, out _);
                profile.Url = uri.ToString();
            }
            if (key is not null) profile.Key = key.Trim();
            config.Profiles[name] = profile;
            if (ctx.Get(makeDefault) || config.DefaultProfile is null && config.Profiles.Count == 1)
                config.DefaultProfile = name;
            ctx.Store.Save(config);

            ctx.Note($"Saved profile '{name}' to {ctx.Store.Path}.");
            if (key is not null && ctx.Parse.GetValue(b.Global.Key) != "-")
                ctx.Note("Tip: '--key -' reads the key from standard input, which keeps it out of your shell history.");
            if (profile.Url is { } saved && Uri.TryCreate(saved, UriKind.Absolute, out var savedUri) && Settings.IsInsecure(savedUri))
                ctx.Warn($"{saved} is plain http to another machine: the API key would cross the network unencrypted. Use https.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Show(CommandBuilder b)
    {
        var command = new Command("show", "Show the URL and key in effect (the key without its secret) and where each comes from.");
        b.Action(command, ctx =>
        {
            var s = ctx.Settings;
            var config = ctx.Config;
            var view = new ConfigView(
                s.Profile,
                s.Profile == (config.DefaultProfile ?? Settings.DefaultProfileName),
                s.ProfileExists,
                s.Url,
                s.UrlSource,
                s.Key is null ? null : ApiKeyFormat.Redact(s.Key),
                s.KeySource,
                ctx.Store.Path,
                [.. config.Profiles.Keys]);
            ctx.Output.WriteItem(view, Columns);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Use(CommandBuilder b)
    {
        var name = new Argument<string>("profile") { Description = "The profile to make the default." };
        var command = new Command("use", "Make a profile the default.") { name };
        b.Action(command, ctx =>
        {
            var profile = ctx.Get(name);
            var config = ctx.Config;
            if (!config.Profiles.ContainsKey(profile))
                throw new CliException(
                    $"There is no profile '{profile}'" +
                    (config.Profiles.Count == 0 ? "" : $" (profiles: {string.Join(", ", config.Profiles.Keys)})") +
                    $". Create it with 'cosell config set --url URL --key KEY --profile {profile}'.",
                    ExitCodes.NotFound);
            config.DefaultProfile = profile;
            ctx.Store.Save(config);
            ctx.Note($"Profile '{profile}' is now the default.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>What 'config show' prints; the key is always redacted.</summary>
    internal sealed record ConfigView(
        string Profile,
        bool IsDefault,
        bool Exists,
        string? Url,
        string UrlSource,
        string? Key,
        string KeySource,
        string ConfigFile,
        IReadOnlyList<string> Profiles);

    private static readonly Columns<ConfigView> Columns = new Columns<ConfigView>()
        .Add("Profile", v => v.Profile + (v.IsDefault ? " (default)" : "") + (v.Exists ? "" : " (not in the config file)"))
        .Add("Url", v => v.Url)
        .Add("Url from", v => v.UrlSource)
        .Add("Key", v => v.Key)
        .Add("Key from", v => v.KeySource)
        .Add("Config file", v => v.ConfigFile)
        .Add("Profiles", v => Cells.List(v.Profiles));
}
