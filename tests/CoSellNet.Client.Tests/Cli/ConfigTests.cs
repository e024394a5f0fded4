using CoSellNet.Cli.App;
using CoSellNet.Cli.Config;
using CoSellNet.Client.Tests.Support;

namespace CoSellNet.Client.Tests.Cli;

/// <summary>The config file and how settings are chosen from options, environment and profiles.</summary>
public sealed class ConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cosell-config-" + Guid.NewGuid().ToString("N"));

    private string ConfigPath => Path.Combine(_dir, ".cosellnet", "config.json");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_config_round_trips_through_the_file()
    {
        var store = new ConfigStore(ConfigPath);
        var config = new CliConfig { DefaultProfile = "acme" };
        config.Profiles["acme"] = new Profile { Url = "https://cosell.acme.test/", Key = Keys.Partner };
        config.Profiles["operator"] = new Profile { Url = "http://127.0.0.1:5080/", Key = Keys.Operator };

        store.Save(config);
        var loaded = new ConfigStore(ConfigPath).Load();

        Assert.Equal("acme", loaded.DefaultProfile);
        Assert.Equal(["acme", "operator"], loaded.Profiles.Keys);
        Assert.Equal(Keys.Operator, loaded.Profiles["operator"].Key);
        Assert.Equal("https://cosell.acme.test/", loaded.Profiles["acme"].Url);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(ConfigPath)!, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_missing_file_is_an_empty_config()
    {
        var config = new ConfigStore(ConfigPath).Load();
        Assert.Null(config.DefaultProfile);
        Assert.Empty(config.Profiles);
    }

    [Fact]
    public void The_file_is_private_to_its_owner()
    {
        if (OperatingSystem.IsWindows()) return;
        var store = new ConfigStore(ConfigPath);

        store.Save(new CliConfig());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(ConfigPath)!));
        Assert.Null(store.PermissionWarning());
    }

    [Fact]
    public void A_file_others_can_read_is_reported_and_tightened_on_the_next_save()
    {
        if (OperatingSystem.IsWindows()) return;
        var store = new ConfigStore(ConfigPath);
        store.Save(new CliConfig());
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.Contains("chmod 600", store.PermissionWarning());
        store.Save(store.Load());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
    }

    [Fact]
    public void A_broken_file_is_a_clear_error_naming_the_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, "{\n  \"profiles\": {\n    \"a\": { \"url\": \n");

        var e = Assert.Throws<CliException>(() => new ConfigStore(ConfigPath).Load());

        Assert.Contains(ConfigPath, e.Message);
        Assert.Contains("not valid JSON", e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    private static CliConfig TwoProfiles()
    {
        var config = new CliConfig { DefaultProfile = "acme" };
        config.Profiles["acme"] = new Profile { Url = "https://acme.test/", Key = Keys.Partner };
        config.Profiles["operator"] = new Profile { Url = "https://op.test/", Key = Keys.Operator };
        return config;
    }

    [Fact]
    public void The_default_profile_is_used_without_options_or_environment()
    {
        var s = Settings.Resolve(TwoProfiles(), null, null, null, _ => null);

        Assert.Equal(("acme", "https://acme.test/", Keys.Partner), (s.Profile, s.Url, s.Key));
        Assert.Equal("profile 'acme'", s.UrlSource);
    }

    [Fact]
    public void The_profile_option_beats_the_profile_variable_which_beats_the_default()
    {
        var config = TwoProfiles();
        Func<string, string?> env = n => n == CliEnvironment.ProfileVariable ? "operator" : null;

        Assert.Equal(Keys.Operator, Settings.Resolve(config, null, null, null, env).Key);
        Assert.Equal(Keys.Partner, Settings.Resolve(config, "acme", null, null, env).Key);
    }

    [Fact]
    public void Environment_variables_override_the_profile_and_options_override_both()
    {
        var config = TwoProfiles();
        Func<string, string?> env = n => n switch
        {
            CliEnvironment.UrlVariable => "https://env.test/",
            CliEnvironment.KeyVariable => Keys.Other,
            _ => null,
        };

        var fromEnv = Settings.Resolve(config, null, null, null, env);
        Assert.Equal(("https://env.test/", Keys.Other), (fromEnv.Url, fromEnv.Key));
        Assert.Equal(CliEnvironment.KeyVariable, fromEnv.KeySource);

        var fromOptions = Settings.Resolve(config, null, "https://flag.test/", Keys.Operator, env);
        Assert.Equal(("https://flag.test/", Keys.Operator), (fromOptions.Url, fromOptions.Key));
        Assert.Equal("the command line", fromOptions.KeySource);
    }

    [Fact]
    public void Missing_settings_say_how_to_set_them_with_the_right_exit_code()
    {
        var s = Settings.Resolve(new CliConfig(), "staging", null, null, _ => null);

        var url = Assert.Throws<CliException>(() => s.RequireUrl());
        Assert.Contains("cosell config set --url URL --key KEY --profile staging", url.Message);
        Assert.Equal(ExitCodes.Usage, url.ExitCode);

        var key = Assert.Throws<CliException>(() => s.RequireKey());
        Assert.Contains("COSELLNET_KEY", key.Message);
        Assert.Equal(ExitCodes.Auth, key.ExitCode);
    }

    [Fact]
    public void A_malformed_key_from_the_environment_is_refused_without_showing_it()
    {
        var s = Settings.Resolve(new CliConfig(), null, "https://node.test", null,
            n => n == CliEnvironment.KeyVariable ? "hunter2-not-a-key" : null);

        var e = Assert.Throws<CliException>(() => s.RequireKey());

        Assert.Contains("COSELLNET_KEY", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Theory]
    [InlineData("http://10.0.0.5:5080", true)]
    [InlineData("http://127.0.0.1:5080", false)]
    [InlineData("http://localhost:5080", false)]
    [InlineData("https://cosell.example.com", false)]
    public void Plain_http_to_another_machine_is_insecure(string url, bool insecure)
    {
        Assert.Equal(insecure, Settings.IsInsecure(new Uri(url)));
    }
}
