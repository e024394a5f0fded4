using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// What one run of <c>cosell</c> (process id <c>Pid</c>) did, with the moments (Stopwatch timestamps) it
/// started, printed each line of standard error, and ended. Its standard output is in a file, read when asked for.
/// </summary>
internal sealed record CliRun(string Command, int Pid, int ExitCode, string StdoutPath, IReadOnlyList<(long At, string Line)> Stderr, long Started, long Ended, TimeSpan Cpu)
{
    public string Stdout => File.ReadAllText(StdoutPath);

    public double Seconds => Stopwatch.GetElapsedTime(Started, Ended).TotalSeconds;

    public CliRun Ok() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"`cosell {Command}` exited with {ExitCode}.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{string.Join('\n', Stderr.Select(l => l.Line))}");

    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;
}

/// <summary>
/// One partner's real <c>cosell</c> (<see cref="CosellBuild"/>'s executable, or a cosell.dll run with <c>dotnet</c>), with a config file
/// of its own (<c>COSELLNET_CONFIG</c>) and so a profile, master secret and local index of its own,
/// as the end-to-end tests drive it. Commands run one at a time, so the CPU time of each is what
/// this process's finished children gained while it ran.
/// </summary>
internal sealed class Cosell(string name, string program, string directory)
{
    public string Name => name;
    public string Directory => directory;
    public string ConfigPath => Path.Combine(directory, "cosell", "config.json");

    private int runs;

    /// <summary>The process id of the command running now, or 0.</summary>
    public int RunningPid { get; private set; }

    public async Task<CliRun> Run(params string[] args)
    {
        System.IO.Directory.CreateDirectory(directory);
        var viaDotnet = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(viaDotnet ? "dotnet" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (viaDotnet) start.ArgumentList.Add(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var variable in new[] { "COSELLNET_URL", "COSELLNET_KEY", "COSELLNET_PROFILE", "COSELLNET_PASSPHRASE" })
            start.Environment.Remove(variable);
        start.Environment["COSELLNET_CONFIG"] = ConfigPath;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var stderr = new List<(long, string)>();
        var stdoutPath = Path.Combine(directory, $"stdout-{Interlocked.Increment(ref runs)}.txt");
        var cpuBefore = CpuClock.Children();
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        RunningPid = process.Id;
        process.StandardInput.Close();
        // Standard output copied to a file as bytes, neither decoded nor kept: 1M × 1M prints 200,000
        // overlaps (~50 MB), and as a string here it cost this process a large-object allocation and a
        // full collection of a heap that holds both exports' keys, on the cores the timed cosell needs.
        await using var stdoutFile = new FileStream(stdoutPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(stdoutFile, 1 << 16);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            var at = Stopwatch.GetTimestamp();
            lock (stderr) stderr.Add((at, e.Data));
        };
        process.BeginErrorReadLine();
        using (var guard = new CancellationTokenSource(TimeSpan.FromHours(2)))
        {
            try { await process.WaitForExitAsync(guard.Token); }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"`cosell {string.Join(' ', args)}` ({name}) ran for 2 hours.");
            }
        }
        var ended = Stopwatch.GetTimestamp();
        process.WaitForExit(); // drains the redirected streams
        var pid = RunningPid;
        RunningPid = 0;
        var cpu = CpuClock.Children() - cpuBefore;
        await stdout;
        await stdoutFile.FlushAsync();
        lock (stderr)
            return new CliRun(string.Join(' ', args), pid, process.ExitCode, stdoutPath, [.. stderr], started, ended, cpu);
    }
}
