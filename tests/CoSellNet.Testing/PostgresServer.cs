using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CoSellNet.Silo.Storage;
using Npgsql;

namespace CoSellNet.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for this test process, created from the local PostgreSQL
/// binaries by the project's own deploy/pg.sh (so tests exercise the same set-up as users) in a
/// temporary directory on a free loopback port, and removed when the process exits. Each test
/// class asks for its own database, with the full schema applied.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<Cluster>> Shared = new(StartAsync);

    /// <summary>Creates a uniquely named database with the schema applied and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var cluster = await Shared.Value;
        var safe = new string([.. prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20)]);
        var name = $"{safe}_{Guid.NewGuid():N}";
        var cs = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString)
        {
            Database = name,
            MaxPoolSize = 30,
            ConnectionIdleLifetime = 10,
        }.ConnectionString;
        await DatabaseCreator.EnsureDatabaseAsync(cs);
        await using var db = NpgsqlDataSource.Create(cs);
        await SchemaMigrator.ApplyAsync(db);
        return cs;
    }

    /// <summary>The admin connection string of this process's cluster (database "postgres").</summary>
    public static async Task<string> AdminConnectionStringAsync() => (await Shared.Value).AdminConnectionString;

    private static async Task<Cluster> StartAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), $"cosellnet-test-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        var env = new Dictionary<string, string>
        {
            ["COSELLNET_PG_DATA"] = Path.Combine(home, "data"),
            ["COSELLNET_PG_DB"] = "postgres",
            ["COSELLNET_PG_FAST"] = "1",
        };
        for (var attempt = 1; ; attempt++)
        {
            env["COSELLNET_PG_PORT"] = FreePort().ToString();
            var (ok, output) = await PgScript(env, "init");
            if (ok) (ok, output) = await PgScript(env, "start");
            if (ok)
            {
                var (_, url) = await PgScript(env, "url");
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(env, home);
                return new Cluster(url.Trim());
            }
            if (attempt == 3) throw new InvalidOperationException($"Could not start a test PostgreSQL:\n{output}");
            // A port taken between choosing and binding: rewrite the port and retry.
            var conf = Path.Combine(home, "data", "postgresql.conf");
            if (File.Exists(conf)) Directory.Delete(Path.Combine(home, "data"), recursive: true);
        }
    }

    private static void Stop(Dictionary<string, string> env, string home)
    {
        try
        {
            PgScript(env, "stop").GetAwaiter().GetResult();
            Directory.Delete(home, recursive: true);
        }
        catch (Exception) { /* best effort at process exit */ }
    }

    private static async Task<(bool Ok, string Output)> PgScript(Dictionary<string, string> env, string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "deploy", "pg.sh"));
        start.ArgumentList.Add(command);
        foreach (var (key, value) in env) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 0, await stdout + await stderr);
    }

    /// <summary>The repository root: the folder above this assembly that holds CoSellNet.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CoSellNet.sln"))) return dir.FullName;
        throw new InvalidOperationException("CoSellNet.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Cluster(string AdminConnectionString);
}
