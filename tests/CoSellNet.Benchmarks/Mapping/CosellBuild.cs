using System.Diagnostics;
using System.Runtime.InteropServices;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// The <c>cosell</c> the benchmark runs: the one users get, i.e. what the tool package for this
/// platform holds. That is clients/CoSellNet.Cli published for this machine's runtime identifier
/// (native AOT, as the project sets it for RID-specific builds: one executable, no JIT). A build
/// output's <c>dotnet cosell.dll</c> would pay the JIT for code users never JIT.
/// </summary>
internal static class CosellBuild
{
    /// <summary>Publishes (incrementally: a second run with nothing changed takes seconds) and returns the executable.</summary>
    public static string Publish(string configuration)
    {
        var project = Path.Combine(PostgresServer.RepoRoot, "clients", "CoSellNet.Cli", "CoSellNet.Cli.csproj");
        var output = Path.Combine(PostgresServer.RepoRoot, ".local", "bench-cosell", configuration);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "publish", project, "-c", configuration, "-r", RuntimeInformation.RuntimeIdentifier, "-o", output, "-nologo", "-v", "quiet" })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`dotnet publish` of cosell failed ({process.ExitCode}):\n{stdout.Result}\n{stderr}");
        var executable = Path.Combine(output, OperatingSystem.IsWindows() ? "cosell.exe" : "cosell");
        return File.Exists(executable) ? executable : throw new FileNotFoundException("cosell was published without its executable.", executable);
    }
}
