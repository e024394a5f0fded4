using System.Globalization;
using System.Text.RegularExpressions;
using CoSellNet.Silo.Storage;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// The benchmark's PostgreSQL as the profiler sees it: the CPU time of its processes (the cluster
/// is this process's own, see <see cref="PostgresServer"/>), and statements of the benchmark's
/// database that took at least a threshold, from the server log (<c>log_min_duration_statement</c>,
/// set on that database only).
/// </summary>
internal sealed partial class PostgresWatch
{
    private readonly string _database;
    private readonly string? _log;
    private readonly long _logStart;

    private PostgresWatch(int postmaster, string database, string? log)
    {
        Postmaster = postmaster;
        _database = database;
        _log = log;
        _logStart = log is not null && File.Exists(log) ? new FileInfo(log).Length : 0;
    }

    public int Postmaster { get; }

    public TimeSpan Cpu() => Postmaster > 0 ? CpuClock.Tree(Postmaster) : TimeSpan.Zero;

    /// <summary>Finds the cluster behind <paramref name="connectionString"/> and starts logging the database's slow statements.</summary>
    public static async Task<PostgresWatch> Open(string connectionString, int slowMilliseconds)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var admin = new NpgsqlConnection(await PostgresServer.AdminConnectionStringAsync());
        await admin.OpenAsync();
        foreach (var setting in new[] { $"log_min_duration_statement = {slowMilliseconds}", "log_lock_waits = on" })
        {
            await using var set = new NpgsqlCommand($"ALTER DATABASE {DatabaseCreator.QuoteIdentifier(database)} SET {setting}", admin);
            await set.ExecuteNonQueryAsync();
        }
        await using var show = new NpgsqlCommand("SHOW data_directory", admin);
        var data = (string)(await show.ExecuteScalarAsync())!;
        var pid = 0;
        try { pid = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), CultureInfo.InvariantCulture); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var log = Path.Combine(Path.GetDirectoryName(data)!, "postgres.log"); // deploy/pg.sh: next to the data directory
        return new PostgresWatch(pid, database, File.Exists(log) ? log : null);
    }

    /// <summary>A statement the server logged with its duration.</summary>
    public sealed record Statement(double Milliseconds, string Text)
    {
        /// <summary>The statement's first words, for totals.</summary>
        public string Kind => string.Join(' ', Whitespace().Replace(Text, " ").Trim().Split(' ').Take(9));
    }

    /// <summary>The server log since this watch was opened (every database's lines).</summary>
    public string LogText()
    {
        if (_log is null) return "";
        using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_logStart, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Slow statements of the database logged since this watch was opened.</summary>
    public List<Statement> SlowStatements()
    {
        var list = new List<Statement>();
        if (_log is null) return list;
        using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_logStart, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        Statement? current = null;
        var text = new System.Text.StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (LogLine().Match(line) is { Success: true } m)
            {
                if (current is not null) list.Add(current with { Text = text.ToString() });
                current = null;
                text.Clear();
                if (m.Groups[2].Value != _database || DurationStatement().Match(m.Groups[3].Value) is not { Success: true } d) continue;
                current = new Statement(double.Parse(d.Groups[1].Value, CultureInfo.InvariantCulture), "");
                text.Append(d.Groups[2].Value);
            }
            else if (current is not null) text.Append(' ').Append(line.Trim());
        }
        if (current is not null) list.Add(current with { Text = text.ToString() });
        return list;
    }

    // log_line_prefix = '%m [%p] %q%u@%d ': "2026-11-25 16:39:01.123 UTC [1234] user@db LOG:  duration: 12.3 ms  statement: ..."
    [GeneratedRegex(@"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+) \[\d+\] (?:[^@ ]*@(\S*) )?(.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"LOG:\s+duration: (\d+(?:\.\d+)?) ms\s+(?:statement|execute [^:]*|bind [^:]*|parse [^:]*): (.*)$")]
    private static partial Regex DurationStatement();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
