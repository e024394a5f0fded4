using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>What one run of <c>cosell</c> did.</summary>
public sealed record CliResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>This result, or a failure that shows the command and everything it printed.</summary>
    public CliResult Ok() => ExitCode == 0 ? this : throw new Xunit.Sdk.XunitException($"`cosell {Command}` exited with {ExitCode}.\n{this}");

    /// <summary>Standard output read as JSON (the command ran with <c>-o json</c>).</summary>
    public T Read<T>() =>
        JsonSerializer.Deserialize<T>(Stdout, Json) ?? throw new Xunit.Sdk.XunitException($"`cosell {Command}` printed no JSON.\n{this}");

    public override string ToString() => $"--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// One partner's <c>cosell</c>: the real CLI run as a child process (<c>dotnet cosell.dll</c>),
/// with a config file of its own (<c>COSELLNET_CONFIG</c>) in a directory of its own, so its
/// profile's master secret and local account index are its own too. Nothing else of the test
/// process's environment that the CLI reads is passed on.
/// </summary>
public sealed class Cli : IDisposable
{
    /// <summary>A hang guard only: no command of these tests comes near it.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    public Cli(string name)
    {
        Name = name;
        Directory = Path.Combine(Path.GetTempPath(), $"cosellnet-e2e-cli-{name}-{Guid.NewGuid():N}"[..48]);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Name { get; }
    public string Directory { get; }
    public string ConfigPath => Path.Combine(Directory, "cosell", "config.json");

    /// <summary>The default profile's local account index (SQLite).</summary>
    public string IndexPath => Path.Combine(Directory, "cosell", "profiles", "default", "accounts.db");

    /// <summary>Writes a file into this partner's directory and returns its path.</summary>
    public string File(string name, string text, Encoding? encoding = null)
    {
        var path = Path.Combine(Directory, name);
        System.IO.File.WriteAllText(path, text, encoding ?? new UTF8Encoding(false));
        return path;
    }

    public async Task<CliResult> Run(params string[] args)
    {
        await using var running = Start(args);
        return await running.Exit();
    }

    /// <summary>Starts a command and returns at once: to watch its standard error, or kill it.</summary>
    public Running Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Repo.CliDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var variable in new[] { "COSELLNET_URL", "COSELLNET_KEY", "COSELLNET_PROFILE", "COSELLNET_PASSPHRASE" })
            start.Environment.Remove(variable);
        start.Environment["COSELLNET_CONFIG"] = ConfigPath;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return new Running(Process.Start(start)!, string.Join(' ', args));
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>A command in progress: its output so far, a way to wait for a line of standard error, and kill.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _command;
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watchers = [];

        internal Running(Process process, string command)
        {
            _process = process;
            _command = command;
            process.StandardInput.Close();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.Append(e.Data).Append('\n'); };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_err)
                {
                    _err.Append(e.Data).Append('\n');
                    foreach (var (match, seen) in _watchers)
                        if (match(e.Data)) seen.TrySetResult(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        public string Stderr { get { lock (_err) return _err.ToString(); } }

        /// <summary>Standard output so far (a long-running command such as <c>watch</c> prints as it goes).</summary>
        public string Stdout { get { lock (_out) return _out.ToString(); } }

        /// <summary>The first line of standard error that matches, once it is printed; fails if the command ends without one.</summary>
        public async Task<string> Line(Func<string, bool> match)
        {
            var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_err)
            {
                foreach (var line in _err.ToString().Split('\n'))
                    if (match(line)) return line;
                _watchers.Add((match, seen));
            }
            var exited = _process.WaitForExitAsync();
            var first = await Task.WhenAny(seen.Task, exited, Task.Delay(HangGuard));
            if (first == seen.Task) return await seen.Task;
            await Task.Delay(100); // the last lines of a process that just ended
            if (seen.Task.IsCompleted) return await seen.Task;
            throw new Xunit.Sdk.XunitException($"`cosell {_command}` {(first == exited ? $"exited with {_process.ExitCode}" : "hung")} before printing the line awaited.\n--- stderr ---\n{Stderr}");
        }

        /// <summary>Ends the process at once, as <c>kill -9</c> or a power cut would.</summary>
        public async Task Kill()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.WaitForExit(); // drains the redirected streams
        }

        public async Task<CliResult> Exit()
        {
            using (var guard = new CancellationTokenSource(HangGuard))
            {
                try { await _process.WaitForExitAsync(guard.Token); }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(); // drains the redirected streams: the message shows all it wrote before it hung
                    throw new Xunit.Sdk.XunitException($"`cosell {_command}` hung.\n--- stderr ---\n{Stderr}");
                }
            }
            _process.WaitForExit(); // drains the redirected streams
            string stdout;
            lock (_out) stdout = _out.ToString();
            return new CliResult(_command, _process.ExitCode, stdout, Stderr);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
