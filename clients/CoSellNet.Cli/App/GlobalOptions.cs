using System.CommandLine;
using CoSellNet.Cli.Output;

namespace CoSellNet.Cli.App;

/// <summary>Options every command takes, wherever they appear on the line.</summary>
internal sealed class GlobalOptions
{
    /// <summary>--output; null (not given) means table.</summary>
    public Option<OutputFormat?> Output { get; } = new("--output", "-o")
    {
        Description = "Output format: table (the default), csv or json.",
        HelpName = "table|csv|json",
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (OutputFormats.TryParse(text, out var format)) return format;
            result.AddError($"'{text}' is not an output format; use table, csv or json.");
            return null;
        },
    };

    public Option<string?> Url { get; } = new("--url")
    {
        Description = "The node's URL (overrides COSELLNET_URL and the profile).",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "The API key (overrides COSELLNET_KEY and the profile). '-' reads it from standard input.",
        Recursive = true,
    };

    public Option<string?> Profile { get; } = new("--profile", "-p")
    {
        Description = "The config profile to use (overrides COSELLNET_PROFILE and the default profile).",
        Recursive = true,
    };

    public GlobalOptions()
    {
        Url.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !Config.Settings.TryParseUrl(text, out _, out var why)) result.AddError(why);
        });
        Profile.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !Config.Settings.IsProfileName(text))
                result.AddError($"'{text}' is not a profile name: letters, digits, '.', '-' and '_', at most 64 characters.");
        });
    }

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Output);
        root.Options.Add(Url);
        root.Options.Add(Key);
        root.Options.Add(Profile);
    }
}
