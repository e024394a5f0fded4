using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Where a profile keeps what never leaves this machine: its master secret
/// (<c>profiles/NAME/master.key</c>, 0600) and its local account index (<c>profiles/NAME/accounts.db</c>),
/// beside the config file.
/// </summary>
internal sealed class PartnerFiles(CommandContext ctx)
{
    public const string PassphraseVariable = "COSELLNET_PASSPHRASE";

    public string Directory { get; } = Path.Combine(Path.GetDirectoryName(ctx.Store.Path)!, "profiles", ctx.Settings.Profile);
    public string KeyFile => Path.Combine(Directory, "master.key");
    public string IndexFile => Path.Combine(Directory, "accounts.db");

    public string? Passphrase => ctx.Environment.GetVariable(PassphraseVariable) is { Length: > 0 } p ? p : null;

    public MasterSecret LoadSecret()
    {
        if (!File.Exists(KeyFile))
            throw new CliException($"Profile '{ctx.Settings.Profile}' has no master secret yet ({KeyFile}). Run 'cosell secret init' first.");
        try
        {
            return MasterSecret.FromKeyFile(File.ReadAllText(KeyFile), Passphrase);
        }
        catch (KeyFileException e)
        {
            throw new CliException($"{KeyFile}: {e.Message}" + (Passphrase is null ? $" Set {PassphraseVariable} to the passphrase." : ""), ExitCodes.Error);
        }
    }

    public LocalStore OpenIndex() => LocalStore.Open(IndexFile);

    /// <summary>Writes the key file: owner-only, never over an existing one.</summary>
    public void WriteSecret(string text)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(Directory);
            else System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(KeyFile, options);
            using var writer = new StreamWriter(stream);
            writer.Write(text);
        }
        catch (IOException) when (File.Exists(KeyFile))
        {
            throw new CliException($"{KeyFile} already exists. A partner keeps one master secret; back it up rather than replacing it.", ExitCodes.Conflict);
        }
    }
}
