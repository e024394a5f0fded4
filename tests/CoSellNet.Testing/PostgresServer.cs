using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CoSellNet.Silo.Storage;
using Npgsql;

namespace CoSellNet.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster shared by everything in this test process. It is created on
/// first use from the local PostgreSQL binaries by the project's own <c>deploy/pg.sh</c> (so every
/// test run exercises the set-up users run), in a temporary directory, on a free loopback port,
/// with durability off for speed; it is stopped and deleted when the process exits. Test processes
/// running in parallel each get their own cluster. Tests ask it for databases of their own.
/// Set <c>COSELLNET_TEST_POSTGRES</c> to a connection string to use an existing server instead.
/// </summary>
public static class PostgresServer
{
    private const string DirectoryPrefix = "cosellnet-test-pg-";
    private static readonly Lazy<Task<Cluster>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The repository root: the nearest folder above this assembly that holds CoSellNet.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>
    /// Creates a uniquely named database (<paramref name="prefix"/> plus a random suffix), applies
    /// the full schema with <see cref="SchemaMigrator"/> and returns its connection string.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string? prefix = "test")
    {
        var cs = await CreateEmptyDatabaseAsync(prefix);
        await using var db = NpgsqlDataSource.Create(cs);
        await SchemaMigrator.ApplyAsync(db);
        return cs;
    }

    /// <summary>Creates a uniquely named, empty database and returns its connection string.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string? prefix = "test")
    {
        var cluster = await Shared.Value;
        var cs = ConnectionString(cluster, UniqueName(prefix));
        await DatabaseCreator.EnsureDatabaseAsync(cs);
        return cs;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(await AdminConnectionStringAsync());
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseCreator.QuoteIdentifier(name)} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>The superuser connection string of this process's cluster (database "postgres").</summary>
    public static async Task<string> AdminConnectionStringAsync() =>
        new NpgsqlConnectionStringBuilder((await Shared.Value).ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

    /// <summary>The loopback port this process's cluster listens on (starts it if needed).</summary>
    public static async Task<int> PortAsync() => (await Shared.Value).Port;

    /// <summary>A database name: the prefix in lower-case letters, digits and underscores, then 16 random hex digits.</summary>
    public static string UniqueName(string? prefix)
    {
        var safe = new StringBuilder();
        foreach (var c in (prefix ?? "test").ToLowerInvariant())
            safe.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        var head = safe.ToString().Trim('_');
        if (head.Length == 0 || !char.IsAsciiLetter(head[0])) head = "db_" + head;
        if (head.Length > 40) head = head[..40];
        return $"{head}_{Guid.NewGuid():N}"[..(head.Length + 17)];
    }

    private static string ConnectionString(Cluster cluster, string database) =>
        new NpgsqlConnectionStringBuilder(cluster.ConnectionString)
        {
            Database = database,
            // Many databases share one test cluster: keep each pool small and let idle connections go.
            MaxPoolSize = 30,
            ConnectionIdleLifetime = 10,
        }.ConnectionString;

    // ---- the cluster ---------------------------------------------------------------------------

    private sealed record Cluster(string Home, string ConnectionString, int Port);

    private static async Task<Cluster> StartAsync()
    {
        // An existing server instead (a role that may create databases): nothing is started or stopped.
        if (Environment.GetEnvironmentVariable("COSELLNET_TEST_POSTGRES") is { Length: > 0 } external)
            return new Cluster("", external, new NpgsqlConnectionStringBuilder(external).Port);

        var tempRoot = Environment.GetEnvironmentVariable("COSELLNET_TEST_PG_ROOT") is { Length: > 0 } configured ? configured : Path.GetTempPath();
        SweepStale(tempRoot);

        var home = Path.Combine(tempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(home);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await File.WriteAllTextAsync(Path.Combine(home, "owner"), Owner.Current());
        var env = new Dictionary<string, string>
        {
            ["COSELLNET_PG_DATA"] = Path.Combine(home, "data"),
            ["COSELLNET_PG_DB"] = "postgres",
            ["COSELLNET_PG_FAST"] = "1",
        };
        var registered = false;
        try
        {
            var log = new StringBuilder();
            for (var attempt = 1; ; attempt++)
            {
                // A free port now may be taken by the time PostgreSQL binds it (other test processes
                // pick ports too): on failure, try again with another one. init records the first
                // port; start overrides it.
                var port = FreePort();
                env["COSELLNET_PG_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var (ok, output) = await PgScriptAsync(env, "init");
                log.Append(output);
                if (!ok) throw new InvalidOperationException($"deploy/pg.sh init failed for the test PostgreSQL in {home}:\n{log}");
                if (!registered)
                {
                    // Normal exit runs ProcessExit; but the test platform usually kills its test host
                    // at the end of a run, and then only the watchdog stops the cluster.
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(env, home);
                    StartWatchdog(env, home);
                    registered = true;
                }
                (ok, output) = await PgScriptAsync(env, "start");
                log.Append(output);
                if (ok)
                {
                    var (urlOk, url) = await PgScriptAsync(env, "url");
                    if (!urlOk) throw new InvalidOperationException($"deploy/pg.sh url failed:\n{url}");
                    return new Cluster(home, url.Trim(), port);
                }
                if (attempt == 5) throw new InvalidOperationException($"Could not start the test PostgreSQL in {home}:\n{log}");
            }
        }
        catch when (!registered)
        {
            TryDelete(home);
            throw;
        }
    }

    private static void Stop(Dictionary<string, string> env, string home)
    {
        try { PgScriptAsync(env, "stop", "immediate").GetAwaiter().GetResult(); }
        catch (Exception) { /* best effort at process exit */ }
        TryDelete(home);
    }

    /// <summary>
    /// A detached shell (its own session, re-parented to init, so killing this process or its
    /// process tree leaves it running) that waits for this process to end, however it ends, then
    /// stops the cluster and deletes its directory.
    /// </summary>
    private static void StartWatchdog(Dictionary<string, string> env, string home)
    {
        if (OperatingSystem.IsWindows()) return;
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var arg in new[] { "-f", "bash", "-c", """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$WATCH_PID" 2>/dev/null; do sleep 1; done
            bash "$WATCH_PG_SH" stop immediate
            rm -rf "$WATCH_HOME"
            """ }) start.ArgumentList.Add(arg);
        foreach (var (key, value) in env) start.Environment[key] = value;
        start.Environment["WATCH_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["WATCH_PG_SH"] = Path.Combine(RepoRoot, "deploy", "pg.sh");
        start.Environment["WATCH_HOME"] = home;
        using var watchdog = Process.Start(start);
        watchdog?.WaitForExit(5000); // setsid -f returns at once, leaving the forked watchdog behind
    }

    /// <summary>
    /// Removes clusters left behind by test processes that died without running their exit
    /// handlers (killed, crashed). Only directories whose recorded owner process is gone are touched.
    /// </summary>
    private static void SweepStale(string tempRoot)
    {
        string[] candidates;
        try { candidates = Directory.GetDirectories(tempRoot, DirectoryPrefix + "*"); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (var home in candidates)
        {
            try
            {
                var ownerFile = Path.Combine(home, "owner");
                if (!File.Exists(ownerFile) || Owner.IsAlive(File.ReadAllText(ownerFile))) continue;
                var env = new Dictionary<string, string> { ["COSELLNET_PG_DATA"] = Path.Combine(home, "data") };
                if (File.Exists(Path.Combine(home, "data", "postmaster.pid")))
                    PgScriptAsync(env, "stop", "immediate").GetAwaiter().GetResult();
                TryDelete(home);
            }
            catch (Exception) { /* another process may be sweeping the same directory */ }
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (Exception) { /* best effort */ }
    }

    private static async Task<(bool Ok, string Output)> PgScriptAsync(Dictionary<string, string> env, params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "deploy", "pg.sh"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in env) start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run bash.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (false, $"deploy/pg.sh {string.Join(' ', args)} did not finish within 3 minutes");
        }
        return (process.ExitCode == 0, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CoSellNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"CoSellNet.sln was not found in any folder above {AppContext.BaseDirectory}; the tests need the repository's deploy/ scripts.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>"pid start-ticks" of a process, so that a recycled pid is not mistaken for the owner.</summary>
    private static class Owner
    {
        public static string Current()
        {
            using var self = Process.GetCurrentProcess();
            return $"{self.Id} {self.StartTime.ToUniversalTime().Ticks}";
        }

        public static bool IsAlive(string owner)
        {
            var parts = owner.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], out var pid) || !long.TryParse(parts[1], out var ticks)) return true; // unknown: leave it
            try
            {
                using var process = Process.GetProcessById(pid);
                return Math.Abs(process.StartTime.ToUniversalTime().Ticks - ticks) < TimeSpan.TicksPerSecond;
            }
            catch (ArgumentException) { return false; } // no such process
            catch (InvalidOperationException) { return false; } // it exited meanwhile
        }
    }
}
