using CoSellNet.Cli.App;

namespace CoSellNet.Client.Tests.Support;

/// <summary>Runs <c>cosell</c> in-process against a stub node, with its own config file and environment.</summary>
public sealed class CliRun : IDisposable
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public CliRun(StubNode? node = null)
    {
        Node = node ?? new StubNode();
        Directory = Path.Combine(Path.GetTempPath(), "cosell-tests-" + Guid.NewGuid().ToString("N"));
        ConfigPath = Path.Combine(Directory, ".cosellnet", "config.json");
    }

    public StubNode Node { get; }
    public string Directory { get; }
    public string ConfigPath { get; }
    public string Input { get; set; } = "";

    public CliRun Variable(string name, string value)
    {
        _variables[name] = value;
        return this;
    }

    /// <summary>Writes a config with one default profile pointing at the stub node.</summary>
    public CliRun Configured(string key = Keys.Partner, string profile = "default", string url = "http://node.test/")
    {
        var store = new CoSellNet.Cli.Config.ConfigStore(ConfigPath);
        var config = store.Load();
        config.Profiles[profile] = new CoSellNet.Cli.Config.Profile { Url = url, Key = key };
        config.DefaultProfile ??= profile;
        store.Save(config);
        return this;
    }

    public async Task<Result> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment
        {
            Out = output,
            Error = error,
            In = new StringReader(Input),
            GetVariable = name => _variables.GetValueOrDefault(name),
            ConfigPath = ConfigPath,
            CreateClient = options =>
            {
                options.RetryDelay = TimeSpan.Zero;
                return new CoSellNetClient(options, () => Node);
            },
        };
        var code = await CliApp.RunAsync(args, env);
        return new Result(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
