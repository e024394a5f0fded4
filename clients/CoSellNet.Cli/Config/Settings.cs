using System.Text.RegularExpressions;
using CoSellNet.Cli.App;
using CoSellNet.Client;

namespace CoSellNet.Cli.Config;

/// <summary>
/// The node URL and API key a command uses, and where each came from. Precedence: command-line
/// option, then environment variable (COSELLNET_URL, COSELLNET_KEY), then the profile. The profile is
/// --profile, else COSELLNET_PROFILE, else the config's default profile, else "default".
/// </summary>
internal sealed partial record Settings(string Profile, bool ProfileExists, string? Url, string UrlSource, string? Key, string KeySource)
{
    public const string DefaultProfileName = "default";

    public static Settings Resolve(CliConfig config, string? profileOption, string? urlOption, string? keyOption, Func<string, string?> env)
    {
        var profileName = profileOption
                          ?? NonEmpty(env(CliEnvironment.ProfileVariable))
                          ?? config.DefaultProfile
                          ?? DefaultProfileName;
        var profile = config.Profiles.GetValueOrDefault(profileName);
        var (url, urlSource) = Pick(urlOption, env(CliEnvironment.UrlVariable), CliEnvironment.UrlVariable, profile?.Url, profileName);
        var (key, keySource) = Pick(keyOption, env(CliEnvironment.KeyVariable), CliEnvironment.KeyVariable, profile?.Key, profileName);
        return new Settings(profileName, profile is not null, url, urlSource, key, keySource);
    }

    /// <summary>The node URL, or a usage error that says how to set one.</summary>
    public Uri RequireUrl()
    {
        if (Url is null)
            throw new CliException(
                $"No node URL for profile '{Profile}'. Run 'cosell config set --url URL --key KEY{ProfileHint}', set {CliEnvironment.UrlVariable}, or pass --url.");
        if (!TryParseUrl(Url, out var uri, out var why))
            throw new CliException($"The node URL from {UrlSource} is not usable: {why}");
        return uri;
    }

    /// <summary>The API key, or an auth error that says how to set one.</summary>
    public string RequireKey()
    {
        if (Key is null)
            throw new CliException(
                $"No API key for profile '{Profile}'. Run 'cosell config set --key KEY{ProfileHint}', set {CliEnvironment.KeyVariable}, or pass --key.",
                ExitCodes.Auth);
        if (!ApiKeyFormat.IsWellFormed(Key))
            throw new CliException(
                $"The API key from {KeySource} is not a CoSellNet API key (they look like csn_<partnerId>_<keyId>_<secret>). Set it again with 'cosell config set --key KEY{ProfileHint}'.",
                ExitCodes.Auth);
        return Key;
    }

    private string ProfileHint => Profile == DefaultProfileName ? "" : $" --profile {Profile}";

    public static bool TryParseUrl(string text, out Uri uri, out string why)
    {
        uri = null!;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            why = $"'{text}' is not an http or https URL, e.g. https://cosell.example.com or http://127.0.0.1:5080.";
            return false;
        }
        if (!string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment) || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            why = "the node URL must not carry a query, a fragment or a user name; give the node's base address.";
            return false;
        }
        uri = parsed;
        why = "";
        return true;
    }

    /// <summary>True for plain http to a host other than this machine: the key would cross the network unencrypted.</summary>
    public static bool IsInsecure(Uri url) => url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback;

    public static bool IsProfileName(string name) => ProfileName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ProfileName();

    private static (string? Value, string Source) Pick(string? option, string? variable, string variableName, string? fromProfile, string profile) =>
        option is not null ? (option, "the command line")
        : NonEmpty(variable) is { } v ? (v, variableName)
        : NonEmpty(fromProfile) is { } p ? (p, $"profile '{profile}'")
        : (null, "nowhere");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
