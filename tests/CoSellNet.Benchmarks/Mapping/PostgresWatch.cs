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

    private PostgresWatch(int postmaster, string database, string? log, string sharedBuffers)
    {
        Postmaster = postmaster;
        SharedBuffers = sharedBuffers;
        _database = database;
        _log = log;
        _logStart = log is not null && File.Exists(log) ? new FileInfo(log).Length : 0;
    }

    public int Postmaster { get; }

    /// <summary>The cluster's shared_buffers setting: the shared memory every backend's RSS may count again.</summary>
    public string SharedBuffers { get; }

    /// <summary>CPU time so far of the cluster (postmaster, live backends, reaped backends) and its memory now, from one listing of its processes.</summary>
    public readonly record struct Usage(TimeSpan Cpu, long RssBytes, long? PssBytes, int Processes);

    public Usage Read(bool withPss)
    {
        if (Postmaster <= 0) return default;
        // A backend reaped between reading the postmaster (whose reaped-children time would then
        // include it) and listing the backends would be counted nowhere, and a phase ending on that
        // sample would show PostgreSQL's CPU going backwards: read again while the postmaster's total moves.
        for (var attempt = 0; ; attempt++)
        {
            var before = CpuClock.Process(Postmaster, withReaped: true);
            var usage = Backends(before, withPss);
            if (CpuClock.Process(Postmaster, withReaped: true) == before || attempt == 4) return usage;
        }
    }

    private Usage Backends(TimeSpan postmaster, bool withPss)
    {
        var cpu = postmaster;
        var rss = ServerMemory.Rss(Postmaster);
        long? pss = withPss ? ServerMemory.Pss(Postmaster) : null;
        var children = CpuClock.ChildrenOf(Postmaster);
        foreach (var child in children)
        {
            cpu += CpuClock.Process(child);
            var childRss = ServerMemory.Rss(child);
            rss += childRss;
            // A backend that exited between the listing and this read has nothing to add; one that cannot be read makes the sum unknown.
            if (pss is not null) pss = ServerMemory.Pss(child) is { } p ? pss + p : childRss == 0 ? pss : null;
        }
        return new Usage(cpu, rss, pss, children.Count + 1);
    }

    /// <summary>Finds the cluster behind <paramref name="connectionString"/> and starts logging the database's slow statements.</summary>
    public static async Task<PostgresWatch> Open(string connectionString, int slowMilliseconds)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var admin = new NpgsqlConnection(await PostgresServer.AdminConnectionStringAsync());
        await admin.OpenAsync();
        // No bind parameters with the logged statements: a tag or match block's bytea is megabytes, and
        // logging them as hex (337 MB at 1M × 1M) cost PostgreSQL CPU that a node in service never spends.
        foreach (var setting in new[] { $"log_min_duration_statement = {slowMilliseconds}", "log_parameter_max_length = 0", "log_lock_waits = on" })
        {
            await using var set = new NpgsqlCommand($"ALTER DATABASE {DatabaseCreator.QuoteIdentifier(database)} SET {setting}", admin);
            await set.ExecuteNonQueryAsync();
        }
        await using var show = new NpgsqlCommand("SHOW data_directory", admin);
        var data = (string)(await show.ExecuteScalarAsync())!;
        await using var buffers = new NpgsqlCommand("SHOW shared_buffers", admin);
        var sharedBuffers = (string)(await buffers.ExecuteScalarAsync())!;
        var pid = 0;
        try { pid = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), CultureInfo.InvariantCulture); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var log = Path.Combine(Path.GetDirectoryName(data)!, "postgres.log"); // deploy/pg.sh: next to the data directory
        return new PostgresWatch(pid, database, File.Exists(log) ? log : null, sharedBuffers);
    }

    /// <summary>
    /// A statement the server logged with its duration, and when it logged it (its end; a Stopwatch
    /// timestamp). <paramref name="Step"/> is "parse" or "bind" for those steps of the extended
    /// protocol (logged on their own when over the threshold; bind is where an unnamed statement is
    /// planned), else empty: the statement's execution.
    /// </summary>
    public sealed record Statement(long At, double Milliseconds, string Step, string Text)
    {
        /// <summary>The statement's first words, for totals; parse and bind apart from executions, so counts stay counts of statements.</summary>
        public string Kind => (Step.Length > 0 ? $"({Step}) " : "") + string.Join(' ', Whitespace().Replace(Text, " ").Trim().Split(' ').Take(9));
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
                var at = NodeProcess.ToTimestamp(DateTime.ParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));
                current = new Statement(at, double.Parse(d.Groups[1].Value, CultureInfo.InvariantCulture), d.Groups[2].Value is "parse" or "bind" ? d.Groups[2].Value : "", "");
                text.Append(d.Groups[3].Value);
            }
            else if (current is not null) text.Append(' ').Append(line.Trim());
        }
        if (current is not null) list.Add(current with { Text = text.ToString() });
        return list;
    }

    // log_line_prefix = '%m [%p] %q%u@%d ' (log_timezone UTC): "2026-11-25 16:39:01.123 UTC [1234] user@db LOG:  duration: 12.3 ms  statement: ..."
    [GeneratedRegex(@"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[\d+\] (?:[^@ ]*@(\S*) )?(.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"LOG:\s+duration: (\d+(?:\.\d+)?) ms\s+(statement|execute|bind|parse)[^:]*: (.*)$")]
    private static partial Regex DurationStatement();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
