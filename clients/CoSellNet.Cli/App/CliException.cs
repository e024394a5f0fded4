namespace CoSellNet.Cli.App;

/// <summary>A failure found by the CLI itself, with the message to show and the exit code.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
