namespace CoSellNet.Cli.Config;

/// <summary>The config file: named profiles, each a node URL and an API key, and which profile is the default.</summary>
internal sealed class CliConfig
{
    public string? DefaultProfile { get; set; }

    public SortedDictionary<string, Profile> Profiles { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One node and the key to act there with.</summary>
internal sealed class Profile
{
    public string? Url { get; set; }

    public string? Key { get; set; }
}
