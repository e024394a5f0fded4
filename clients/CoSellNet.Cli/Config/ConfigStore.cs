using System.Text.Json;
using CoSellNet.Cli.App;

namespace CoSellNet.Cli.Config;

/// <summary>
/// Reads and writes the config file. It holds API keys, so it is written readable by its owner
/// only (0600, in a 0700 directory), atomically, and a looser file is reported.
/// </summary>
internal sealed class ConfigStore(string path)
{
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OthersOrGroup =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly JsonSerializerOptions Json = CliJson.ReadOnly(new(JsonSerializerDefaults.Web) { WriteIndented = true, TypeInfoResolver = CliJsonContext.Default });

    public string Path { get; } = path;

    /// <summary>The config; an empty one when the file does not exist yet.</summary>
    public CliConfig Load()
    {
        if (!File.Exists(Path)) return new CliConfig();
        try
        {
            var config = JsonSerializer.Deserialize(File.ReadAllText(Path), Json.Info<CliConfig>()) ?? new CliConfig();
            config.Profiles = new SortedDictionary<string, Profile>(config.Profiles ?? [], StringComparer.Ordinal);
            return config;
        }
        catch (JsonException e)
        {
            throw new CliException($"The config file {Path} is not valid JSON{(e.LineNumber is { } line ? $" (line {line + 1})" : "")}. Fix it, or delete it and run 'cosell config set' again.");
        }
        catch (IOException e)
        {
            throw new CliException($"The config file {Path} could not be read: {e.Message}", ExitCodes.Error);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"The config file {Path} is not readable by this user.", ExitCodes.Error);
        }
    }

    /// <summary>Writes the config atomically with mode 0600 (the directory 0700 when created here).</summary>
    public void Save(CliConfig config)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!System.IO.Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(directory);
            else System.IO.Directory.CreateDirectory(directory, DirectoryMode700);
        }

        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode600;
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, config, Json.Info<CliConfig>());
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path, FileMode600);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new CliException($"The config file {Path} could not be written: {e.Message}", ExitCodes.Error);
        }
    }

    /// <summary>A warning when the file exists and others than its owner may read or write it.</summary>
    public string? PermissionWarning()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(Path)) return null;
        var mode = File.GetUnixFileMode(Path);
        return (mode & OthersOrGroup) == 0
            ? null
            : $"The config file {Path} holds API keys but is accessible to other users (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {Path}'.";
    }
}
