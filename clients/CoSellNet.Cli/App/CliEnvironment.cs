using CoSellNet.Client;

namespace CoSellNet.Cli.App;

/// <summary>Everything the CLI touches outside itself, so that tests can run it in-process.</summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public required TextReader In { get; init; }
    public required Func<string, string?> GetVariable { get; init; }
    /// <summary>The config file: <c>COSELLNET_CONFIG</c>, else <c>~/.cosellnet/config.json</c>.</summary>
    public required string ConfigPath { get; init; }
    public required Func<CoSellNetClientOptions, CoSellNetClient> CreateClient { get; init; }
    /// <summary>Standard error is a terminal, so progress bars may redraw in place.</summary>
    public bool Interactive { get; init; }

    public const string ConfigVariable = "COSELLNET_CONFIG";
    public const string UrlVariable = "COSELLNET_URL";
    public const string KeyVariable = "COSELLNET_KEY";
    public const string ProfileVariable = "COSELLNET_PROFILE";

    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        GetVariable = Environment.GetEnvironmentVariable,
        ConfigPath = DefaultConfigPath(Environment.GetEnvironmentVariable),
        CreateClient = options => new CoSellNetClient(options),
        Interactive = !Console.IsErrorRedirected,
    };

    public static string DefaultConfigPath(Func<string, string?> getVariable) =>
        getVariable(ConfigVariable) is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cosellnet", "config.json");
}
