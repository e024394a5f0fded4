using System.CommandLine;
using CoSellNet.Cli.Config;
using CoSellNet.Cli.Output;
using CoSellNet.Client;

namespace CoSellNet.Cli.App;

/// <summary>What a running command needs: its parsed values, settings, a client, output and standard error.</summary>
internal sealed class CommandContext(ParseResult parse, CliEnvironment env, GlobalOptions global, CancellationToken cancellation) : IDisposable
{
    private Settings? _settings;
    private CliConfig? _config;
    private string? _keyFromInput;
    private CoSellNetClient? _client;

    public ParseResult Parse => parse;
    public CancellationToken Cancellation => cancellation;
    public CliEnvironment Environment => env;
    public OutputWriter Output { get; } = new(env.Out, parse.GetValue(global.Output) ?? OutputFormat.Table);
    public ConfigStore Store { get; } = new(env.ConfigPath);

    public T? Get<T>(Option<T> option) => parse.GetValue(option);

    public T Get<T>(Argument<T> argument) => parse.GetValue(argument)!;

    /// <summary>The config file as loaded (once), warning when others may read it.</summary>
    public CliConfig Config
    {
        get
        {
            if (_config is null)
            {
                if (Store.PermissionWarning() is { } warning) Warn(warning);
                _config = Store.Load();
            }
            return _config;
        }
    }

    public string? ProfileOption => parse.GetValue(global.Profile);

    public string? UrlOption => parse.GetValue(global.Url);

    /// <summary>The --key option; '-' reads the key from the first line of standard input.</summary>
    public string? KeyOption
    {
        get
        {
            var key = parse.GetValue(global.Key);
            if (key != "-") return key;
            return _keyFromInput ??= env.In.ReadLine()?.Trim() is { Length: > 0 } line
                ? line
                : throw new CliException("--key - reads the key from standard input, but the input was empty.");
        }
    }

    public Settings Settings => _settings ??= Settings.Resolve(Config, ProfileOption, UrlOption, KeyOption, env.GetVariable);

    /// <summary>A client for the configured node, with the configured key (required unless <paramref name="anonymous"/>).</summary>
    public CoSellNetClient Client(bool anonymous = false)
    {
        if (_client is not null) return _client;
        var url = Settings.RequireUrl();
        var key = anonymous ? null : Settings.RequireKey();
        if (!anonymous && Settings.IsInsecure(url))
            Warn($"{url} is plain http to another machine: the API key crosses the network unencrypted. Use https.");
        // A person is waiting: retry briefly (the library's defaults suit services).
        return _client = env.CreateClient(new CoSellNetClientOptions
        {
            BaseAddress = url,
            ApiKey = key,
            RetryDelay = TimeSpan.FromMilliseconds(500),
        });
    }

    public void Warn(string message) => env.Error.WriteLine($"warning: {message}");

    public void Note(string message) => env.Error.WriteLine(message);

    public void Dispose() => _client?.Dispose();
}
